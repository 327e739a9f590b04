"""Lead.updated_at moves whenever something the API shows of a lead changes, on every write path,
set-based ones included (an UPDATE skips auto_now): the API's incremental sync
(`GET /api/v1/leads/?updated_since=…`) would otherwise miss the change for good."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.quotas import hidden_leads_reveal
from leads.models import Lead, QualificationStatus, RuleKind, ScoringRule
from leads.prioritization import leads_priority_refresh
from leads.scoring.rescore import leads_rescore
from leads.services.leads import lead_correct, lead_qualify
from leads.services.sales import lead_assign, lead_outcome_record, leads_assign
from leads.tasks import lead_rescore_task
from tests.factories import LeadFactory
from tests.leads.conversations import LEAD_A

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - timedelta(days=30)


@pytest.fixture
def in_a(workspace_a):
    with schema_context(workspace_a.schema_name):
        yield workspace_a


def untouched_since_long_ago(*leads) -> None:
    Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(updated_at=LONG_AGO)


def updated_recently(lead) -> bool:
    return Lead.objects.get(pk=lead.pk).updated_at > LONG_AGO


def test_assigning_one_lead_moves_it(in_a, admin, member):
    lead = LeadFactory()
    untouched_since_long_ago(lead)

    lead_assign(lead=lead, assignee=member, by=admin)

    assert updated_recently(lead)


def test_assigning_many_leads_at_once_moves_each(in_a, admin, member):
    first, second, elsewhere = LeadFactory(), LeadFactory(), LeadFactory()
    untouched_since_long_ago(first, second, elsewhere)

    leads_assign(lead_ids=[first.pk, second.pk], assignee=member, by=admin)

    assert updated_recently(first) and updated_recently(second)
    assert not updated_recently(elsewhere)


def test_recording_an_outcome_moves_the_lead(in_a, member):
    lead = LeadFactory()
    untouched_since_long_ago(lead)

    lead_outcome_record(lead=lead, kind="won", amount=Decimal(900), currency="EUR", by=member)

    assert updated_recently(lead)


def test_qualifying_moves_the_lead(pipeline, workspace_a):
    lead = pipeline(LEAD_A)
    with schema_context(workspace_a.schema_name):
        # As it was before its first qualification.
        Lead.objects.filter(pk=lead.pk).update(qualification_status="", authority="")
        untouched_since_long_ago(lead)

        lead_qualify(lead=lead)

        assert updated_recently(lead)


def test_a_correction_moves_the_lead(pipeline, workspace_a, admin):
    lead = pipeline(LEAD_A)
    with schema_context(workspace_a.schema_name):
        untouched_since_long_ago(lead)

        lead_correct(lead=lead, values={"timing": "now"}, corrected_by=admin)

        assert updated_recently(lead)


def test_a_set_based_rescore_moves_the_leads_whose_score_changed(in_a):
    ScoringRule.objects.update(active=False)
    ScoringRule.objects.create(
        name="CEO", kind=RuleKind.JOB_TITLE_MATCHES, params={"words": ["CEO"]}, points=10
    )
    ceo, other = LeadFactory(job_title="CEO"), LeadFactory(job_title="Intern")
    untouched_since_long_ago(ceo, other)

    leads_rescore()

    assert updated_recently(ceo)
    assert not updated_recently(other)  # its score did not change: not written


def test_a_set_based_priority_refresh_moves_the_leads_that_moved(in_a):
    moved = LeadFactory(qualification_status=QualificationStatus.SQL, need="identified")
    untouched_since_long_ago(moved)

    assert leads_priority_refresh() == 1

    assert updated_recently(moved)


def test_a_rescore_after_an_event_moves_the_lead_in_the_queue(in_a):
    lead = LeadFactory(qualification_status=QualificationStatus.MQL)
    untouched_since_long_ago(lead)

    lead_rescore_task(lead.pk)

    assert updated_recently(lead)


def test_a_lead_shown_again_after_an_upgrade_moves(in_a):
    hidden = LeadFactory(over_quota=True)
    untouched_since_long_ago(hidden)

    hidden_leads_reveal(workspace=in_a)

    assert updated_recently(hidden)
