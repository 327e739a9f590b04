"""E-mails that tell sales a lead needs them: a lead just entered the top band, a lead is past
its service level without a first call, a lead was assigned to someone. Each is sent by a Celery
task queued after commit (leads/tasks.py), and the first two go on the lead's timeline.

Who is told: the lead's assignee, or, while nobody is assigned (or the assignee left the
workspace), the workspace's owners and admins, who dispatch leads."""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from leads.models import ActivityKind, Band, Lead, LeadActivity
from leads.selectors import lead_qualification
from leads.sla import lead_timer
from tenants.middleware import workspace_path_prefix, workspace_urlconf
from tenants.models import Membership, User, Workspace
from tenants.selectors import workspace_current, workspace_manager_list
from tenants.transactions import task_queue_on_commit

# Leads handled per transaction by the overdue sweep: their rows stay locked while the e-mails
# go out, so a batch is kept small enough to send in seconds.
OVERDUE_BATCH = 200
# A subject names at most this many leads; the body lists them all.
SUBJECT_MAX_LEADS = 3

DETAIL_MAX = LeadActivity._meta.get_field("detail").max_length


def lead_page_url(workspace: Workspace, lead_id: int) -> str:
    """The lead's page as an absolute link, on the main host (/w/<slug>/...), which works for
    every member whatever domains the workspace has, as the invitation's link does."""
    path = reverse(
        "lead_detail",
        kwargs={"lead_id": lead_id},
        urlconf=workspace_urlconf(workspace_path_prefix(workspace)),
    )
    return settings.PARLEY_BASE_URL.rstrip("/") + path


def _one_line(text: str) -> str:
    # Visitors typed the lead's name and company: a line break in a subject is a header
    # injection (Django refuses to send it), so every run of whitespace becomes one space.
    return " ".join(str(text).split())


def lead_who(lead: Lead) -> str:
    """The lead as a subject names it: "Marie Dupont (Acme)", or its e-mail."""
    name = _one_line(lead) or f"Lead {lead.pk}"
    company = _one_line(lead.company)
    return f"{name} ({company})" if company else name


def _managers(workspace: Workspace) -> list[User]:
    """The workspace's owners and admins, who dispatch leads nobody has taken."""
    return workspace_manager_list(workspace=workspace)


def _assignees(workspace: Workspace, user_ids: Iterable[int]) -> dict[int, User]:
    """Those of `user_ids` still active members of the workspace, by id: a lead whose assignee
    left goes back to the managers."""
    memberships = Membership.objects.filter(
        workspace=workspace, user_id__in=set(user_ids), user__is_active=True
    ).select_related("user")
    return {membership.user_id: membership.user for membership in memberships}


def lead_alert_recipients(lead: Lead, *, workspace: Workspace) -> list[User]:
    """Who is told about the lead: its assignee, or the workspace's owners and admins."""
    if lead.assignee_id is not None:
        assignee = _assignees(workspace, [lead.assignee_id]).get(lead.assignee_id)
        if assignee is not None:
            return [assignee]
    return _managers(workspace)


def _message(to: User, subject: str, template: str, context: dict) -> EmailMessage:
    body = render_to_string(template, {**context, "recipient": to})
    return EmailMessage(subject=subject, body=body, to=[to.email])


def _sent_to_words(users: Iterable[User]) -> str:
    words = "E-mailed " + ", ".join(user.email for user in users)
    return words if len(words) <= DETAIL_MAX else words[: DETAIL_MAX - 1] + "…"


# --- A lead entered the top band ---------------------------------------------------------------


def lead_hot_alert_queue(*, lead: Lead) -> None:
    """Queue the hot-lead e-mail once the caller's transaction commits. Robust: a broker that
    cannot take the task is logged and never undoes the qualification that queued it."""
    from leads.tasks import lead_hot_alert_task  # leads.tasks imports the services

    lead_id = lead.pk
    task_queue_on_commit(lead_hot_alert_task, lead_id)


@transaction.atomic
def lead_hot_alert_send(*, lead_id: int, now: datetime | None = None) -> bool:
    """E-mail the lead's recipients that it must be called within the hour, with what they need
    for the call, and put it on the timeline. At most once per entry into the band: a second
    run (a task delivered twice) finds the alert recorded since the lead entered it, and a lead
    that left the band before the task ran is not announced. Says whether it sent."""
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    # A lead hidden past the plan's limits (billing/quotas.py) is not shown by e-mail either.
    if lead is None or lead.band != Band.HOT or lead.over_quota:
        return False
    alerted = LeadActivity.objects.filter(
        lead=lead, kind=ActivityKind.HOT_ALERT, created_at__gte=lead.band_since
    )
    if alerted.exists():
        return False
    workspace = workspace_current()
    recipients = lead_alert_recipients(lead, workspace=workspace)
    if not recipients:
        return False
    now = now or timezone.now()
    qualification = lead_qualification(lead=lead)
    context = {
        "lead": lead,
        "workspace": workspace,
        "link": lead_page_url(workspace, lead.pk),
        "qualification": qualification,
        "timer": lead_timer(lead, now=now),
    }
    subject = f"{Band.HOT.label}: {lead_who(lead)}"
    messages = [_message(to, subject, "leads/email/hot_lead.txt", context) for to in recipients]
    # Sent inside the transaction: if the mail server fails, nothing is recorded and the task's
    # retry sends again; the row lock keeps a concurrent run from sending too.
    get_connection().send_messages(messages)
    LeadActivity.objects.create(
        lead=lead, kind=ActivityKind.HOT_ALERT, detail=_sent_to_words(recipients), created_at=now
    )
    return True


