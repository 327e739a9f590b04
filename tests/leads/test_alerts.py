"""E-mails that send sales to a lead (leads/services/alerts.py, run by leads/tasks.py): a lead
entering the top band, leads past their service level, a lead given to someone. Each goes to the
assignee, or, while nobody has the lead, to the workspace's owners and admins."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from config.celery import app as celery_app
from leads.models import ActivityKind, Band, Lead, LeadActivity
from leads.prioritization import lead_band_enter
from leads.services.alerts import lead_hot_alert_send, leads_overdue_alert
from leads.services.leads import lead_correct
from leads.services.sales import lead_assign, lead_outcome_record
from leads.tasks import lead_hot_alert_task, leads_overdue_alert_everywhere
from tenants.models import Membership, Role
from tests.factories import LeadFactory, MembershipFactory
from tests.leads.conversations import LEAD_A, LEAD_B

pytestmark = pytest.mark.django_db

BASE_URL = "https://app.parley.test"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PARLEY_BASE_URL = BASE_URL


@pytest.fixture
def managers_of_a(workspace_a, owner, admin, member):
    """Who dispatches A's leads: its owners (the founder, `owner`) and admins; not `member`."""
    return sorted(
        Membership.objects.filter(workspace=workspace_a, role__in=[Role.OWNER, Role.ADMIN])
        .select_related("user")
        .values_list("user__email", flat=True)
    )


def lead_url(workspace, lead) -> str:
    return f"{BASE_URL}/w/{workspace.slug}/leads/{lead.pk}/"


def recipients(outbox) -> list[str]:
    return sorted(address for message in outbox for address in message.to)


# --- A lead enters the top band ----------------------------------------------------------------


def test_the_seeds_hot_lead_is_announced_to_the_owners_and_admins_when_nobody_has_it(
    pipeline, workspace_a, managers_of_a, mailoutbox
):
    lead = pipeline(LEAD_B)

    assert lead.band == Band.HOT
    assert recipients(mailoutbox) == managers_of_a
    message = mailoutbox[0]
    assert message.subject == "Call within the hour: b@pme-services.example"
    # What the caller needs: the brief, BANT with the visitor's words, score, deadline, link.
    for line in (
        "- Problem: Notre process de qualification prend trop de temps",
        "- Impact: Mes commerciaux appellent 50 leads pour closer 2",
        "- Stakes: On pourrait doubler les ventes sans recruter",
        "- Timeline: On doit décider avant la fin du trimestre",
        "- Budget: Confirmed: 6,000 EUR a year",
        '"Oui, le budget est validé : 6 000 euros par an."',
        "- Timing: This quarter",
        f"Score:    {lead.score} points",
        "Status:   SQL",
        f"Open the lead: {lead_url(workspace_a, lead)}",
    ):
        assert line in message.body
    assert f"Call by:  {lead.sla_due_at:%-d %b %Y, %H:%M} UTC (due in 5" in message.body
    with schema_context(workspace_a.schema_name):
        alert = LeadActivity.objects.get(lead=lead, kind=ActivityKind.HOT_ALERT)
    assert alert.detail == "E-mailed " + ", ".join(managers_of_a)


def test_an_assigned_hot_lead_is_announced_to_its_assignee_only(
    workspace_a, admin, member, mailoutbox, django_capture_on_commit_callbacks
):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory(full_name="Marie Dupont", company="Acme")
        lead_assign(lead=lead, assignee=member, by=member)
        with django_capture_on_commit_callbacks(execute=True):
            lead_correct(
                lead=lead,
                values={"need": "identified", "timing": "now", "authority": "decision_maker"},
                corrected_by=admin,
            )

    assert [message.to for message in mailoutbox] == [[member.email]]
    assert mailoutbox[0].subject == "Call within the hour: Marie Dupont (Acme)"


