"""Reads about one contact, found by e-mail: what the workspace holds about them (the privacy
page's counts, and what an erasure deletes) and all of it as JSON (a subject access request)."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q, TextField, Value
from django.db.models.functions import Cast, Concat, Lower
from django.utils import timezone

from leads.models import (
    Conversation,
    ErasureRecord,
    Lead,
    LeadActivity,
    LeadCorrection,
    LeadEvent,
    LeadOutcome,
    LeadScoreItem,
    Message,
)
from leads.privacy.erasure import contact_email_hashes
from leads.qualification.stored import QUALIFICATION_FIELDS as QUALIFICATION_COLUMNS
from tenants.models import Workspace

EXPORT_FORMAT = "parley.contact-export/1"

# The lead's qualification, exported apart from who the lead is: what a qualification writes,
# and when.
QUALIFICATION_FIELDS = (*QUALIFICATION_COLUMNS, "qualified_at")
# What a conversation says about its visitor; its resume token is a credential, not data.
CONVERSATION_FIELDS = (
    "id",
    "status",
    "visitor_id",
    "answers",
    "hidden_fields",
    "utm",
    "referrer",
    "landing_page",
    "started_at",
    "last_turn_at",
    "ended_at",
    "transcript_deleted_at",
)


@dataclass
class ContactFound:
    """What the current workspace holds about one address."""

    email: str
    lead: Lead | None
    # The lead's conversations, those that name the address but never became a lead (abandoned
    # before the e-mail step was saved to one), and the anonymous ones of the same browsers.
    conversation_ids: list[int] = field(default_factory=list)
    visitor_ids: list[str] = field(default_factory=list)
    # Rows per kind, as the privacy page lists them.
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not any(self.counts.values())


def _address_pattern(email: str) -> re.Pattern:
    """The address as a whole word: "ada@example.com" but not "lada@example.com" nor
    "ada@example.com.au"."""
    return re.compile(
        r"(?<![\w.%+-])" + re.escape(email) + r"(?![\w-]|\.\w)", re.IGNORECASE | re.UNICODE
    )


def _conversations_naming(email: str) -> list[Conversation]:
    """Conversations without a lead whose answers, hidden fields, UTM or addresses hold the
    address. The database narrows them by a substring; the pattern keeps whole addresses."""
    said = Concat(
        Cast("answers", TextField()),
        Value(" "),
        Cast("hidden_fields", TextField()),
        Value(" "),
        Cast("utm", TextField()),
        Value(" "),
        "referrer",
        Value(" "),
        "landing_page",
        output_field=TextField(),
    )
    candidates = (
        Conversation.objects.filter(lead__isnull=True)
        .annotate(said=said)
        .filter(said__icontains=email)
        .only("pk", "visitor_id")
    )
    pattern = _address_pattern(email)
    return [conversation for conversation in candidates if pattern.search(conversation.said)]


def contact_find(*, email: str, lock: bool = False) -> ContactFound:
    """Everything of the current workspace about the contact with this e-mail (case-insensitive):
    their lead, the conversations that name them, and what hangs from both. `lock` holds the
    lead's row until the transaction ends (contact_erase)."""
    email = email.strip().lower()
    leads = Lead.objects.annotate(email_lower=Lower("email")).filter(email_lower=email)
    if lock:
        leads = leads.select_for_update()
    lead = leads.first() if email else None

    conversations = list(_conversations_naming(email)) if email else []
    if lead is not None:
        conversations += list(Conversation.objects.filter(lead=lead).only("pk", "visitor_id"))
    visitor_ids = sorted({c.visitor_id for c in conversations if c.visitor_id})
    # The same browsers' conversations that never named anyone are theirs too.
    conversations += list(
        Conversation.objects.filter(lead__isnull=True, visitor_id__in=visitor_ids).only("pk")
    )
    conversation_ids = sorted({c.pk for c in conversations})

    lead_ids = [lead.pk] if lead else []
    tied = Q(lead_id__in=lead_ids)
    counts = {
        "leads": len(lead_ids),
        "conversations": len(conversation_ids),
        "messages": Message.objects.filter(conversation_id__in=conversation_ids).count(),
        "events": LeadEvent.objects.filter(
            tied | Q(lead__isnull=True, visitor_id__in=visitor_ids)
        ).count(),
        "outcomes": LeadOutcome.objects.filter(tied).count(),
        "corrections": LeadCorrection.objects.filter(tied).count(),
        "activities": LeadActivity.objects.filter(tied).count(),
        "score_items": LeadScoreItem.objects.filter(tied).count(),
    }
    return ContactFound(
        email=email,
        lead=lead,
        conversation_ids=conversation_ids,
        visitor_ids=visitor_ids,
        counts=counts,
    )