# --- Leads past their service level ------------------------------------------------------------


def _overdue_batch_alert(*, workspace: Workspace, now: datetime, batch_size: int) -> int:
    with transaction.atomic():
        # The partial index lead_waiting_sla holds exactly the leads still waiting for a first
        # call. SKIP LOCKED: two sweeps at once share the leads instead of both e-mailing.
        leads = list(
            Lead.objects.select_for_update(skip_locked=True)
            .filter(
                sla_due_at__lt=now,
                first_contacted_at__isnull=True,
                sla_due_at__isnull=False,
                overdue_notified_at__isnull=True,
                over_quota=False,  # hidden until the workspace upgrades: not e-mailed either
            )
            .order_by("sla_due_at", "pk")[:batch_size]
        )
        if not leads:
            return 0
        assignees = _assignees(workspace, [lead.assignee_id for lead in leads if lead.assignee_id])
        managers = None
        by_recipient: dict[int, tuple[User, list[Lead]]] = {}
        told: dict[int, list[User]] = {}
        for lead in leads:
            assignee = assignees.get(lead.assignee_id)
            if assignee is not None:
                recipients = [assignee]
            else:
                managers = _managers(workspace) if managers is None else managers
                recipients = managers
            told[lead.pk] = recipients
            for user in recipients:
                by_recipient.setdefault(user.pk, (user, []))[1].append(lead)
        messages = []
        for user, their_leads in by_recipient.values():
            names = ", ".join(lead_who(lead) for lead in their_leads[:SUBJECT_MAX_LEADS])
            more = len(their_leads) - SUBJECT_MAX_LEADS
            count = "1 lead is" if len(their_leads) == 1 else f"{len(their_leads)} leads are"
            subject = f"{count} overdue: {names}" + (f" and {more} more" if more > 0 else "")
            rows = [
                {
                    "lead": lead,
                    "timer": lead_timer(lead, now=now),
                    "link": lead_page_url(workspace, lead.pk),
                }
                for lead in their_leads
            ]
            context = {"rows": rows, "workspace": workspace}
            messages.append(_message(user, subject, "leads/email/overdue_leads.txt", context))
        get_connection().send_messages(messages)
        Lead.objects.filter(pk__in=[lead.pk for lead in leads]).update(overdue_notified_at=now)
        LeadActivity.objects.bulk_create(
            LeadActivity(
                lead=lead,
                kind=ActivityKind.OVERDUE_ALERT,
                detail=_sent_to_words(told[lead.pk]),
                created_at=now,
            )
            for lead in leads
        )
        return len(leads)


def leads_overdue_alert(*, now: datetime | None = None, batch_size: int = OVERDUE_BATCH) -> int:
    """Tell each recipient, in one e-mail, which of their leads are past their service level
    without a first call, and mark those leads as told (overdue_notified_at, cleared when a lead
    enters a new band) so that no sweep tells them again. Batches of `batch_size`, each its own
    transaction. Returns how many leads were announced."""
    now = now or timezone.now()
    workspace = workspace_current()
    total = 0
    while True:
        done = _overdue_batch_alert(workspace=workspace, now=now, batch_size=batch_size)
        total += done
        if done < batch_size:
            return total


# --- A lead was assigned ------------------------------------------------------------------------


def leads_assigned_alert_queue(*, lead_ids: list[int], assignee: User) -> None:
    """After commit, one e-mail telling `assignee` of the leads just given to them (one lead from
    its page, or a page of ticked leads from the inbox: one e-mail either way)."""
    from leads.tasks import leads_assigned_alert_task  # leads.tasks imports the services

    lead_ids, assignee_id = list(lead_ids), assignee.pk
    task_queue_on_commit(leads_assigned_alert_task, lead_ids, assignee_id)


def leads_assigned_alert_send(*, lead_ids: list[int], assignee_id: int) -> bool:
    """E-mail a member the leads given to them. Leads that went to someone else meanwhile, or
    hidden past the plan's limits, are left out; nothing is sent when none is left or the
    member left the workspace. Says whether it sent."""
    leads = list(
        Lead.objects.filter(pk__in=lead_ids, assignee_id=assignee_id, over_quota=False).order_by(
            "-priority", "-pk"
        )
    )
    if not leads:
        return False
    workspace = workspace_current()
    assignee = _assignees(workspace, [assignee_id]).get(assignee_id)
    if assignee is None:
        return False
    assigned = (
        LeadActivity.objects.filter(lead=leads[0], kind=ActivityKind.ASSIGNED)
        .order_by("-created_at", "-pk")
        .first()
    )
    context = {
        "leads": [
            {"lead": lead, "link": lead_page_url(workspace, lead.pk), "timer": lead_timer(lead)}
            for lead in leads
        ],
        "workspace": workspace,
        "by": assigned.actor_email if assigned else "",
    }
    if len(leads) == 1:
        subject = f"Lead assigned to you: {lead_who(leads[0])}"
    else:
        subject = f"{len(leads)} leads assigned to you"
    get_connection().send_messages(
        [_message(assignee, subject, "leads/email/assigned.txt", context)]
    )
    return True
