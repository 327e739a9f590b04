"""Uploaded files are stored per workspace, under MEDIA_ROOT/<schema name>/
(django-tenants' TenantFileSystemStorage), and never served as a public directory: a future
download view checks membership first. No upload feature exists yet; these pin the storage."""

import importlib
import os
from importlib import import_module

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.views.static import serve
from django_tenants.files.storage import TenantFileSystemStorage
from django_tenants.utils import schema_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    # The storage caches MEDIA_ROOT and forgets it only when MULTITENANT_RELATIVE_MEDIA_ROOT
    # changes, so it is told here.
    storages["default"].__dict__.pop("relative_media_root", None)
    yield tmp_path
    storages["default"].__dict__.pop("relative_media_root", None)


@pytest.fixture
def file_of_a(media_root, workspace_a):
    with schema_context(workspace_a.schema_name):
        name = default_storage.save("leads/export.csv", ContentFile(b"secret of A"))
    return name


def test_default_storage_is_per_workspace():
    assert isinstance(storages["default"], TenantFileSystemStorage)


def test_file_saved_in_a_lands_under_the_schema_of_a(media_root, workspace_a, file_of_a):
    with schema_context(workspace_a.schema_name):
        path = default_storage.path(file_of_a)
        assert default_storage.open(file_of_a).read() == b"secret of A"

    assert path.startswith(os.path.join(str(media_root), workspace_a.schema_name) + os.sep)
    assert os.path.exists(path)


def test_b_cannot_open_a_file_of_a(workspace_a, workspace_b, file_of_a):
    with schema_context(workspace_b.schema_name):
        assert not default_storage.exists(file_of_a)
        with pytest.raises(FileNotFoundError):
            default_storage.open(file_of_a)
        # Climbing out of B's directory into A's is refused, not followed.
        with pytest.raises(SuspiciousFileOperation):
            default_storage.open(f"../{workspace_a.schema_name}/{file_of_a}")


def test_b_saving_the_same_name_does_not_touch_a_file_of_a(workspace_a, workspace_b, file_of_a):
    with schema_context(workspace_b.schema_name):
        default_storage.save(file_of_a, ContentFile(b"of B"))
        default_storage.delete(file_of_a)

    with schema_context(workspace_a.schema_name):
        assert default_storage.open(file_of_a).read() == b"secret of A"


def test_media_directory_is_not_served(owner_client, outsider_client, workspace_a, file_of_a):
    url = f"/media/{workspace_a.schema_name}/{file_of_a}"
    for client in (owner_client, outsider_client):
        for path in (url, f"/w/{workspace_a.slug}{url}"):
            response = client.get(path)
            assert response.status_code == 404
            assert b"secret of A" not in response.content


def _views(patterns):
    for entry in patterns:
        if hasattr(entry, "url_patterns"):
            yield from _views(entry.url_patterns)
        else:
            yield entry.callback


@pytest.fixture
def urlconfs_as_in_debug(settings):
    """The URLconf modules as built with DEBUG on, where django.conf.urls.static.static() adds
    its routes (the tests run with DEBUG off, where it adds nothing)."""
    modules = [import_module(settings.ROOT_URLCONF), import_module(settings.WORKSPACE_URLCONF)]
    settings.DEBUG = True
    try:
        yield [importlib.reload(module) for module in modules]
    finally:
        settings.DEBUG = False
        for module in modules:
            importlib.reload(module)


def test_no_url_serves_files_from_a_directory(urlconfs_as_in_debug):
    """A route to django.views.static.serve (what static() adds) would hand MEDIA_ROOT, every
    workspace's files, to anyone."""
    for module in urlconfs_as_in_debug:
        assert serve not in set(_views(module.urlpatterns)), module.__name__
