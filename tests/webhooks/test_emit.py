"""Which changes of a lead emit which event, with what payload: only once the change is
committed, read from the committed lead, and never for a lead hidden past the plan's limits. A
rule change that rescores every lead emits one workspace event, not one per lead."""

import json
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django_tenants.utils import schema_context
from standardwebhooks.webhooks import Webhook

from leads.models import Lead, RuleKind, ScoringRule
from leads.prioritization import lead_priority_store
from leads.scoring.services import scoring_rule_delete, scoring_rule_save
from leads.services.events import lead_event_create
from leads.services.leads import lead_correct
from leads.services.sales import lead_assign, lead_outcome_record, leads_assign
from tests.api import api_call
from tests.factories import LeadFactory
from tests.leads.conversations import LEAD_B, STUDENT, converse, discovery_form
from webhooks.models import Delivery, Event

pytestmark = pytest.mark.django_db


def _messages(receiver, endpoint) -> list[dict]:
    """What the receiver got, each verified with the endpoint's secret."""
    return [Webhook(endpoint.secret).verify(r.body, r.headers) for r in receiver.requests]


def _types(receiver, endpoint) -> list[str]:
    return [message["type"] for message in _messages(receiver, endpoint)]


@pytest.fixture
def committed(workspace_a, django_capture_on_commit_callbacks):
    """`with committed(): ...`: run in workspace A and commit (callbacks run, tasks eagerly)."""

    @contextmanager
    def run():
        with (
            schema_context(workspace_a.schema_name),
            django_capture_on_commit_callbacks(execute=True),
        ):
            yield

    return run


def test_a_completed_conversation_emits_lead_created_conversation_completed_and_qualified(
    workspace_a, receiver, endpoint, committed
):
    form = discovery_form(workspace_a)
    with committed():
        conversation = converse(workspace_a, form, LEAD_B)

    messages = _messages(receiver, endpoint)
    assert [m["type"] for m in messages] == [
        "lead.created",
        "conversation.completed",
        "lead.qualified",
    ]
    created, completed, qualified = (m["data"] for m in messages)
    assert created["lead"]["id"] == conversation.lead_id
    assert created["lead"]["email"] == "b@pme-services.example"
    assert created["lead"]["url"].endswith(f"/w/{workspace_a.slug}/leads/{conversation.lead_id}/")
    assert completed["conversation"]["id"] == conversation.pk
    assert completed["conversation"]["form"]["name"] == "Qualification"
    assert completed["conversation"]["answers"][0] == {
        "question": "Quelle est votre adresse e-mail professionnelle ?",
        "answer": "b@pme-services.example",
    }
    lead = qualified["lead"]
    assert lead["status"] == "sql"
    assert lead["band"] == "hot"
    assert lead["bant"]["budget"] == "confirmed"
    assert lead["bant"]["timing"] == "quarter"
    assert lead["brief"]["problem"]
    assert set(lead) == {
        "id",
        "url",
        "email",
        "name",
        "company",
        "job_title",
        "status",
        "disqualification",
        "band",
        "priority",
        "score",
        "bant",
        "brief",
        "assignee",
        "outcome",
        "created_at",
        "updated_at",
    }


def test_a_conversation_only_claiming_a_leads_email_pushes_no_forged_data(
    workspace_a, receiver, endpoint, committed
):
    """Given an SQL lead, when another conversation gives its e-mail and says it is a student
    with another job title, then integrators are told the lead as stored (its title, still an
    SQL, no lead.qualified), and the conversation's own answers come marked unverified."""
    form = discovery_form(workspace_a)
    with committed():
        converse(workspace_a, form, LEAD_B)
    receiver.requests.clear()

    with committed():
        impostor = converse(workspace_a, form, [LEAD_B[0], "Étudiant", *STUDENT[2:]])

    messages = _messages(receiver, endpoint)
    assert [m["type"] for m in messages] == ["lead.updated", "conversation.completed"]
    updated, completed = (m["data"] for m in messages)
    for told in (updated["lead"], completed["lead"]):
        assert (told["job_title"], told["status"], told["disqualification"]) == (
            "Manager",
            "sql",
            None,
        )
    assert completed["conversation"]["id"] == impostor.pk
    assert completed["conversation"]["unverified"] is True


def test_nothing_is_emitted_before_the_commit_nor_for_a_change_rolled_back(
    workspace_a, owner, receiver, endpoint, django_capture_on_commit_callbacks
):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory()
        with django_capture_on_commit_callbacks() as queued:
            try:
                with transaction.atomic():
                    lead_assign(lead=lead, assignee=owner, by=owner)
                    raise RuntimeError("the request fails after the assignment")
            except RuntimeError:
                pass
        assert queued == []  # rolled back with its savepoint: nothing waits for the commit

        with django_capture_on_commit_callbacks() as queued:
            lead_assign(lead=lead, assignee=owner, by=owner)
        assert receiver.requests == []  # saved, not committed yet
        assert Event.objects.count() == 0

        with django_capture_on_commit_callbacks(execute=True):  # the commit
            for callback in queued:
                callback()

    assert _types(receiver, endpoint) == ["lead.updated"]


