"""Writes about behaviour events (LeadEvent): page views tracked by embed.js, e-mail opens and
clicks sent by server-side tools through the API, and tying a visitor's anonymous page views to
the lead they become. Each event that belongs to a lead rescores it once committed, so that the
behaviour rules of the scoring count it."""

from datetime import datetime

from django.db import transaction
from django.db.models.functions import Lower

from leads.models import Conversation, EventKind, Lead, LeadEvent
from leads.prioritization import lead_priority_store
from leads.scoring.rescore import lead_rescore
from tenants.transactions import task_queue_on_commit
from webhooks.models import EventType
from webhooks.services import lead_webhook_queue


class LeadNotFound(Exception):
    """No lead of the current workspace has this e-mail or id."""


def lead_rescore_queue(*, lead_id: int) -> None:
    """Rescore the lead (and move it in the call queue) by a worker, once this is committed."""
    from leads.tasks import lead_rescore_task  # leads.tasks imports the services

    # Robust: a broker that cannot take the task is logged and never fails the caller; the
    # next rescore of the lead (any event, its conversation ending, a rule change) catches up.
    task_queue_on_commit(lead_rescore_task, lead_id)


@transaction.atomic
def lead_rescore_after_event(*, lead_id: int) -> bool:
    """Rescore the lead (a behaviour event of its came in) and move it in the call queue. When
    its score, and so its place (priority, band), changed, integrators are told with one
    `lead.updated` once this commits; an event that changes nothing tells them nothing.
    Returns False when the lead is gone."""
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    if lead is None:  # deleted meanwhile, or an id of no lead of this workspace
        return False
    shown_before = (lead.score, lead.priority, lead.band)
    lead_rescore(lead=lead)
    lead_priority_store(lead=lead)
    if (lead.score, lead.priority, lead.band) != shown_before:
        lead_webhook_queue(event_type=EventType.LEAD_UPDATED, lead_ids=[lead.pk])
    return True


def visitor_lead_id(*, visitor_id: str) -> int | None:
    """The lead the visitor turned into, by their latest conversation that has one."""
    if not visitor_id:
        return None
    return (
        Conversation.objects.filter(visitor_id=visitor_id, lead__isnull=False)
        .order_by("-last_turn_at")
        .values_list("lead_id", flat=True)
        .first()
    )


@transaction.atomic
def page_view_record(*, visitor_id: str, url: str, referrer: str = "") -> LeadEvent:
    """A page view tracked by embed.js: the visitor's lead's when the visitor already identified
    in a conversation (and the lead is rescored), else anonymous until they do."""
    lead_id = visitor_lead_id(visitor_id=visitor_id)
    event = LeadEvent.objects.create(
        visitor_id=visitor_id,
        lead_id=lead_id,
        kind=EventKind.PAGE_VIEW,
        url=url,
        referrer=referrer,
    )
    if lead_id is not None:
        lead_rescore_queue(lead_id=lead_id)
    return event


def visitor_events_claim(*, visitor_id: str, lead: Lead) -> int:
    """Give the visitor's anonymous events to the lead they just identified as, in one UPDATE;
    returns how many. Events already someone's stay theirs (a shared computer)."""
    if not visitor_id:
        return 0
    return LeadEvent.objects.filter(visitor_id=visitor_id, lead__isnull=True).update(lead=lead)


def lead_find(*, email: str | None = None, lead_id: int | None = None) -> Lead:
    """The current workspace's lead by e-mail (case-insensitive) or id; LeadNotFound else."""
    leads = Lead.objects.all()
    if email is not None:
        if not email.strip():  # leads without an e-mail are many, and none is meant
            raise LeadNotFound("No lead with this e-mail or id in this workspace.")
        # Lower(email), as the unique index is, so that the index answers.
        leads = leads.annotate(email_lower=Lower("email")).filter(email_lower=email.lower())
    else:
        leads = leads.filter(pk=lead_id)
    lead = leads.first()
    if lead is None:
        raise LeadNotFound("No lead with this e-mail or id in this workspace.")
    return lead


@transaction.atomic
def lead_event_create(
    *,
    kind: str,
    email: str | None = None,
    lead_id: int | None = None,
    url: str = "",
    occurred_at: datetime | None = None,
) -> LeadEvent:
    """An event a server-side source (an e-mail tool) reports about a known lead."""
    lead = lead_find(email=email, lead_id=lead_id)
    event = LeadEvent(lead=lead, kind=kind, url=url)
    if occurred_at is not None:
        event.occurred_at = occurred_at
    event.save()
    lead_rescore_queue(lead_id=lead.pk)
    return event
