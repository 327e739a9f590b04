"""A lead's timeline for its page: everything that happened to it, newest first, in one list.
Conversations (started, completed, abandoned), page views and e-mail opens and clicks, its
qualification, admins' corrections, outcomes, and the sales side's assignments and alerts.

Bounded and in a constant number of queries: a lead may have thousands of page views, so each
source gives at most its TIMELINE_MAX latest rows, the merged list keeps the TIMELINE_MAX
latest of those, and one query counts what was left out ("and 2,950 earlier page views")."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import F, Func, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from leads.models import (
    ActivityKind,
    ConversationStatus,
    EventKind,
    Lead,
    LeadActivity,
    LeadEvent,
    LeadOutcome,
    Outcome,
    QualificationStatus,
)
from leads.selectors import ClaimReadout, conversation_claim, money_words

TIMELINE_MAX = 50


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    # What it is, for the page's styling: a conversation's "started" / "completed" /
    # "abandoned", an EventKind, "qualified", "corrected", an Outcome, or an ActivityKind.
    kind: str
    title: str
    # The visitor's or a member's words (a URL, a note): shown escaped, never as a link.
    detail: str = ""
    by: str = ""  # who did it, as an e-mail address, for what members did


@dataclass(frozen=True)
class Timeline:
    entries: list[TimelineEntry]
    # What is older than the entries shown, by kind: ["2,950 page views", "1 outcome"].
    earlier: list[str] = field(default_factory=list)


# Each source of entries: (singular, plural) of what it counts, for "and N earlier ...".
NOUNS = {
    EventKind.PAGE_VIEW: ("page view", "page views"),
    EventKind.EMAIL_OPEN: ("e-mail opened", "e-mails opened"),
    EventKind.EMAIL_CLICK: ("e-mail click", "e-mail clicks"),
    "outcome": ("outcome", "outcomes"),
    "activity": ("assignment or alert", "assignments and alerts"),
    "conversation": ("conversation event", "conversation events"),
    "correction": ("correction", "corrections"),
    "qualification": ("qualification", "qualifications"),
}

EVENT_TITLES = {
    EventKind.PAGE_VIEW: "Viewed a page",
    EventKind.EMAIL_OPEN: "Opened an e-mail",
    EventKind.EMAIL_CLICK: "Clicked a link in an e-mail",
}

ACTIVITY_TITLES = {
    ActivityKind.UNASSIGNED: "Unassigned",
    ActivityKind.BAND_CHANGED: "Band changed",
    ActivityKind.HOT_ALERT: "Hot lead alert sent",
    ActivityKind.OVERDUE_ALERT: "Overdue alert sent",
    ActivityKind.CLAIM_ACCEPTED: "Took a value a later conversation claimed",
}


def _count(queryset):
    """How many rows of `queryset` belong to the outer lead, as one scalar subquery."""
    counted = (
        queryset.filter(lead=OuterRef("pk")).order_by().values(n=Func(F("pk"), function="COUNT"))
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _totals(lead: Lead) -> dict[str, int]:
    """How many events of each kind, outcomes and activities the lead has: one query."""
    events = LeadEvent.objects.all()
    counts = {
        **{kind.value: _count(events.filter(kind=kind)) for kind in EVENT_TITLES},
        "outcome": _count(LeadOutcome.objects.all()),
        "activity": _count(LeadActivity.objects.all()),
    }
    # Aliased, since "outcome" is also a column of the lead.
    row = Lead.objects.filter(pk=lead.pk).values(**{f"n_{k}": v for k, v in counts.items()}).get()
    return {source: row[f"n_{source}"] for source in counts}


def _conversation_entries(lead: Lead) -> list[tuple[str, TimelineEntry]]:
    entries = []
    for conversation in lead.conversations.all():
        name = conversation.form.name
        claim = conversation_claim(conversation)
        started = f"Started a conversation on {name}"
        if claim is not None:
            started += " giving this lead's e-mail (unverified)"
        entries.append(("conversation", TimelineEntry(conversation.started_at, "started", started)))
        if conversation.ended_at is None:
            continue
        if conversation.status == ConversationStatus.COMPLETED:
            title = f"Completed the conversation on {name}"
        else:
            title = f"Left the conversation on {name} unfinished"
        entries.append(
            (
                "conversation",
                TimelineEntry(
                    conversation.ended_at,
                    conversation.status,
                    title,
                    _claim_detail(claim) if claim is not None else "",
                ),
            )
        )
    return entries


def _claim_detail(claim: ClaimReadout) -> str:
    """ "Claimed (not applied): Company = École; on its own: Disqualified (Student)"."""
    parts = []
    if claim.contact:
        claimed = ", ".join(f"{label} = {value}" for _, label, value in claim.contact)
        parts.append(f"Claimed (not applied): {claimed}")
    if claim.qualification:
        parts.append(f"on its own: {claim.qualification}")
    return "; ".join(parts)


def _qualification_entries(lead: Lead) -> list[tuple[str, TimelineEntry]]:
    if lead.qualified_at is None or not lead.qualification_status:
        return []
    status = QualificationStatus(lead.qualification_status).label
    detail = f"by the {lead.qualification_engine} engine" if lead.qualification_engine else ""
    if detail and lead.qualification_engine_version:
        detail += f" (version {lead.qualification_engine_version})"
    return [("qualification", TimelineEntry(lead.qualified_at, "qualified", status, detail))]


def _correction_entries(lead: Lead) -> list[tuple[str, TimelineEntry]]:
    return [
        (
            "correction",
            TimelineEntry(
                c.created_at,
                "corrected",
                f"{c.get_field_display()} corrected",
                f"{c.old_value or 'not disqualified'} → {c.new_value or 'not disqualified'}",
                c.corrected_by_email,
            ),
        )
        for c in lead.corrections.all()
    ]


def _outcome_detail(outcome: LeadOutcome) -> str:
    parts = []
    if outcome.kind == Outcome.WON and outcome.amount is not None:
        parts.append(money_words(outcome.amount, outcome.currency))
    if outcome.lost_reason:
        parts.append(outcome.get_lost_reason_display())
    if outcome.note:
        parts.append(outcome.note)
    return " · ".join(parts)


def _activity_title(activity: LeadActivity) -> tuple[str, str]:
    """(title, detail) of a sales-side activity."""
    if activity.kind == ActivityKind.ASSIGNED:
        return f"Assigned to {activity.detail}", ""
    return ACTIVITY_TITLES.get(activity.kind, activity.get_kind_display()), activity.detail


def lead_timeline(*, lead: Lead, limit: int = TIMELINE_MAX) -> Timeline:
    """The lead's timeline, newest first, at most `limit` entries. Reads the conversations
    (with their forms) and corrections lead_get prefetched, and makes four queries of its own
    whatever the lead holds."""
    events = list(LeadEvent.objects.filter(lead=lead).order_by("-occurred_at", "-pk")[:limit])
    outcomes = list(LeadOutcome.objects.filter(lead=lead).order_by("-created_at", "-pk")[:limit])
    activities = list(LeadActivity.objects.filter(lead=lead).order_by("-created_at", "-pk")[:limit])
    # In the order things happen, so that entries at the same instant read in that order.
    sourced = [
        *_conversation_entries(lead),
        *_qualification_entries(lead),
        *_correction_entries(lead),
        *(
            (e.kind, TimelineEntry(e.occurred_at, e.kind, EVENT_TITLES[e.kind], e.url))
            for e in reversed(events)
        ),
        *(
            (
                "activity",
                TimelineEntry(a.created_at, a.kind, *_activity_title(a), a.actor_email),
            )
            for a in reversed(activities)
        ),
        *(
            (
                "outcome",
                TimelineEntry(
                    o.created_at,
                    o.kind,
                    o.get_kind_display(),
                    _outcome_detail(o),
                    o.recorded_by_email,
                ),
            )
            for o in reversed(outcomes)
        ),
    ]
    # Newest first; reversed before a stable sort, so that ties keep the latest step first.
    ordered = sorted(reversed(sourced), key=lambda pair: pair[1].at, reverse=True)
    shown = ordered[:limit]
    totals = {source: 0 for source in NOUNS}
    for source, _ in sourced:
        totals[source] += 1
    totals.update(_totals(lead))
    for source, _ in shown:
        totals[source] -= 1
    earlier = []
    for source, (one, many) in NOUNS.items():
        left = totals[source]
        if left:
            earlier.append(f"{left:,} {one if left == 1 else many}")
    return Timeline(entries=[entry for _, entry in shown], earlier=earlier)