def test_the_payload_is_read_from_the_lead_as_committed(
    workspace_a, owner, receiver, endpoint, committed
):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory(full_name="Ada Lovelace")

    with committed():
        lead_assign(lead=lead, assignee=owner, by=owner)

    [message] = _messages(receiver, endpoint)
    assert message["data"]["lead"]["assignee"] == owner.email
    assert message["data"]["lead"]["name"] == "Ada Lovelace"


def test_assigning_many_leads_emits_lead_updated_for_each(
    workspace_a, owner, receiver, endpoint, committed
):
    with schema_context(workspace_a.schema_name):
        leads = LeadFactory.create_batch(3)

    with committed():
        leads_assign(lead_ids=[lead.pk for lead in leads], assignee=owner, by=owner)

    messages = _messages(receiver, endpoint)
    assert {m["type"] for m in messages} == {"lead.updated"}
    assert sorted(m["data"]["lead"]["id"] for m in messages) == sorted(lead.pk for lead in leads)


def test_an_outcome_emits_lead_outcome_with_the_outcome(
    workspace_a, owner, receiver, endpoint, committed
):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory()

    with committed():
        lead_outcome_record(lead=lead, kind="won", by=owner, amount=Decimal("6000"), currency="eur")

    [message] = _messages(receiver, endpoint)
    assert message["type"] == "lead.outcome"
    assert message["data"]["lead"]["outcome"] == "won"
    assert message["data"]["outcome"]["amount"] == "6000"
    assert message["data"]["outcome"]["currency"] == "EUR"
    assert message["data"]["outcome"]["recorded_by"] == owner.email


def test_a_correction_emits_lead_updated(workspace_a, admin, receiver, endpoint, committed):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory()

    with committed():
        lead_correct(lead=lead, values={"need": "identified"}, corrected_by=admin)
        lead_correct(lead=lead, values={"need": "identified"}, corrected_by=admin)  # no change

    [message] = _messages(receiver, endpoint)
    assert message["type"] == "lead.updated"
    assert message["data"]["lead"]["bant"]["need"] == "identified"


def test_a_hidden_lead_emits_nothing(workspace_a, owner, receiver, endpoint, committed):
    with schema_context(workspace_a.schema_name):
        hidden = LeadFactory(over_quota=True)

    with committed():
        lead_assign(lead=hidden, assignee=owner, by=owner)
        lead_outcome_record(lead=hidden, kind="contacted", by=owner)

    assert receiver.requests == []
    with schema_context(workspace_a.schema_name):
        assert Event.objects.count() == 0


def test_a_conversation_over_the_plan_emits_nothing(workspace_a, receiver, endpoint, committed):
    """A lead met past the plan's conversations is hidden: its conversation, qualification and
    later conversations say nothing."""
    form = discovery_form(workspace_a)
    with schema_context(workspace_a.schema_name):
        LeadFactory(email=LEAD_B[0], over_quota=True)

    with committed():
        conversation = converse(workspace_a, form, LEAD_B)  # the same e-mail: the hidden lead

    with schema_context(workspace_a.schema_name):
        assert Lead.objects.get(pk=conversation.lead_id).over_quota
    assert receiver.requests == []


def test_an_endpoint_gets_only_the_events_it_subscribed_to(
    workspace_a, owner, receiver, endpoint, committed
):
    with schema_context(workspace_a.schema_name):
        endpoint.events = ["lead.outcome"]
        endpoint.save()
        lead = LeadFactory()

    with committed():
        lead_assign(lead=lead, assignee=owner, by=owner)
        lead_outcome_record(lead=lead, kind="contacted", by=owner)

    assert _types(receiver, endpoint) == ["lead.outcome"]


def test_without_endpoints_no_event_is_stored(workspace_a, owner, committed):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory()

    with committed():
        lead_assign(lead=lead, assignee=owner, by=owner)

    with schema_context(workspace_a.schema_name):
        assert Event.objects.count() == 0


def test_the_message_body_is_json_with_unicode_kept(
    workspace_a, owner, receiver, endpoint, committed
):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory(full_name="Élodie Crépin")

    with committed():
        lead_assign(lead=lead, assignee=owner, by=owner)

    assert json.loads(receiver.requests[0].body)["data"]["lead"]["name"] == "Élodie Crépin"
    assert "Élodie".encode() in receiver.requests[0].body


# --- Scores ------------------------------------------------------------------------------------

PRICING = "https://www.example.com/pricing"
VISITOR = "5b1d0c2e-7f3a-4e8b-9c6d-2a1f0e9d8c7b"


def placed_lead(**fields) -> Lead:
    """A lead with its place in the call queue stored, as a conversation leaves it."""
    lead = LeadFactory(**fields)
    lead_priority_store(lead=lead)
    return lead


def page_view(lead, url=PRICING):
    lead_event_create(kind="page_view", lead_id=lead.pk, url=url)