def test_a_correction_that_makes_a_lead_hot_announces_it(
    pipeline, workspace_a, admin, mailoutbox, django_capture_on_commit_callbacks
):
    lead = pipeline(LEAD_A)
    assert lead.band == Band.NURTURE and mailoutbox == []

    with schema_context(workspace_a.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            lead_correct(lead=lead, values={"timing": "quarter"}, corrected_by=admin)
        lead.refresh_from_db()

    assert lead.band == Band.HOT
    assert mailoutbox and all("Call within the hour" in m.subject for m in mailoutbox)


def test_a_hot_lead_qualified_again_is_not_announced_again(pipeline, workspace_a, mailoutbox):
    pipeline(LEAD_B)
    sent = len(mailoutbox)

    # The visitor comes back and says it all again: the lead is qualified again, still hot.
    lead = pipeline(LEAD_B)

    assert lead.band == Band.HOT
    assert len(mailoutbox) == sent
    with schema_context(workspace_a.schema_name):
        assert LeadActivity.objects.filter(kind=ActivityKind.HOT_ALERT).count() == 1


def test_the_alert_task_delivered_twice_sends_once(workspace_a, owner, mailoutbox):
    with schema_context(workspace_a.schema_name):
        lead = hot_lead(workspace_a)

        assert lead_hot_alert_task.delay(lead.pk).get() is True
        assert lead_hot_alert_task.delay(lead.pk).get() is False

        assert LeadActivity.objects.filter(kind=ActivityKind.HOT_ALERT).count() == 1
    assert len({message.to[0] for message in mailoutbox}) == len(mailoutbox)


def test_a_lead_that_left_the_top_band_before_the_task_ran_is_not_announced(
    workspace_a, mailoutbox
):
    with schema_context(workspace_a.schema_name):
        lead = hot_lead(workspace_a)
        Lead.objects.filter(pk=lead.pk).update(band=Band.TODAY)

        assert lead_hot_alert_send(lead_id=lead.pk) is False
    assert mailoutbox == []


def test_each_new_entry_into_the_top_band_is_announced(workspace_a, mailoutbox):
    with schema_context(workspace_a.schema_name):
        lead = hot_lead(workspace_a)
        lead_hot_alert_send(lead_id=lead.pk)
        first = len(mailoutbox)
        # It dropped to another band, then came back: a new entry, a new deadline.
        lead.refresh_from_db()
        later = timezone.now() + timedelta(seconds=1)
        lead.save(update_fields=lead_band_enter(lead, Band.HOT, workspace=workspace_a, now=later))

        assert lead_hot_alert_send(lead_id=lead.pk, now=later) is True
    assert len(mailoutbox) == 2 * first


def test_a_name_with_a_line_break_cannot_inject_a_header(workspace_a, mailoutbox):
    with schema_context(workspace_a.schema_name):
        lead = hot_lead(workspace_a, full_name="Eve\nBcc: victim@example.com", company="X\r\nY")
        lead_hot_alert_send(lead_id=lead.pk)

    assert mailoutbox[0].subject == "Call within the hour: Eve Bcc: victim@example.com (X Y)"
    assert mailoutbox[0].bcc == []


def hot_lead(workspace, **fields) -> Lead:
    """A lead that just entered the top band, made in the active schema."""
    lead = LeadFactory(**fields)
    lead.save(update_fields=lead_band_enter(lead, Band.HOT, workspace=workspace))
    return lead


# --- Leads past their service level --------------------------------------------------------------


def overdue_lead(*, minutes_late=10, **fields) -> Lead:
    now = timezone.now()
    return LeadFactory(
        band=Band.HOT,
        band_since=now - timedelta(minutes=60 + minutes_late),
        sla_due_at=now - timedelta(minutes=minutes_late),
        **fields,
    )


def test_the_sweep_tells_each_assignee_of_their_overdue_leads_in_one_email(
    workspace_a, member, admin, managers_of_a, mailoutbox
):
    with schema_context(workspace_a.schema_name):
        mine = [overdue_lead(full_name=f"Mine {n}", company="", assignee=member) for n in range(2)]
        nobodys = overdue_lead(full_name="Nobody's", company="Orphan Inc")
        # Not overdue: reached already, told already, or still within its delay.
        reached = overdue_lead(first_contacted_at=timezone.now())
        told = overdue_lead(overdue_notified_at=timezone.now())
        waiting = LeadFactory(band=Band.HOT, sla_due_at=timezone.now() + timedelta(minutes=5))

        assert leads_overdue_alert() == 3

    by_recipient = {message.to[0]: message for message in mailoutbox}
    assert sorted(by_recipient) == sorted([member.email, *managers_of_a])
    theirs = by_recipient[member.email]
    assert theirs.subject == "2 leads are overdue: Mine 0, Mine 1"
    for lead in mine:
        assert lead_url(workspace_a, lead) in theirs.body
    assert "overdue by 10 min" in theirs.body
    assert "Nobody's" not in theirs.body
    managers = by_recipient[admin.email]
    assert managers.subject == "1 lead is overdue: Nobody's (Orphan Inc)"
    assert lead_url(workspace_a, nobodys) in managers.body
    with schema_context(workspace_a.schema_name):
        notified = set(Lead.objects.filter(overdue_notified_at__isnull=False).values_list("pk"))
        assert notified == {(lead.pk,) for lead in (*mine, nobodys, told)}
        assert not Lead.objects.filter(
            pk__in=[reached.pk, waiting.pk], overdue_notified_at__isnull=False
        ).exists()
        alerts = LeadActivity.objects.filter(kind=ActivityKind.OVERDUE_ALERT)
        assert sorted(alerts.values_list("lead_id", flat=True)) == sorted(
            lead.pk for lead in (*mine, nobodys)
        )
        assert alerts.get(lead=mine[0]).detail == f"E-mailed {member.email}"


def test_a_second_sweep_tells_nobody_again(workspace_a, owner, mailoutbox):
    with schema_context(workspace_a.schema_name):
        overdue_lead()
        leads_overdue_alert()
        sent = len(mailoutbox)

        assert leads_overdue_alert() == 0
    assert len(mailoutbox) == sent


def test_a_lead_reached_before_the_sweep_is_not_overdue(workspace_a, member, mailoutbox):
    with schema_context(workspace_a.schema_name):
        lead = overdue_lead()
        lead_outcome_record(lead=lead, kind="contacted", by=member)

        assert leads_overdue_alert() == 0
    assert mailoutbox == []


def test_a_lead_whose_assignee_left_goes_back_to_the_managers(
    workspace_a, member, managers_of_a, mailoutbox
):
    with schema_context(workspace_a.schema_name):
        overdue_lead(assignee=member)
    Membership.objects.filter(user=member, workspace=workspace_a).delete()

    with schema_context(workspace_a.schema_name):
        leads_overdue_alert()

    assert recipients(mailoutbox) == managers_of_a


def test_the_sweep_works_in_batches_and_its_queries_do_not_grow_with_the_leads(
    workspace_a, member, owner, mailoutbox
):
    with schema_context(workspace_a.schema_name):
        overdue_lead(assignee=member)
        overdue_lead()
        with CaptureQueriesContext(connection) as two:
            assert leads_overdue_alert(batch_size=10) == 2
        for n in range(9):
            overdue_lead(assignee=member if n % 2 else None)
        with CaptureQueriesContext(connection) as nine:
            assert leads_overdue_alert(batch_size=10) == 9
        for _ in range(5):
            overdue_lead()

        # Five leads in batches of two: three transactions, every lead told once.
        assert leads_overdue_alert(batch_size=2) == 5
        assert not Lead.objects.filter(overdue_notified_at__isnull=True).exists()
    assert len(nine) == len(two)


def test_the_sweep_runs_in_every_workspace_every_five_minutes(
    workspace_a, workspace_b, outsider, owner, mailoutbox
):
    entry = settings.CELERY_BEAT_SCHEDULE["alert-overdue-leads"]
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] == 300
    with schema_context(workspace_b.schema_name):
        in_b = overdue_lead(full_name="Lead of Bravo")

    leads_overdue_alert_everywhere.delay()

    assert outsider.email in recipients(mailoutbox)
    assert owner.email not in recipients(mailoutbox)
    with schema_context(workspace_b.schema_name):
        assert Lead.objects.get(pk=in_b.pk).overdue_notified_at is not None


