"""The REST API's resources under attack: a key of workspace B names objects of A (forms,
leads, their outcomes, conversations) by their ids and gets 404, exactly as for ids that exist
nowhere, and changes nothing of A; lists by B's key show only B's objects. A's ids are made past
every id of B (probes.py), so a 404 is not a coincidence of numbering."""

import pytest
from django_tenants.utils import schema_context

from forms_builder.models import Form
from leads.models import Conversation, Lead
from tenants.api_keys import api_key_revoke
from tenants.models import ApiKey
from tests.api import api_call
from tests.security.probes import OBJECT_MAKERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects_of_a(workspace_a):
    """A lead of A captured through a published form, its conversation and form."""
    lead_id = OBJECT_MAKERS["lead_id"](workspace_a, "leads/<int:lead_id>/", {})
    with schema_context(workspace_a.schema_name):
        conversation = Conversation.objects.get(lead_id=lead_id)
        return {"lead": lead_id, "conversation": conversation.pk, "form": conversation.form_id}


NOWHERE = 2_000_000_000  # an id no schema holds


def readings(objects) -> list[str]:
    return [
        f"/api/v1/forms/{objects['form']}/",
        f"/api/v1/leads/{objects['lead']}/",
        f"/api/v1/leads/{objects['lead']}/outcomes/",
        f"/api/v1/conversations/{objects['conversation']}/",
    ]


def test_a_key_of_b_reads_no_object_of_a_and_gets_what_a_missing_id_gets(
    client, api_key_of, objects_of_a, workspace_a, workspace_b
):
    key_of_b = api_key_of(workspace_b)
    nowhere = dict.fromkeys(objects_of_a, NOWHERE)

    for of_a, missing in zip(readings(objects_of_a), readings(nowhere), strict=True):
        answer, missing_answer = (api_call(client, "get", url, key_of_b) for url in (of_a, missing))
        assert answer.status_code == missing_answer.status_code == 404, of_a
        assert answer.json() == missing_answer.json()
        assert workspace_a.name.encode() not in answer.content


def test_a_key_of_b_changes_nothing_of_a(
    client, api_key_of, objects_of_a, snapshot_b, workspace_a, workspace_b
):
    key_of_b = api_key_of(workspace_b)
    with schema_context(workspace_a.schema_name):
        before = list(Lead.objects.values_list())
    b_before = snapshot_b()
    lead_url = f"/api/v1/leads/{objects_of_a['lead']}/"

    patched = api_call(client, "patch", lead_url, key_of_b, {"custom_fields": {"x": "y"}})
    outcome = api_call(
        client, "post", lead_url + "outcomes/", key_of_b, {"kind": "lost", "lost_reason": "other"}
    )

    assert patched.status_code == outcome.status_code == 404
    with schema_context(workspace_a.schema_name):
        assert list(Lead.objects.values_list()) == before
    # B's key notes when it was used; nothing else of B moves either.
    b_after = snapshot_b()
    assert b_after.pop("api_keys") != b_before.pop("api_keys")
    assert b_after == b_before


def test_lists_by_a_key_of_b_hold_only_b(client, api_key_of, objects_of_a, workspace_b):
    key_of_b = api_key_of(workspace_b)
    with schema_context(workspace_b.schema_name):
        own = {
            "forms": set(Form.objects.values_list("pk", flat=True)),
            "leads": set(Lead.objects.values_list("pk", flat=True)),
            "conversations": set(Conversation.objects.values_list("pk", flat=True)),
        }

    for resource, ids_of_b in own.items():
        response = api_call(client, "get", f"/api/v1/{resource}/", key_of_b, data={"limit": 100})
        assert response.status_code == 200
        assert {row["id"] for row in response.json()["data"]} <= ids_of_b
        assert b"Alpha" not in response.content


def test_a_revoked_key_reads_nothing(client, api_key_of, objects_of_a, workspace_a):
    key = api_key_of(workspace_a)
    assert api_call(client, "get", f"/api/v1/leads/{objects_of_a['lead']}/", key).status_code == 200
    api_key_revoke(api_key=ApiKey.objects.get(prefix=key.split("_")[1]))

    for url in readings(objects_of_a):
        response = api_call(client, "get", url, key)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "authentication_failed"