def _json_value(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(instance, names) -> dict:
    return {name: _json_value(getattr(instance, name)) for name in names}


def _lead_export(lead: Lead) -> dict:
    who = [f.attname for f in Lead._meta.concrete_fields if f.attname not in QUALIFICATION_FIELDS]
    return {
        **_row(lead, who),
        "qualification": _row(lead, QUALIFICATION_FIELDS),
        "score_items": [
            {"rule": item.rule.name, **_row(item, ("points", "reason", "computed_at"))}
            for item in LeadScoreItem.objects.filter(lead=lead).select_related("rule")
        ],
        "outcomes": [
            _row(o, ("kind", "amount", "currency", "lost_reason", "note", "created_at"))
            for o in LeadOutcome.objects.filter(lead=lead)
        ],
        "corrections": [
            _row(c, ("field", "old_value", "new_value", "created_at"))
            for c in LeadCorrection.objects.filter(lead=lead)
        ],
        "activities": [
            _row(a, ("kind", "detail", "created_at"))
            for a in LeadActivity.objects.filter(lead=lead)
        ],
    }


def _conversation_export(conversation: Conversation) -> dict:
    return {
        **_row(conversation, CONVERSATION_FIELDS),
        "form": conversation.form.name,
        "lead_id": conversation.lead_id,
        "messages": [_row(m, ("role", "text", "created_at")) for m in conversation.messages.all()],
    }


def contact_export(*, email: str, workspace: Workspace, now=None) -> dict:
    """Everything contact_find finds, as JSON-ready data: the lead (who they are, its
    qualification, score items, outcomes, corrections and timeline entries), the conversations
    with their answers, UTM and transcript, and the events."""
    found = contact_find(email=email)
    conversations = (
        Conversation.objects.filter(pk__in=found.conversation_ids)
        .select_related("form")
        .prefetch_related("messages")
        .order_by("started_at", "pk")
    )
    events = LeadEvent.objects.filter(
        Q(lead_id__in=[found.lead.pk] if found.lead else [])
        | Q(lead__isnull=True, visitor_id__in=found.visitor_ids)
    ).order_by("occurred_at", "pk")
    return {
        "format": EXPORT_FORMAT,
        "workspace": workspace.name,
        "email": found.email,
        "exported_at": _json_value(now or timezone.now()),
        "lead": _lead_export(found.lead) if found.lead else None,
        "conversations": [_conversation_export(c) for c in conversations],
        "events": [
            _row(e, ("kind", "url", "referrer", "visitor_id", "occurred_at", "lead_id"))
            for e in events
        ],
    }


def erasure_record_list(*, limit: int = 100) -> list[ErasureRecord]:
    return list(ErasureRecord.objects.all()[:limit])


def erasure_records_for(*, email: str, workspace: Workspace) -> list[ErasureRecord]:
    """Earlier erasures of this address, recognized by its hash (the address is not kept)."""
    hashes = contact_email_hashes(email, workspace=workspace)
    return list(ErasureRecord.objects.filter(email_hash__in=hashes))
