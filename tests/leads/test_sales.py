"""The sales side of a lead (leads/services/sales.py): assigning it to a member, and recording
what came of it, each kept on the lead's timeline with who and when."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from leads.models import ActivityKind, Lead, LeadActivity, LeadOutcome
from leads.services.sales import (
    LEADS_ASSIGN_MAX,
    lead_assign,
    lead_outcome_record,
    leads_assign,
)
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_a(workspace_a):
    with schema_context(workspace_a.schema_name):
        yield workspace_a


def test_a_lead_is_assigned_to_a_member_and_the_timeline_says_who_did_it(in_a, admin, member):
    lead = LeadFactory()

    assert lead_assign(lead=lead, assignee=member, by=admin) is True
    lead.refresh_from_db()

    assert lead.assignee_id == member.pk
    assert lead.assigned_at is not None
    activity = LeadActivity.objects.get(lead=lead)
    assert (activity.kind, activity.detail, activity.actor_email) == (
        ActivityKind.ASSIGNED,
        member.email,
        admin.email,
    )


def test_assigning_to_the_same_member_again_changes_nothing(in_a, admin, member):
    lead = LeadFactory()
    lead_assign(lead=lead, assignee=member, by=admin)

    assert lead_assign(lead=lead, assignee=member, by=admin) is False
    assert LeadActivity.objects.filter(lead=lead).count() == 1


def test_unassigning_is_kept_on_the_timeline(in_a, admin, member):
    lead = LeadFactory()
    lead_assign(lead=lead, assignee=member, by=admin)

    lead_assign(lead=lead, assignee=None, by=admin)
    lead.refresh_from_db()

    assert (lead.assignee_id, lead.assigned_at) == (None, None)
    assert list(LeadActivity.objects.values_list("kind", flat=True)) == [
        ActivityKind.ASSIGNED,
        ActivityKind.UNASSIGNED,
    ]


def test_a_lead_cannot_be_given_to_someone_outside_the_workspace(in_a, admin, outsider):
    lead = LeadFactory()

    with pytest.raises(ValidationError, match="members of this workspace"):
        lead_assign(lead=lead, assignee=outsider, by=admin)
    lead.refresh_from_db()
    assert lead.assignee_id is None


def test_the_first_outcome_stops_the_speed_to_lead_timer(in_a, member):
    lead = LeadFactory()

    lead_outcome_record(lead=lead, kind="contacted", by=member)
    lead.refresh_from_db()
    contacted_at = lead.first_contacted_at
    lead_outcome_record(lead=lead, kind="meeting", by=member, note="Demo on Tuesday")
    lead.refresh_from_db()

    assert contacted_at is not None
    assert lead.first_contacted_at == contacted_at
    assert lead.outcome == "meeting"
    assert list(LeadOutcome.objects.values_list("kind", "recorded_by_email", "note")) == [
        ("contacted", member.email, ""),
        ("meeting", member.email, "Demo on Tuesday"),
    ]


def test_a_won_deal_keeps_its_amount_and_currency(in_a, member):
    lead = LeadFactory()

    outcome = lead_outcome_record(
        lead=lead, kind="won", by=member, amount=Decimal("12000"), currency="eur"
    )

    assert (outcome.amount, outcome.currency) == (Decimal("12000"), "EUR")
    lead.refresh_from_db()
    assert lead.outcome == "won" and lead.first_contacted_at is not None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "ghosted"}, "kind"),
        ({"kind": "won"}, "amount"),
        ({"kind": "won", "amount": Decimal("-5"), "currency": "EUR"}, "amount"),
        ({"kind": "won", "amount": Decimal("100"), "currency": "euros"}, "currency"),
        # Three letters that ISO 4217 does not list.
        ({"kind": "won", "amount": Decimal("100"), "currency": "XYZ"}, "currency"),
        ({"kind": "contacted", "amount": Decimal("100")}, "amount"),
        ({"kind": "lost"}, "lost_reason"),
        ({"kind": "lost", "lost_reason": "bored"}, "lost_reason"),
        ({"kind": "meeting", "lost_reason": "competitor"}, "lost_reason"),
        ({"kind": "contacted", "note": "x" * 501}, "note"),
    ],
)
def test_an_outcome_that_makes_no_sense_is_refused_and_nothing_is_kept(in_a, member, values, field):
    lead = LeadFactory()

    with pytest.raises(ValidationError) as refused:
        lead_outcome_record(lead=lead, by=member, **values)

    assert field in refused.value.message_dict
    assert not LeadOutcome.objects.exists()
    lead.refresh_from_db()
    assert (lead.outcome, lead.first_contacted_at) == ("", None)


def test_a_lost_deal_keeps_its_reason(in_a, member):
    lead = LeadFactory()

    lead_outcome_record(lead=lead, kind="lost", by=member, lost_reason="competitor")

    assert LeadOutcome.objects.get().get_lost_reason_display() == "Chose a competitor"


# --- Assigning many leads at once (the inbox's "Assign to…") ---------------------------------


def test_ticked_leads_go_to_a_member_each_with_its_timeline_entry(in_a, admin, member):
    leads = LeadFactory.create_batch(3)

    changed = leads_assign(lead_ids=[lead.pk for lead in leads], assignee=member, by=admin)

    assert changed == 3
    assert set(Lead.objects.values_list("assignee_id", flat=True)) == {member.pk}
    assert Lead.objects.filter(assigned_at__isnull=True).count() == 0
    assert sorted(
        LeadActivity.objects.values_list("lead_id", "kind", "detail", "actor_email")
    ) == sorted((lead.pk, ActivityKind.ASSIGNED, member.email, admin.email) for lead in leads)


def test_only_leads_that_change_hands_are_written_and_counted(in_a, admin, member):
    already, other = LeadFactory.create_batch(2)
    lead_assign(lead=already, assignee=member, by=admin)

    changed = leads_assign(lead_ids=[already.pk, other.pk], assignee=member, by=admin)

    assert changed == 1
    assert LeadActivity.objects.filter(lead=already).count() == 1
    assert LeadActivity.objects.filter(lead=other).count() == 1


def test_ticked_leads_are_unassigned_and_the_timeline_says_so(in_a, admin, member):
    assigned, never = LeadFactory.create_batch(2)
    lead_assign(lead=assigned, assignee=member, by=admin)

    changed = leads_assign(lead_ids=[assigned.pk, never.pk], assignee=None, by=admin)

    assert changed == 1
    assigned.refresh_from_db()
    assert (assigned.assignee_id, assigned.assigned_at) == (None, None)
    assert LeadActivity.objects.filter(lead=assigned).latest("pk").kind == ActivityKind.UNASSIGNED
    assert not LeadActivity.objects.filter(lead=never).exists()


def test_ids_naming_no_lead_are_ignored(in_a, admin, member):
    lead = LeadFactory()

    assert leads_assign(lead_ids=[lead.pk, 2_000_000_000], assignee=member, by=admin) == 1


def test_many_leads_cannot_go_to_someone_outside_the_workspace(in_a, admin, outsider):
    leads = LeadFactory.create_batch(2)

    with pytest.raises(ValidationError, match="members of this workspace"):
        leads_assign(lead_ids=[lead.pk for lead in leads], assignee=outsider, by=admin)
    assert not Lead.objects.filter(assignee__isnull=False).exists()
    assert not LeadActivity.objects.exists()


def test_more_than_a_page_or_two_of_leads_at_once_is_refused(in_a, admin, member):
    with pytest.raises(ValidationError, match="at most"):
        leads_assign(lead_ids=range(1, LEADS_ASSIGN_MAX + 2), assignee=member, by=admin)


def test_assigning_many_leads_takes_the_same_queries_as_assigning_one(
    in_a, admin, member, django_assert_num_queries
):
    one, *many = LeadFactory.create_batch(21)
    with CaptureQueriesContext(connection) as for_one:
        leads_assign(lead_ids=[one.pk], assignee=member, by=admin)

    with django_assert_num_queries(len(for_one)):
        assert leads_assign(lead_ids=[lead.pk for lead in many], assignee=member, by=admin) == 20
