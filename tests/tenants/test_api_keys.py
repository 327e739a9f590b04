"""Workspace API keys (tenants/api_keys.py): the key is shown once and only its hash is kept;
a wrong, malformed or revoked key finds nothing; the last use is noted at most once a minute."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tenants.api_keys import (
    KEY_PATTERN,
    api_key_authenticate,
    api_key_create,
    api_key_revoke,
)
from tenants.models import ApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def created(workspace_a, owner):
    return api_key_create(
        workspace=workspace_a, name="Newsletter", scopes=["write"], created_by=owner
    )


def test_the_full_key_is_returned_once_and_only_its_hash_is_stored(created):
    match = KEY_PATTERN.fullmatch(created.key)

    assert match is not None
    stored = ApiKey.objects.get(pk=created.api_key.pk)
    assert stored.prefix == match["prefix"]
    assert stored.key_hash == hashlib.sha256(match["secret"].encode()).hexdigest()
    assert created.key not in str(ApiKey.objects.filter(pk=stored.pk).values_list())
    assert match["secret"] not in str(ApiKey.objects.filter(pk=stored.pk).values_list())


def test_two_keys_share_neither_prefix_nor_secret(workspace_a):
    first, second = (
        api_key_create(workspace=workspace_a, name=name, scopes=["read"], created_by=None)
        for name in ("One", "Two")
    )

    assert first.api_key.prefix != second.api_key.prefix
    assert first.key.rsplit("_", 1)[-1] != second.key.rsplit("_", 1)[-1]


@pytest.mark.parametrize(
    ("name", "scopes"), [("", ["read"]), ("   ", ["read"]), ("Tool", []), ("Tool", ["admin"])]
)
def test_a_key_needs_a_name_and_known_scopes(workspace_a, name, scopes):
    with pytest.raises(ValidationError):
        api_key_create(workspace=workspace_a, name=name, scopes=scopes, created_by=None)

    assert not ApiKey.objects.exists()


def test_the_key_finds_its_workspace(created, workspace_a):
    found = api_key_authenticate(key=created.key)

    assert found == created.api_key
    assert found.workspace == workspace_a


def test_a_key_with_a_wrong_secret_finds_nothing(created):
    prefix = created.api_key.prefix
    forged = f"parley_{prefix}_{'A' * 43}"

    assert api_key_authenticate(key=forged) is None


@pytest.mark.parametrize(
    "key",
    [
        "",
        "parley_",
        "Bearer x",
        "parley_zzzzzzzzzzzz_" + "a" * 43,
        "parley_test_" + "0" * 12 + "_x",
    ],
)
def test_malformed_keys_find_nothing(created, key):
    assert api_key_authenticate(key=key) is None


def test_a_revoked_key_fails_at_once(created):
    assert api_key_authenticate(key=created.key) is not None

    api_key_revoke(api_key=created.api_key)

    assert api_key_authenticate(key=created.key) is None


def test_last_use_is_noted_at_most_once_a_minute(created):
    start = timezone.now()

    api_key_authenticate(key=created.key, now=start)
    api_key_authenticate(key=created.key, now=start + timedelta(seconds=30))
    seen_early = ApiKey.objects.get(pk=created.api_key.pk).last_used_at
    api_key_authenticate(key=created.key, now=start + timedelta(seconds=61))
    seen_later = ApiKey.objects.get(pk=created.api_key.pk).last_used_at

    assert seen_early == start
    assert seen_later == start + timedelta(seconds=61)
