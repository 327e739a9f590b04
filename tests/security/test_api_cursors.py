"""A cursor of /api/v1/ is good only in the workspace it was made in, and only as it was made:
one from workspace A sent with workspace B's key, or one edited, is a 400 in the error shape
naming `cursor`, never a page of B's rows."""

import pytest
from django_tenants.utils import schema_context

from tests.api import api_call
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads/"


@pytest.fixture
def leads_in_both(workspace_a, workspace_b):
    for workspace in (workspace_a, workspace_b):
        with schema_context(workspace.schema_name):
            LeadFactory.create_batch(3)


def a_cursor_of(client, key) -> str:
    response = api_call(client, "get", URL, key, data={"limit": 1})
    assert response.status_code == 200, response.content
    cursor = response.json()["next_cursor"]
    assert cursor
    return cursor


def assert_cursor_refused(response):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"cursor"}


def test_a_cursor_of_workspace_a_is_refused_with_the_key_of_workspace_b(
    client, api_key_of, workspace_a, workspace_b, leads_in_both
):
    cursor = a_cursor_of(client, api_key_of(workspace_a))

    response = api_call(
        client, "get", URL, api_key_of(workspace_b), data={"limit": 1, "cursor": cursor}
    )

    assert_cursor_refused(response)
    assert "another workspace" in response.json()["error"]["fields"]["cursor"]


def test_a_cursor_still_works_in_its_own_workspace(client, api_key_of, workspace_b, leads_in_both):
    key = api_key_of(workspace_b)
    cursor = a_cursor_of(client, key)

    response = api_call(client, "get", URL, key, data={"limit": 1, "cursor": cursor})

    assert response.status_code == 200, response.content
    assert len(response.json()["data"]) == 1


@pytest.mark.parametrize(
    "tamper",
    [
        lambda cursor: cursor[:-1] + ("A" if cursor[-1] != "A" else "B"),  # the signature
        lambda cursor: ("A" if cursor[0] != "A" else "B") + cursor[1:],  # the payload
        lambda cursor: cursor[: len(cursor) // 2],  # cut
    ],
    ids=["signature edited", "payload edited", "cut"],
)
def test_a_tampered_cursor_is_refused(client, api_key_of, workspace_a, leads_in_both, tamper):
    key = api_key_of(workspace_a)
    cursor = a_cursor_of(client, key)

    response = api_call(client, "get", URL, key, data={"limit": 1, "cursor": tamper(cursor)})

    assert_cursor_refused(response)