def test_a_tracked_page_view_that_raises_the_score_emits_lead_updated_with_the_new_score(
    client, workspace_a, receiver, endpoint, committed, pricing_rule
):
    form = discovery_form(workspace_a)
    with committed():
        lead_id = converse(workspace_a, form, LEAD_B, visitor_id=VISITOR).lead_id
        endpoint.events = ["lead.updated"]  # the conversation's own events are not the subject
        endpoint.save()
        priority_before = Lead.objects.get(pk=lead_id).priority

    with committed():
        response = client.post(
            f"/w/{workspace_a.slug}/track/",
            json.dumps({"visitor_id": VISITOR, "url": PRICING}),
            content_type="text/plain",
        )

    assert response.status_code == 204
    with schema_context(workspace_a.schema_name):
        lead = Lead.objects.get(pk=lead_id)
        event = Event.objects.get()
        assert Delivery.objects.filter(event=event, endpoint=endpoint).count() == 1
    assert event.type == "lead.updated"
    sent = event.payload["lead"]
    assert (sent["id"], sent["score"], sent["band"]) == (lead.pk, 15, lead.band)
    assert sent["priority"] == lead.priority > priority_before  # its place moved with it
    [message] = _messages(receiver, endpoint)
    assert message["data"] == event.payload


def test_an_event_from_the_api_that_raises_the_score_emits_lead_updated_once_committed(
    client, workspace_a, api_key_of, receiver, endpoint, committed, pricing_rule
):
    with schema_context(workspace_a.schema_name):
        lead = placed_lead()
    key = api_key_of(workspace_a)

    with committed():
        response = api_call(
            client,
            "post",
            "/api/v1/events/",
            key,
            {"lead_id": lead.pk, "kind": "page_view", "url": PRICING},
        )
        assert response.status_code == 201
        assert Event.objects.count() == 0  # not before the commit

    [message] = _messages(receiver, endpoint)
    assert message["type"] == "lead.updated"
    assert (message["data"]["lead"]["id"], message["data"]["lead"]["score"]) == (lead.pk, 15)


def test_only_a_behaviour_event_that_changes_the_score_emits(
    workspace_a, receiver, endpoint, committed, pricing_rule
):
    with schema_context(workspace_a.schema_name):
        lead = placed_lead()

    with committed():
        page_view(lead, "https://www.example.com/blog")  # no rule counts it: 0 points still
    with committed():
        page_view(lead)  # +15
    with committed():
        page_view(lead)  # the pricing page again: the rule gives 15 once, still 15

    assert [m["data"]["lead"]["score"] for m in _messages(receiver, endpoint)] == [15]


def test_a_hidden_lead_whose_score_changes_emits_nothing(
    workspace_a, receiver, endpoint, committed, pricing_rule
):
    with schema_context(workspace_a.schema_name):
        hidden = placed_lead(over_quota=True)

    with committed():
        page_view(hidden)

    with schema_context(workspace_a.schema_name):
        assert Lead.objects.get(pk=hidden.pk).score == 15  # scored, in silence
        assert Event.objects.count() == 0
    assert receiver.requests == []


def test_a_rule_change_emits_one_leads_rescored_with_the_change_and_the_scores_changed(
    workspace_a, receiver, endpoint, committed
):
    with schema_context(workspace_a.schema_name):
        ScoringRule.objects.update(active=False)
        for lead in [
            placed_lead(job_title="CTO"),
            placed_lead(job_title="CTO"),
            placed_lead(job_title="Intern"),
            placed_lead(job_title="CTO", over_quota=True),  # hidden: not counted
        ]:
            assert lead.score == 0

    with committed():
        rule = scoring_rule_save(
            rule=ScoringRule(
                name="Tech lead",
                kind=RuleKind.JOB_TITLE_MATCHES,
                params={"words": ["CTO"]},
                points=12,
            )
        )

    [message] = _messages(receiver, endpoint)  # one message, no lead.updated per lead
    assert message["type"] == "leads.rescored"
    data = message["data"]
    assert data["rescore"]["scores_changed"] == 2
    requested_at, finished_at = (
        datetime.fromisoformat(data["rescore"][moment])
        for moment in ("requested_at", "finished_at")
    )
    assert requested_at < finished_at
    stated = {
        "id": rule.pk,
        "name": "Tech lead",
        "kind": "job_title_matches",
        "points": 12,
        "decay_days": None,
        "active": True,
    }
    assert data["change"] == {"action": "created", "rules": [stated]}
    assert data["rules"][-1] == stated
    assert [r["active"] for r in data["rules"]] == [False] * (len(data["rules"]) - 1) + [True]


def test_a_deleted_rule_is_named_in_its_leads_rescored(
    workspace_a, receiver, endpoint, committed, pricing_rule
):
    with committed():
        scoring_rule_delete(rule=pricing_rule)

    [message] = _messages(receiver, endpoint)
    assert message["data"]["change"]["action"] == "deleted"
    assert [r["name"] for r in message["data"]["change"]["rules"]] == ["Pricing"]
    assert "Pricing" not in [r["name"] for r in message["data"]["rules"]]
    assert message["data"]["rescore"]["scores_changed"] == 0
