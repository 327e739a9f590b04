"""GET /api/v1/conversations/ and /api/v1/conversations/{id}/: what visitors said, oldest change
first for a sync, filtered, with answers and transcript; conversations of hidden leads are never
served."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from leads.models import Conversation, Lead
from tests.api import api_call
from tests.leads.conversations import LEAD_A, LEAD_B, abandon, converse, discovery_form

pytestmark = pytest.mark.django_db

URL = "/api/v1/conversations/"


@pytest.fixture
def key(api_key_of, workspace_a):
    return api_key_of(workspace_a)


@pytest.fixture
def form(workspace_a):
    return discovery_form(workspace_a)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["data"]]


def test_conversations_list_oldest_change_first_and_read_with_transcript(
    client, key, form, workspace_a
):
    first = converse(workspace_a, form, LEAD_A)
    second = converse(workspace_a, form, LEAD_B)

    listed = api_call(client, "get", URL, key)
    read = api_call(client, "get", f"{URL}{second.pk}/", key)

    assert ids(listed) == [first.pk, second.pk]
    body = read.json()
    assert (body["status"], body["lead_id"], body["form_id"]) == (
        "completed",
        second.lead_id,
        form.pk,
    )
    assert [m["text"] for m in body["messages"] if m["role"] == "visitor"][:2] == LEAD_B[:2]
    assert body["answers"][0]["answer"] == LEAD_B[0]


def test_a_conversation_that_joined_a_lead_on_its_email_reads_as_unverified(
    client, key, form, workspace_a
):
    first = converse(workspace_a, form, LEAD_B)
    later = converse(workspace_a, form, [LEAD_B[0], "Étudiant", *LEAD_B[2:]])

    bodies = [api_call(client, "get", f"{URL}{c.pk}/", key).json() for c in (first, later)]
    listed = api_call(client, "get", URL, key).json()["data"]

    assert [body["unverified"] for body in bodies] == [False, True]
    assert [row["unverified"] for row in listed] == [False, True]
    assert bodies[1]["lead_id"] == first.lead_id


def test_an_abandoned_conversation_comes_back_in_the_sync(client, key, form, workspace_a):
    conversation = converse(workspace_a, form, LEAD_A[:2], finish=False)
    with schema_context(workspace_a.schema_name):
        Conversation.objects.filter(pk=conversation.pk).update(
            updated_at=timezone.now() - timedelta(days=1)
        )
    since = (timezone.now() - timedelta(minutes=5)).isoformat()
    assert ids(api_call(client, "get", URL, key, data={"updated_since": since})) == []

    abandon(workspace_a, conversation)

    response = api_call(
        client, "get", URL, key, data={"updated_since": since, "status": "abandoned"}
    )
    assert ids(response) == [conversation.pk]


def test_conversations_of_hidden_leads_answer_like_missing_ones(client, key, form, workspace_a):
    conversation = converse(workspace_a, form, LEAD_A)
    with schema_context(workspace_a.schema_name):
        Lead.objects.filter(pk=conversation.lead_id).update(over_quota=True)

    assert ids(api_call(client, "get", URL, key)) == []
    hidden = api_call(client, "get", f"{URL}{conversation.pk}/", key)
    missing = api_call(client, "get", f"{URL}{conversation.pk + 1000}/", key)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "finished"}, "status"),
        ({"form": "x"}, "form"),
        ({"started_since": "2026-13-01"}, "started_since"),
        ({"limit": 1000}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_a_bad_query_gets_a_400(client, key, params, field):
    response = api_call(client, "get", URL, key, data=params)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
