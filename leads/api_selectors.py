"""Reads of the REST API (/api/v1/leads/, /api/v1/conversations/): the same leads the inbox
shows (never one hidden past the plan's limits, nor its conversations), each page or object in a
constant number of queries."""

from datetime import datetime

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from billing.selectors import leads_within_quota
from leads.models import Conversation, Lead, LeadCorrection, LeadOutcome, LeadScoreItem, Message
from leads.qualification.stored import BOXES
from leads.selectors import BRIEF_LABELS, lead_list
from tenants.identity import email_normalize
from tenants.models import Membership, User


def _with_assignee_email(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    # People live in the public schema, on every workspace's search path: a subquery, not a
    # query per lead (as the inbox's rows do).
    return leads.annotate(
        assignee_email=Subquery(User.objects.filter(pk=OuterRef("assignee_id")).values("email")[:1])
    )


def lead_api_rows(*, filters: dict, order: str) -> QuerySet[Lead]:
    """lead_list's leads (filters and order alike) with their assignee's e-mail, for a page: one
    query. The qualification's JSON (kilobytes of quotes) is left to the lead's own read."""
    return _with_assignee_email(lead_list(**filters, order=order).defer("qualification_detail"))


def member_id_by_email(*, workspace, email: str) -> int | None:
    """The id of the workspace's member with this e-mail (any spelling of it, tenants/identity.py),
    None for nobody."""
    return (
        Membership.objects.filter(workspace=workspace, user__email=email_normalize(email))
        .values_list("user_id", flat=True)
        .first()
    )


def visible_lead_get(*, lead_id: int) -> Lead | None:
    """A lead the workspace may see, alone (for a write): one query."""
    return leads_within_quota(Lead.objects.all()).filter(pk=lead_id).first()


def _conversations_with_transcripts() -> QuerySet[Conversation]:
    return (
        Conversation.objects.select_related("form", "form_version")
        .prefetch_related(Prefetch("messages", queryset=Message.objects.order_by("pk")))
        .order_by("-started_at", "-pk")
    )


def lead_api_get(*, lead_id: int) -> Lead | None:
    """A visible lead with everything its API read shows: its assignee's e-mail, the corrections
    to its qualification, its score breakdown with the rules, its outcomes, and its
    conversations with their forms and transcripts. Six queries whatever it holds."""
    leads = _with_assignee_email(leads_within_quota(Lead.objects.all())).prefetch_related(
        Prefetch("conversations", queryset=_conversations_with_transcripts()),
        Prefetch("corrections", queryset=LeadCorrection.objects.order_by("created_at", "pk")),
        Prefetch(
            "score_items",
            queryset=LeadScoreItem.objects.select_related("rule").order_by("-points", "pk"),
        ),
        Prefetch("outcomes", queryset=LeadOutcome.objects.order_by("created_at", "pk")),
    )
    return leads.filter(pk=lead_id).first()


def lead_qualification_facts(lead: Lead) -> dict | None:
    """The lead's qualification as codes, for programs: the status, the disqualification, each
    BANT box with its value on the lead (an admin's correction wins), the engine's confidence
    and the visitor's sentences as evidence, and the brief. None before the first one. Reads
    the corrections lead_api_get prefetched."""
    if not lead.qualification_status:
        return None
    detail = lead.qualification_detail or {}
    corrected = {correction.field for correction in lead.corrections.all()}
    values = {
        "budget": lead.budget_status,
        "authority": lead.authority,
        "need": lead.need,
        "timing": lead.timing,
    }
    boxes = {}
    for box in BOXES:
        found = detail.get(box) or {}
        boxes[box] = {
            "value": values[box] or "unknown",
            "confidence": found.get("confidence"),
            "evidence": list(found.get("evidence") or []),
            "corrected": box in corrected,
        }
    boxes["budget"].update(
        amount=lead.budget_amount,
        currency=lead.budget_currency or None,
        period=lead.budget_period or None,
    )
    brief = detail.get("brief") or {}
    disqualified = bool(lead.disqualification) or lead.qualification_status == "disqualified"
    return {
        "status": "disqualified" if disqualified else lead.qualification_status,
        "disqualification": lead.disqualification or None,
        "disqualification_reason": lead.disqualification_reason,
        **boxes,
        "brief": {key: brief.get(key) or "" for key in BRIEF_LABELS},
        "engine": lead.qualification_engine,
        "qualified_at": lead.qualified_at,
    }


def conversations_visible() -> QuerySet[Conversation]:
    """The conversations the workspace may see: those of visible leads, and those with no lead
    yet unless started past the plan's limits (the lead they make will be hidden)."""
    return Conversation.objects.filter(
        Q(lead__isnull=True, over_quota=False) | Q(lead__over_quota=False)
    )


def conversation_api_list(
    *,
    form_id: int | None = None,
    status: str | None = None,
    updated_since: datetime | None = None,
    started_since: datetime | None = None,
) -> QuerySet[Conversation]:
    """Visible conversations with their form, filtered; one query a page."""
    conversations = conversations_visible().select_related("form")
    if form_id is not None:
        conversations = conversations.filter(form_id=form_id)
    if status:
        conversations = conversations.filter(status=status)
    if updated_since is not None:
        conversations = conversations.filter(updated_at__gte=updated_since)
    if started_since is not None:
        conversations = conversations.filter(started_at__gte=started_since)
    return conversations


def conversation_api_get(*, conversation_id: int) -> Conversation | None:
    """A visible conversation with its form, version and transcript: two queries."""
    return (
        conversations_visible()
        .select_related("form", "form_version")
        .prefetch_related(Prefetch("messages", queryset=Message.objects.order_by("pk")))
        .filter(pk=conversation_id)
        .first()
    )
