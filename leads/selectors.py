"""Reads about leads for the dashboard: the lead list (the base of the future call queue) and
one lead's page with its conversations, each in one round of queries whatever their number."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from billing.selectors import leads_within_quota
from forms_builder.answers import answer_display
from forms_builder.models import Form, FormStatus
from leads.models import (
    Authority,
    BudgetPeriod,
    BudgetStatus,
    Conversation,
    CorrectedField,
    Disqualification,
    Lead,
    LeadCorrection,
    LeadOutcome,
    Message,
    Need,
    QualificationStatus,
    Timing,
)
from leads.pagination import Keyset
from leads.prioritization import band_priority_range
from leads.qualification.opening import opening_line
from leads.qualification.stored import QUALIFICATION_FIELDS, labels_from_fields
from leads.qualification.transcripts import lead_transcript, lead_transcript_prefetch

# UTM parameters in the order marketers read them; any other captured key follows.
UTM_ORDER = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


# The lead list's orders, each with the id last so that pages never overlap, and each the order
# of one index (Lead.Meta.indexes): "priority" is the call queue (leads/prioritization.py), the
# default; "activity" reads lead_last_activity; "updated", oldest change first, is the API's
# incremental sync and reads lead_updated.
LEAD_LIST_ORDERS = {
    "priority": Keyset("priority", ("priority", "id")),
    "activity": Keyset("activity", ("last_activity_at", "id")),
    "updated": Keyset("updated", ("updated_at", "id"), ascending=True),
}

# The qualification filter's values, as the row's "why is this lead here?" words them: a lead an
# admin marked as a student is disqualified even before its status is recomputed.
NOT_QUALIFIED = "none"
_DISQUALIFIED = Q(qualification_status=QualificationStatus.DISQUALIFIED) | ~Q(disqualification="")
QUALIFICATION_FILTERS = {
    QualificationStatus.SQL: Q(qualification_status=QualificationStatus.SQL, disqualification=""),
    QualificationStatus.MQL: Q(qualification_status=QualificationStatus.MQL, disqualification=""),
    QualificationStatus.DISQUALIFIED: _DISQUALIFIED,
    NOT_QUALIFIED: Q(qualification_status="", disqualification=""),
}
UNASSIGNED = "none"
NO_OUTCOME = "none"


def lead_list(
    *,
    form_id: int | None = None,
    status: str | None = None,
    search: str = "",
    band: str | None = None,
    qualification: str | None = None,
    assignee: int | str | None = None,
    created_from: datetime | None = None,
    created_before: datetime | None = None,
    overdue: bool = False,
    outcome: str | None = None,
    updated_since: datetime | None = None,
    now: datetime | None = None,
    order: str = "priority",
) -> QuerySet[Lead]:
    """Leads in the call queue's order (or, with `order="activity"`, latest activity first),
    each annotated with what its row shows: `latest_status` of its latest conversation and
    `form_names` of every form it talked to.

    `form_id` keeps leads with a conversation of that form. `status` keeps leads whose latest
    conversation has it: a visitor who abandoned, came back and completed is not abandoned.
    `search` looks in the name, the e-mail and the company. `band` keeps the band's range of
    priorities (the call queue's index answers it), `qualification` a QUALIFICATION_FILTERS key,
    `assignee` a user id or UNASSIGNED, `created_from`/`created_before` a [from, before) span,
    `overdue` the leads past their service level and still never called at `now`, `outcome`
    the latest outcome (or NO_OUTCOME), `updated_since` the leads changed at or after that
    time. Leads hidden past the workspace's plan are left out.

    Its SQL depends on its arguments alone: the inbox compiles it once for each set of them
    (leads/inbox.py)."""
    latest = Conversation.objects.filter(lead=OuterRef("pk")).order_by("-last_turn_at", "-pk")
    # Leads past the plan's limits wait for an upgrade (billing/quotas.py): never listed.
    leads = leads_within_quota(Lead.objects.all()).annotate(
        latest_status=Subquery(latest.values("status")[:1]),
        form_names=ArraySubquery(
            Form.objects.filter(conversations__lead=OuterRef("pk"))
            .values("name")
            .distinct()
            .order_by("name")
        ),
    )
    if form_id is not None:
        leads = leads.filter(
            Exists(Conversation.objects.filter(lead=OuterRef("pk"), form_id=form_id))
        )
    if status:
        leads = leads.filter(latest_status=status)
    search = search.strip()
    if search:
        leads = leads.filter(
            Q(full_name__icontains=search)
            | Q(email__icontains=search)
            | Q(company__icontains=search)
        )
    if band:
        low, high = band_priority_range(band)
        leads = leads.filter(priority__gte=low)
        if high is not None:
            leads = leads.filter(priority__lt=high)
    if qualification:
        leads = leads.filter(QUALIFICATION_FILTERS[qualification])
    if assignee == UNASSIGNED:
        leads = leads.filter(assignee__isnull=True)
    elif assignee is not None:
        leads = leads.filter(assignee_id=assignee)
    if created_from is not None:
        leads = leads.filter(created_at__gte=created_from)
    if created_before is not None:
        leads = leads.filter(created_at__lt=created_before)
    if outcome == NO_OUTCOME:
        leads = leads.filter(outcome="")
    elif outcome:
        leads = leads.filter(outcome=outcome)
    if updated_since is not None:
        leads = leads.filter(updated_at__gte=updated_since)
    if overdue:
        # The terms of the partial index lead_waiting_sla, so that it can serve the filter.
        leads = leads.filter(
            first_contacted_at__isnull=True,
            sla_due_at__isnull=False,
            sla_due_at__lt=now or timezone.now(),
        )
    return leads.order_by(*LEAD_LIST_ORDERS[order].order_by())


def lead_get(*, lead_id: int) -> Lead | None:
    """A lead with its conversations (newest first), their forms, versions and transcripts, and
    the corrections admins made to its qualification."""
    conversations = (
        Conversation.objects.select_related("form", "form_version")
        .prefetch_related(Prefetch("messages", queryset=Message.objects.order_by("pk")))
        .order_by("-started_at", "-pk")
    )
    return (
        Lead.objects.prefetch_related(
            Prefetch("conversations", queryset=conversations),
            Prefetch("corrections", queryset=LeadCorrection.objects.order_by("created_at", "pk")),
        )
        .filter(pk=lead_id)
        .first()
    )


@dataclass(frozen=True)
class ConversationReadout:
    """A conversation as the lead page shows it: its answers read back in the form's language,
    and what it captured about where the visitor came from, as (name, value) pairs."""

    conversation: Conversation
    answers: list[tuple[str, str]]
    utm: list[tuple[str, str]]
    hidden_fields: list[tuple[str, str]]


def conversation_answers(conversation: Conversation) -> list[tuple[str, str]]:
    """(question, answer) for each answered step, in the order of the version the visitor saw."""
    definition = conversation.form_version.definition
    language = definition["language"]
    return [
        (step["prompt"], answer_display(step, conversation.answers[step["key"]], language))
        for step in definition["steps"]
        if step["key"] in conversation.answers
    ]


def _utm_pairs(utm: dict) -> list[tuple[str, str]]:
    known = [(name, utm[name]) for name in UTM_ORDER if name in utm]
    return known + sorted((name, value) for name, value in utm.items() if name not in UTM_ORDER)


def lead_conversations(*, lead: Lead) -> list[ConversationReadout]:
    """The lead's conversations as its page shows them; reads what lead_get prefetched."""
    return [
        ConversationReadout(
            conversation=conversation,
            answers=conversation_answers(conversation),
            utm=_utm_pairs(conversation.utm),
            hidden_fields=sorted(conversation.hidden_fields.items()),
        )
        for conversation in lead.conversations.all()
    ]


@dataclass(frozen=True)
class BoxReadout:
    """One BANT box on the lead page: the value on the lead (an admin's, if corrected), and
    what the engine said: its value, confidence and the visitor's sentences."""

    name: str
    value: str
    engine_value: str
    confidence: float | None
    evidence: list[str]
    correction: LeadCorrection | None


@dataclass(frozen=True)
class QualificationReadout:
    status: str
    status_label: str
    disqualification: str
    disqualification_reason: str
    brief: list[tuple[str, str]]
    boxes: list[BoxReadout]
    evidence: list[str]  # every quote, to highlight in the transcript
    engine: str
    fallback: str
    corrections: list[LeadCorrection]


BRIEF_LABELS = {
    "problem": "Problem",
    "impact": "Impact",
    "stakes": "Stakes",
    "timeline": "Timeline",
}


def money_words(amount, currency: str) -> str:
    """An amount as sales read it: "6,000 EUR", "1,234.50 USD"."""
    figure = f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"
    return f"{figure} {currency}".strip()


def _budget_words(status: str, amount, currency: str, period: str) -> str:
    words = BudgetStatus(status).label if status else BudgetStatus.UNKNOWN.label
    if amount is not None and currency:
        words += f": {money_words(amount, currency)}"
        if period and period != BudgetPeriod.ONCE:
            words += f" {BudgetPeriod(period).label}"
    return words


def lead_qualification(*, lead: Lead) -> QualificationReadout | None:
    """What the lead page shows of the lead's qualification; None before the first one (and
    before any correction). Reads what lead_get prefetched."""
    if not lead.qualification_status:
        return None
    detail = lead.qualification_detail or {}
    corrections = list(lead.corrections.all())
    latest = {c.field: c for c in corrections}  # in order, so the latest of each field wins
    budget = detail.get("budget") or {}
    boxes = [
        BoxReadout(
            "Budget",
            _budget_words(
                lead.budget_status, lead.budget_amount, lead.budget_currency, lead.budget_period
            ),
            _budget_words(
                budget.get("value") or "",
                budget.get("amount"),
                budget.get("currency") or "",
                budget.get("period") or "",
            ),
            budget.get("confidence"),
            budget.get("evidence") or [],
            latest.get(CorrectedField.BUDGET),
        )
    ]
    for field, choices in (("authority", Authority), ("need", Need), ("timing", Timing)):
        box = detail.get(field) or {}
        boxes.append(
            BoxReadout(
                CorrectedField(field).label,
                choices(getattr(lead, field) or "unknown").label,
                choices(box.get("value") or "unknown").label,
                box.get("confidence"),
                box.get("evidence") or [],
                latest.get(field),
            )
        )
    fallback = ""
    if detail.get("fallback_from"):
        fallback = (
            f"{detail['fallback_from']} unavailable ({detail.get('fallback_reason') or 'error'}):"
            f" {lead.qualification_engine} engine used"
        )
    return QualificationReadout(
        status=lead.qualification_status,
        status_label=QualificationStatus(lead.qualification_status).label,
        disqualification=(
            Disqualification(lead.disqualification).label if lead.disqualification else ""
        ),
        disqualification_reason=lead.disqualification_reason,
        brief=[
            (label, detail["brief"][key])
            for key, label in BRIEF_LABELS.items()
            if detail.get("brief", {}).get(key)
        ],
        boxes=boxes,
        evidence=[quote for box in boxes for quote in box.evidence],
        engine=(
            f"{lead.qualification_engine} {lead.qualification_engine_version}".strip()
            if lead.qualification_engine
            else ""
        ),
        fallback=fallback,
        corrections=corrections,
    )


def labelled_conversation_list(*, id_prefix: str) -> list[dict]:
    """The workspace's corrected leads as labelled conversations (FORMAT.md), one per lead: all
    its conversations as one transcript, labelled with the boxes as they stand on the lead
    (the engine's, with the admins' corrections on top). Leads where the visitor said nothing
    are left out. Three queries whatever the number of leads."""
    leads = (
        Lead.objects.filter(Exists(LeadCorrection.objects.filter(lead=OuterRef("pk"))))
        .prefetch_related(*lead_transcript_prefetch())
        .order_by("pk")
    )
    rows = []
    for lead in leads:
        transcript = lead_transcript(lead)
        if transcript is None:
            continue
        latest = max(lead.conversations.all(), key=lambda c: (c.started_at, c.pk))
        rows.append(
            {
                "id": f"{id_prefix}-lead-{lead.pk}",
                # The day relative times ("next quarter") were read from: the latest
                # conversation's, as lead_transcript reads them.
                "conversation_date": transcript.today.isoformat(),
                "lang": transcript.lang,
                # FORMAT.md needs an offer; a form without a description has its name.
                "offer": transcript.offer or latest.form_version.definition["name"],
                "contact": transcript.contact,
                "messages": transcript.messages,
                "expected": labels_from_fields(
                    {name: getattr(lead, name) for name in QUALIFICATION_FIELDS}
                ),
            }
        )
    return rows


def workspace_overview(*, now=None) -> dict:
    """The dashboard's figures: two queries whatever the workspace holds."""
    now = now or timezone.now()
    week_ago = now - timedelta(days=7)
    forms = Form.objects.aggregate(
        published=Count("pk", filter=Q(status=FormStatus.PUBLISHED)),
        total=Count("pk", filter=~Q(status=FormStatus.ARCHIVED)),
    )
    leads = Lead.objects.aggregate(
        total=Count("pk"), this_week=Count("pk", filter=Q(created_at__gte=week_ago))
    )
    return {"forms": forms, "leads": leads}


def lead_language(*, lead: Lead) -> str:
    """The language of the form of the lead's latest conversation ("en" without any): the one
    to speak to the lead in. Reads the conversations lead_get prefetched."""
    conversations = list(lead.conversations.all())
    if not conversations:
        return "en"
    latest = max(conversations, key=lambda c: (c.started_at, c.pk))
    return latest.form_version.definition.get("language") or "en"


def lead_opening_line(*, lead: Lead) -> str:
    """The suggested first sentence of the call (leads/qualification/opening.py)."""
    return opening_line(
        language=lead_language(lead=lead),
        full_name=lead.full_name,
        detail=lead.qualification_detail or {},
        timing=lead.timing,
        disqualified=bool(lead.disqualification)
        or lead.qualification_status == QualificationStatus.DISQUALIFIED,
    )


OUTCOMES_SHOWN = 20


def lead_outcome_list(*, lead: Lead, limit: int = OUTCOMES_SHOWN) -> list[LeadOutcome]:
    """The lead's latest outcomes, newest first, with who recorded them: one query."""
    return list(LeadOutcome.objects.filter(lead=lead).order_by("-created_at", "-pk")[:limit])
