"""Calling the REST API in tests, with a workspace API key (or the WSGI app, as schemathesis
does)."""

import json

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from tenants.api_keys import api_key_create


def api_call(client, method: str, url: str, key: str | None, body=None, **extra):
    if key is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    if body is None:
        return getattr(client, method)(url, **extra)
    data = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(url, data, content_type="application/json", **extra)


@pytest.fixture
def api_key_of():
    """`api_key_of(workspace, scopes=...)`: a new key's secret."""

    def make(workspace, scopes=("read", "write"), name="CRM sync") -> str:
        return api_key_create(
            workspace=workspace, name=name, scopes=list(scopes), created_by=None
        ).key

    return make


@pytest.fixture
def keep_the_test_connection():
    """The WSGI handler closes the database connection at the end of each request, and with it
    the test's transaction; Django's test client keeps it open the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