# --- A lead is given to someone ------------------------------------------------------------------


def test_the_member_given_a_lead_is_told_once_it_is_saved(
    workspace_a, admin, member, mailoutbox, django_capture_on_commit_callbacks
):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory(full_name="Marie Dupont", company="Acme")
        with django_capture_on_commit_callbacks() as queued:
            lead_assign(lead=lead, assignee=member, by=admin)
        assert mailoutbox == []  # nothing before the commit

        for callback in queued:
            callback()

    assert [message.to for message in mailoutbox] == [[member.email]]
    message = mailoutbox[0]
    assert message.subject == "Lead assigned to you: Marie Dupont (Acme)"
    assert f"{admin.email} gave you a lead of {workspace_a.name}" in message.body
    assert lead_url(workspace_a, lead) in message.body


def test_taking_a_lead_or_unassigning_it_sends_nothing(
    workspace_a, admin, member, mailoutbox, django_capture_on_commit_callbacks
):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory()
        with django_capture_on_commit_callbacks(execute=True):
            lead_assign(lead=lead, assignee=member, by=member)
            lead_assign(lead=lead, assignee=None, by=admin)

    assert mailoutbox == []


def test_a_lead_given_to_someone_else_before_the_email_left_is_not_announced(
    workspace_a, admin, member, mailoutbox, django_capture_on_commit_callbacks
):
    other = MembershipFactory(workspace=workspace_a, role=Role.MEMBER).user
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory()
        with django_capture_on_commit_callbacks(execute=True):
            lead_assign(lead=lead, assignee=member, by=admin)
            lead_assign(lead=lead, assignee=other, by=admin)

    assert [message.to for message in mailoutbox] == [[other.email]]
