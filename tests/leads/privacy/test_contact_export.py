"""Everything about a contact as JSON (leads/privacy/contacts.py, contact_export): what a
subject access request asks for."""

import json

import pytest
from django_tenants.utils import schema_context

from leads.privacy.contacts import EXPORT_FORMAT, contact_export
from tests.leads.privacy.fixtures import EMAIL

pytestmark = pytest.mark.django_db


def test_the_export_holds_the_lead_its_conversations_transcript_events_and_sales_notes(
    workspace_a, make_contact
):
    contact = make_contact(workspace_a)

    with schema_context(workspace_a.schema_name):
        data = contact_export(email=EMAIL, workspace=workspace_a)

    # JSON as it is: no date or decimal left for an encoder to choke on.
    assert json.loads(json.dumps(data)) == data
    assert data["format"] == EXPORT_FORMAT
    assert data["email"] == EMAIL.lower()
    lead = data["lead"]
    assert (lead["email"], lead["full_name"], lead["company"]) == (
        EMAIL.lower(),
        "Zelda Quokka",
        "Quokkaflux",
    )
    assert lead["qualification"]["qualification_status"] == "sql"
    assert lead["qualification"]["budget_amount"] == "6000.00"
    assert any(item["reason"] and item["points"] for item in lead["score_items"])
    assert lead["outcomes"] == [
        {
            "kind": "lost",
            "amount": None,
            "currency": "",
            "lost_reason": "other",
            "note": "Zelda Quokka said the zqv7 budget moved",
            "created_at": lead["outcomes"][0]["created_at"],
        }
    ]
    assert [c["field"] for c in lead["corrections"]] == ["authority"]
    assert "assigned" in [a["kind"] for a in lead["activities"]]

    finished, pending = data["conversations"]
    assert finished["lead_id"] == contact.lead.pk and pending["lead_id"] is None
    assert finished["utm"]["utm_campaign"] == "zqv7-campaign"
    assert finished["hidden_fields"] == {"plan": "pro-zqv7"}
    assert "Quokkaflux" in finished["answers"].values()
    assert {"role": "visitor", "text": "Zelda Quokka"} in [
        {"role": m["role"], "text": m["text"]} for m in finished["messages"]
    ]
    # The resume token is a credential, not data about the person.
    assert "token" not in finished
    assert sorted(e["kind"] for e in data["events"]) == ["email_click", "page_view", "page_view"]


def test_the_export_of_an_unknown_address_says_nothing_is_held(workspace_a):
    with schema_context(workspace_a.schema_name):
        data = contact_export(email="nobody@alpha.example", workspace=workspace_a)

    assert (data["lead"], data["conversations"], data["events"]) == (None, [], [])
