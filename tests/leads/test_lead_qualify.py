"""lead_qualify and its task: one transcript from all of a lead's conversations, the workspace's
engine and SQL rule, the conclusion stored on the lead, idempotent, queued when a conversation
completes or is abandoned, in the workspace it was queued from."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from leads.models import Lead
from leads.qualification.base import Qualification
from leads.qualification.offline import OfflineEngine
from leads.qualification.transcripts import company_size_headcount, lead_transcript
from leads.services.leads import lead_qualify
from leads.tasks import lead_qualify_task
from tenants.models import UnqueuedTask
from tests.factories import LeadFactory
from tests.fakes.openai_server import Reply
from tests.leads.conversations import (
    LEAD_A,
    LEAD_B,
    OFFER,
    abandon,
    converse,
    discovery_form,
)
from tests.outages import closed_port_url

pytestmark = pytest.mark.django_db

STORED = [
    "qualification_status",
    "disqualification",
    "disqualification_reason",
    "budget_status",
    "budget_amount",
    "budget_currency",
    "budget_period",
    "authority",
    "need",
    "timing",
    "qualification_engine",
    "qualification_engine_version",
    "qualification_detail",
    "qualified_at",
]


@pytest.fixture
def form(workspace_a):
    return discovery_form(workspace_a)


def stored(workspace, lead_id) -> dict:
    with schema_context(workspace.schema_name):
        return Lead.objects.values(*STORED).get(pk=lead_id)


def qualified(workspace, conversation) -> Lead:
    with schema_context(workspace.schema_name):
        return lead_qualify(lead=Lead.objects.get(pk=conversation.lead_id))


# --- What is stored --------------------------------------------------------------------------


def test_lead_b_urgent_with_a_validated_budget_is_stored_as_an_sql(workspace_a, form):
    lead = qualified(workspace_a, converse(workspace_a, form, LEAD_B))

    assert lead.qualification_status == "sql"
    assert (lead.budget_status, lead.budget_amount) == ("confirmed", Decimal("6000.00"))
    assert (lead.budget_currency, lead.budget_period) == ("EUR", "year")
    assert (lead.need, lead.timing, lead.disqualification) == ("identified", "quarter", "")
    assert (lead.qualification_engine, lead.qualification_engine_version) == ("offline", "1")
    assert lead.qualified_at is not None


def test_lead_a_benchmarking_for_18_months_is_stored_as_an_mql_with_timing_later(workspace_a, form):
    lead = qualified(workspace_a, converse(workspace_a, form, LEAD_A))

    assert lead.qualification_status == "mql"
    assert lead.timing == "later"
    assert lead.authority == "decision_maker"


def test_the_detail_keeps_confidence_evidence_and_the_brief(workspace_a, form):
    lead = qualified(workspace_a, converse(workspace_a, form, LEAD_B))
    detail = lead.qualification_detail

    assert detail["budget"]["evidence"] == ["Oui, le budget est validé : 6 000 euros par an."]
    assert 0 < detail["budget"]["confidence"] <= 1
    assert detail["timing"] == {
        "value": "quarter",
        "confidence": detail["timing"]["confidence"],
        "evidence": ["On doit décider avant la fin du trimestre"],
    }
    assert 2 <= len(detail["brief"]) <= 4
    assert detail["brief"]["problem"] == "Notre process de qualification prend trop de temps"
    assert detail["status"] == "sql"


def test_a_workspace_asking_for_two_buying_signals_keeps_lead_b_an_mql(workspace_a, form):
    """Lead B has a confirmed budget but is a manager, not the decision maker."""
    workspace_a.sql_min_buying_signals = 2
    workspace_a.save()

    lead = qualified(workspace_a, converse(workspace_a, form, LEAD_B))

    assert lead.authority != "decision_maker"
    assert lead.qualification_status == "mql"


def test_qualifying_again_stores_the_same_result_and_writes_nothing(workspace_a, form):
    lead = qualified(workspace_a, converse(workspace_a, form, LEAD_B))
    first = stored(workspace_a, lead.pk)

    with schema_context(workspace_a.schema_name), CaptureQueriesContext(connection) as captured:
        lead_qualify(lead=lead)

    assert stored(workspace_a, lead.pk) == first
    assert not [q["sql"] for q in captured if q["sql"].startswith(("UPDATE", "INSERT"))]


def test_a_given_engine_replaces_the_workspace_one(workspace_a, form):
    class Sceptic:
        name, version = "sceptic", "0"

        def qualify(self, transcript):
            return Qualification(engine=self.name, engine_version=self.version)

    conversation = converse(workspace_a, form, LEAD_B)
    with schema_context(workspace_a.schema_name):
        lead = lead_qualify(lead=Lead.objects.get(pk=conversation.lead_id), engine=Sceptic())

    assert (lead.qualification_engine, lead.qualification_status) == ("sceptic", "mql")


def test_a_workspace_engine_this_server_cannot_run_falls_back_to_offline(
    workspace_a, form, settings
):
    settings.OPENAI_API_KEY = ""
    workspace_a.qualification_engine = "openai"
    workspace_a.save()

    lead = qualified(workspace_a, converse(workspace_a, form, LEAD_B))

    assert lead.qualification_engine == "offline"
    assert lead.qualification_status == "sql"
    assert lead.qualification_detail["fallback_from"] == "openai"


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(refusal="I can't help with that."), "refused"),
        (
            Reply(content='{"disqualified": null, "bud', finish_reason="length"),
            "answer cut off (length)",
        ),
        (Reply(content="{}", finish_reason="content_filter"), "content filter"),
    ],
    ids=["refusal", "length", "content-filter"],
)
def test_a_model_that_will_not_answer_leaves_the_lead_qualified_offline_with_the_reason(
    workspace_a, form, openai_fake, reply, reason
):
    openai_fake.replies = [reply]
    workspace_a.qualification_engine = "openai"
    workspace_a.save()

    lead = qualified(workspace_a, converse(workspace_a, form, LEAD_B))

    assert len(openai_fake.requests) == 1
    assert (lead.qualification_engine, lead.qualification_status) == ("offline", "sql")
    detail = stored(workspace_a, lead.pk)["qualification_detail"]
    assert (detail["fallback_from"], detail["fallback_reason"]) == ("openai", reason)


def test_a_lead_the_visitor_told_nothing_is_left_unqualified(workspace_a):
    with schema_context(workspace_a.schema_name):
        lead = lead_qualify(lead=LeadFactory())

    assert lead.qualification_status == ""
    assert lead.qualified_at is None


# --- One transcript from every conversation --------------------------------------------------


def test_the_transcript_joins_every_conversation_oldest_first_with_the_lead_contact(
    workspace_a, form
):
    first = converse(workspace_a, form, LEAD_B)
    again = [LEAD_B[0], "Directeur commercial", "30", "Relance", "-", "-", "-", "-"]
    second = converse(workspace_a, form, again)
    assert first.lead_id == second.lead_id

    with schema_context(workspace_a.schema_name):
        lead = Lead.objects.get(pk=first.lead_id)
        transcript = lead_transcript(lead)

    visitor = transcript.visitor_lines
    assert visitor[:8] == LEAD_B
    assert visitor[8:16] == again  # then any discovery follow-up
    assert (transcript.lang, transcript.offer) == ("fr", OFFER)
    assert transcript.contact == {
        "email": "b@pme-services.example",
        "job_title": "Directeur commercial",
        "company_size": 30,
    }
    assert transcript.today == date.today()


@pytest.mark.parametrize(
    ("size", "headcount"),
    [("1-10", 5), ("11-50", 30), ("51-200", 100), ("201-1000", 450), ("1000+", 1000)],
)
def test_a_company_size_range_reads_as_a_typical_head_count(size, headcount):
    assert company_size_headcount(size) == headcount


@pytest.mark.parametrize(("size", "headcount"), [("42", 42), ("", None), ("0", None), ("x", None)])
def test_a_plain_company_size_reads_as_itself_and_nonsense_as_nothing(size, headcount):
    assert company_size_headcount(size) == headcount


def test_the_offline_engine_reads_the_lead_as_the_service_does(workspace_a, form):
    conversation = converse(workspace_a, form, LEAD_B)
    with schema_context(workspace_a.schema_name):
        lead = Lead.objects.get(pk=conversation.lead_id)
        expected = OfflineEngine().qualify(lead_transcript(lead)).as_labels()
        lead_qualify(lead=lead)
        lead.refresh_from_db()

    assert expected["status"] == lead.qualification_status
    assert expected["timing"]["bucket"] == lead.timing


# --- The task ---------------------------------------------------------------------------------


def test_a_completed_conversation_leads_to_a_qualified_lead(
    workspace_a, form, django_capture_on_commit_callbacks
):
    with (
        schema_context(workspace_a.schema_name),
        django_capture_on_commit_callbacks(execute=True) as queued,
    ):
        conversation = converse(workspace_a, form, LEAD_B)

    assert queued
    assert stored(workspace_a, conversation.lead_id)["qualification_status"] == "sql"


def test_an_abandoned_conversation_leads_to_a_qualified_lead(
    workspace_a, form, django_capture_on_commit_callbacks
):
    with schema_context(workspace_a.schema_name):
        conversation = converse(workspace_a, form, LEAD_A[:-1], finish=False)
        conversation.refresh_from_db()
        assert conversation.lead_id is None  # no lead until the conversation ends

        with django_capture_on_commit_callbacks(execute=True):
            conversation = abandon(workspace_a, conversation)

    lead = stored(workspace_a, conversation.lead_id)
    assert lead["qualification_status"] == "mql"
    assert lead["authority"] == "decision_maker"


def test_running_the_task_again_changes_nothing(
    workspace_a, form, django_capture_on_commit_callbacks
):
    with (
        schema_context(workspace_a.schema_name),
        django_capture_on_commit_callbacks(execute=True),
    ):
        conversation = converse(workspace_a, form, LEAD_B)
    first = stored(workspace_a, conversation.lead_id)

    with schema_context(workspace_a.schema_name):
        assert lead_qualify_task.delay(conversation.lead_id).get() is True

    assert stored(workspace_a, conversation.lead_id) == first


def test_the_task_of_a_missing_lead_does_nothing(workspace_a):
    with schema_context(workspace_a.schema_name):
        assert lead_qualify_task.delay(2_000_000_000).get() is False


def test_the_task_refuses_to_run_outside_any_workspace(workspace_a):
    assert lead_qualify_task.delay(1).get() is False


def test_the_task_queued_in_a_qualifies_no_lead_of_b(
    workspace_a, workspace_b, django_capture_on_commit_callbacks
):
    form_b = discovery_form(workspace_b)
    conversation = converse(workspace_b, form_b, LEAD_B)
    with schema_context(workspace_a.schema_name):
        assert not Lead.objects.filter(pk=conversation.lead_id).exists()
        assert lead_qualify_task.delay(conversation.lead_id).get() is False

    assert stored(workspace_b, conversation.lead_id)["qualification_status"] == ""


def test_the_task_retries_when_the_database_is_unreachable(workspace_a, form, monkeypatch):
    conversation = converse(workspace_a, form, LEAD_B)
    calls = []

    def flaky(*, lead):
        calls.append(lead.pk)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return lead

    monkeypatch.setattr("leads.tasks.lead_qualify", flaky)
    monkeypatch.setattr(lead_qualify_task, "default_retry_delay", 0)
    monkeypatch.setattr(lead_qualify_task, "retry_backoff", False)
    with schema_context(workspace_a.schema_name):
        result = lead_qualify_task.apply(args=[conversation.lead_id], throw=False)

    assert result.get() is True
    assert calls == [conversation.lead_id, conversation.lead_id]


def test_a_broker_that_cannot_take_the_task_never_fails_the_visitors_last_turn(
    workspace_a, form, broker_at, django_capture_on_commit_callbacks
):
    broker_at(closed_port_url())
    with (
        schema_context(workspace_a.schema_name),
        django_capture_on_commit_callbacks(execute=True) as queued,
    ):
        conversation = converse(workspace_a, form, LEAD_B)

    assert queued
    assert conversation.status == "completed"
    assert stored(workspace_a, conversation.lead_id)["qualification_status"] == ""
    # Kept for beat's requeue-unqueued-tasks (tests/tenants/test_unqueued_tasks_requeue.py).
    assert UnqueuedTask.objects.filter(
        task_name=lead_qualify_task.name, args=[conversation.lead_id]
    ).exists()
