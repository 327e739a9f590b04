"""On the pay-per-result plan each qualified lead is reported to Stripe's billing meter, once:
the identifier names the lead and the month, so a re-qualification or a retried report never
bills twice. Other plans report nothing."""

import pytest
from django_tenants.utils import schema_context

from billing.models import QualifiedLeadRecord
from billing.plans import METER_EVENT_NAME
from billing.tasks import qualified_lead_report
from leads.models import Lead
from leads.services.leads import lead_qualify
from tests.billing.fixtures import account_of, visitor_talks

pytestmark = pytest.mark.django_db


def _qualify(workspace, form, email, capture, need=None):
    with schema_context(workspace.schema_name):
        conversation = visitor_talks(form, email, **({"need": need} if need else {}))
        with capture(execute=True):
            return lead_qualify(lead=Lead.objects.get(pk=conversation.lead_id))


def test_a_qualified_lead_is_reported_to_the_meter_with_the_lead_and_month_as_identifier(
    workspace_a, published_form, stripe_fake, subscribed, django_capture_on_commit_callbacks
):
    subscribed("results")

    lead = _qualify(
        workspace_a, published_form, "ada@example.com", django_capture_on_commit_callbacks
    )

    [(identifier, event)] = stripe_fake.meter_events.items()
    record = QualifiedLeadRecord.objects.get(workspace=workspace_a, lead_id=lead.pk)
    assert identifier == record.meter_identifier
    assert identifier == f"parley-{workspace_a.pk}-lead-{lead.pk}-{record.month:%Y-%m}"
    assert event["event_name"] == METER_EVENT_NAME
    assert event["payload"] == {
        "stripe_customer_id": account_of(workspace_a).stripe_customer_id,
        "value": "1",
    }
    assert record.meter_reported_at is not None


def test_qualifying_the_same_lead_again_never_bills_twice(
    workspace_a, published_form, stripe_fake, subscribed, django_capture_on_commit_callbacks
):
    subscribed("results")
    lead = _qualify(
        workspace_a, published_form, "ada@example.com", django_capture_on_commit_callbacks
    )

    with schema_context(workspace_a.schema_name), django_capture_on_commit_callbacks(execute=True):
        lead_qualify(lead=lead)
        lead_qualify(lead=lead)
    qualified_lead_report(QualifiedLeadRecord.objects.get().pk)  # a redelivered task

    assert len(stripe_fake.requests_to("POST", "/v1/billing/meter_events")) == 1


def test_a_lead_not_qualified_is_not_billed(
    workspace_a, published_form, stripe_fake, subscribed, django_capture_on_commit_callbacks
):
    subscribed("results")

    lead = _qualify(
        workspace_a,
        published_form,
        "student@example.com",
        django_capture_on_commit_callbacks,
        need="I am a student writing my thesis about chatbots, just curious.",
    )

    assert lead.qualification_status not in ("sql", "mql")
    assert stripe_fake.meter_events == {}


def test_a_flat_plan_reports_nothing_to_the_meter(
    workspace_a, published_form, stripe_fake, subscribed, django_capture_on_commit_callbacks
):
    subscribed("starter")

    _qualify(workspace_a, published_form, "ada@example.com", django_capture_on_commit_callbacks)

    assert stripe_fake.requests_to("POST", "/v1/billing/meter_events") == []
    assert QualifiedLeadRecord.objects.get().meter_identifier == ""


def test_stripe_down_never_fails_the_qualification_and_leaves_the_report_to_a_retry(
    workspace_a, published_form, stripe_fake, subscribed, django_capture_on_commit_callbacks
):
    subscribed("results")
    stripe_fake.outage = True

    lead = _qualify(
        workspace_a, published_form, "ada@example.com", django_capture_on_commit_callbacks
    )

    assert lead.qualification_status == "sql"
    record = QualifiedLeadRecord.objects.get()
    assert record.meter_reported_at is None

    stripe_fake.outage = False
    assert qualified_lead_report(record.pk)
    assert len(stripe_fake.meter_events) == 1
