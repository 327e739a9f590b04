"""GET and POST /api/v1/leads/{id}/outcomes/: what came of a lead, recorded by an integration with
the lead page's rules (a won deal has its amount and currency, a lost one its reason), named
"api:<key name>", once per Idempotency-Key."""

import pytest
from django_tenants.utils import schema_context

from leads.models import LeadOutcome
from tests.api import api_call
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(workspace_a):
    with schema_context(workspace_a.schema_name):
        return LeadFactory()


@pytest.fixture
def key(api_key_of, workspace_a):
    return api_key_of(workspace_a, name="Pipedrive")


def outcomes_of(workspace_a, lead) -> list[tuple]:
    with schema_context(workspace_a.schema_name):
        return list(
            LeadOutcome.objects.filter(lead=lead).values_list("kind", "amount", "recorded_by_email")
        )


def post(client, key, lead, body, **extra):
    return api_call(client, "post", f"/api/v1/leads/{lead.pk}/outcomes/", key, body, **extra)


def test_a_won_deal_is_recorded_with_its_amount_by_the_key(client, key, lead, workspace_a):
    response = post(client, key, lead, {"kind": "won", "amount": "1200.50", "currency": "eur"})

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["amount"], body["currency"]) == ("won", "1200.50", "EUR")
    assert body["recorded_by_email"] == "api:Pipedrive"
    listed = api_call(client, "get", f"/api/v1/leads/{lead.pk}/outcomes/", key)
    assert [row["id"] for row in listed.json()["data"]] == [body["id"]]
    with schema_context(workspace_a.schema_name):
        lead.refresh_from_db()
    assert lead.outcome == "won" and lead.first_contacted_at is not None


BAD_OUTCOMES = {
    "no kind": ({}, "kind"),
    "an unknown kind": ({"kind": "maybe"}, "kind"),
    "a won deal without amount": ({"kind": "won", "currency": "EUR"}, "amount"),
    "a won deal without currency": ({"kind": "won", "amount": "10"}, "currency"),
    "a currency ISO 4217 does not list": (
        {"kind": "won", "amount": "10", "currency": "XYZ"},
        "currency",
    ),
    "an amount that is no number": ({"kind": "won", "amount": "lots", "currency": "EUR"}, "amount"),
    "an amount too large": (
        {"kind": "won", "amount": "1" + "0" * 20, "currency": "EUR"},
        "amount",
    ),
    "a lost deal without reason": ({"kind": "lost"}, "lost_reason"),
    "a reason for a meeting": ({"kind": "meeting", "lost_reason": "other"}, "lost_reason"),
    "an amount for a call": ({"kind": "contacted", "amount": "5"}, "amount"),
    "a note too long": ({"kind": "contacted", "note": "x" * 501}, "note"),
    "an unknown field": ({"kind": "contacted", "won": True}, "won"),
}


@pytest.mark.parametrize("case", BAD_OUTCOMES)
def test_a_bad_outcome_gets_a_400_naming_the_field(client, key, lead, workspace_a, case):
    body, field = BAD_OUTCOMES[case]

    response = post(client, key, lead, body)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert outcomes_of(workspace_a, lead) == []


def test_an_idempotency_key_records_the_outcome_once(client, key, lead, workspace_a):
    body = {"kind": "lost", "lost_reason": "competitor", "note": "Chose a spreadsheet"}

    first = post(client, key, lead, body, HTTP_IDEMPOTENCY_KEY="deal-7-lost")
    again = post(client, key, lead, body, HTTP_IDEMPOTENCY_KEY="deal-7-lost")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert len(outcomes_of(workspace_a, lead)) == 1


def test_an_unknown_or_hidden_lead_is_a_404(client, key, workspace_a):
    with schema_context(workspace_a.schema_name):
        hidden = LeadFactory(over_quota=True)

    response = post(client, key, hidden, {"kind": "contacted"})

    assert response.status_code == 404
    assert outcomes_of(workspace_a, hidden) == []
