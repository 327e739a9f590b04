"""Writes about leads: create or update one from a conversation, qualify it, correct its
qualification, and keep an integration's custom fields on it."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from billing.quotas import lead_qualified_record
from forms_builder.models import LeadField
from leads.claims import (
    claimed_qualification,
    claimed_qualification_fields,
    contact_merge,
    qualification_settle,
)
from leads.models import (
    ActivityKind,
    Band,
    Conversation,
    Lead,
    LeadActivity,
    LeadCorrection,
)
from leads.prioritization import lead_place, lead_priority_store
from leads.qualification.base import (
    AUTHORITIES,
    BUDGET_STATUSES,
    DISQUALIFICATION_REASONS,
    NEEDS,
    TIMING_BUCKETS,
    Engine,
    qualification_status,
)
from leads.qualification.engines import engine_get
from leads.qualification.stored import (
    CORRECTED_COLUMNS,
    QUALIFICATION_FIELDS,
    corrections_apply,
    lead_fields_from_qualification,
    status_from_fields,
)
from leads.qualification.transcripts import (
    conversation_own_transcript,
    lead_transcript,
    lead_transcript_prefetch,
)
from leads.scoring.rescore import lead_rescore
from leads.services.alerts import lead_hot_alert_queue
from leads.services.events import visitor_events_claim
from tenants.selectors import workspace_current
from webhooks.models import EventType
from webhooks.services import lead_webhook_queue


def lead_upsert_from_conversation(*, conversation: Conversation) -> Lead | None:
    """The lead this conversation belongs to, created or updated from its contact answers.
    Deduplicated by e-mail, case-insensitively; without any answer there is no lead.

    The conversation that makes the lead sets its contact. One that finds it by the e-mail the
    visitor typed is unverified (leads/claims.py): it fills the lead's blank fields only, and
    what it gave that differs is kept on it as its claims. The caller saves the conversation."""
    if not conversation.answers:
        return conversation.lead
    contact = {}
    for step in conversation.form_version.definition["steps"]:
        value = conversation.answers.get(step["key"])
        if step["lead_field"] and value not in (None, ""):
            contact[step["lead_field"]] = str(value)[: _contact_max_length(step["lead_field"])]
    email = contact.pop(LeadField.EMAIL, None)
    lead = conversation.lead
    if lead is None and email:
        lead = (
            Lead.objects.select_for_update()
            .annotate(email_lower=Lower("email"))
            .filter(email_lower=email.lower())
            .first()
        )
        conversation.unverified = lead is not None
    created = lead is None
    if created:
        # A lead first met past the plan's monthly conversations waits behind an upgrade.
        lead = Lead(email=email or "", over_quota=conversation.over_quota, **contact)
        # In the queue from its first answer, as a lead not qualified yet, with its timer.
        lead_place(lead, workspace=workspace_current())
    else:
        if email and not lead.email:
            lead.email = email
        merge = contact_merge(
            established={name: getattr(lead, name) for name in contact}, given=contact
        )
        for name, value in merge.filled.items():
            setattr(lead, name, value)
        if conversation.unverified:
            # Its own qualification is read again by lead_qualify, from what it says now.
            conversation.claims = {"contact": merge.claimed}
    hidden_country = str(conversation.hidden_fields.get(LeadField.COUNTRY) or "").strip()
    if hidden_country and not lead.country:
        lead.country = hidden_country[:200]
    if created or conversation.last_turn_at > lead.last_activity_at:
        lead.last_activity_at = conversation.last_turn_at
    lead.save()
    lead_webhook_queue(
        event_type=EventType.LEAD_CREATED if created else EventType.LEAD_UPDATED,
        lead_ids=[lead.pk],
    )
    # The pages the visitor saw before saying who they are now count for the lead. No rescore
    # is queued here: the conversation's end queues the lead's qualification, which rescores
    # it first (leads.tasks.lead_qualify_task), after this is committed.
    visitor_events_claim(visitor_id=conversation.visitor_id, lead=lead)
    return lead


def _contact_max_length(lead_field: str) -> int:
    return Lead._meta.get_field(lead_field).max_length


@transaction.atomic
def lead_claim_accept(*, lead: Lead, conversation_id: int, field: str, by) -> bool:
    """A member, having judged it, takes for the lead a contact value that an unverified
    conversation of the lead claimed (leads/claims.py): the lead's value is replaced, the claim
    is settled (gone from the conversation), and the lead's timeline says who did it. Only a
    value the conversation claims can be taken. Says whether the lead changed."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    conversation = (
        Conversation.objects.select_for_update()
        .filter(pk=conversation_id, lead=lead, unverified=True)
        .first()
    )
    claimed = (conversation.claims.get("contact") or {}) if conversation else {}
    if field not in claimed or field not in LeadField.values or field == LeadField.EMAIL:
        raise ValidationError("No conversation of this lead claims that value.", "invalid")
    value = claimed[field]
    conversation.claims = {
        **conversation.claims,
        "contact": {name: v for name, v in claimed.items() if name != field},
    }
    conversation.save(update_fields=["claims", "updated_at"])
    before = getattr(lead, field)
    if before == value:
        return False
    setattr(lead, field, value)
    lead.save(update_fields=[field, "updated_at"])
    LeadActivity.objects.create(
        lead=lead,
        kind=ActivityKind.CLAIM_ACCEPTED,
        detail=f"{LeadField(field).label}: {before or '—'} → {value}"[:300],
        actor=by,
        actor_email=by.email,
    )
    # A job title, a company size or a country counts in the score, and so in the queue.
    lead_rescore(lead=lead)
    lead_priority_store(lead=lead)
    lead_webhook_queue(event_type=EventType.LEAD_UPDATED, lead_ids=[lead.pk])
    return True


def _workspace_engine(workspace) -> tuple[Engine, str]:
    """The workspace's engine, or the offline one when it cannot be made (OpenAI without a key);
    the second value then says which engine was wanted."""
    try:
        return engine_get(workspace.qualification_engine), ""
    except ValueError:
        return engine_get("offline"), workspace.qualification_engine


def _lead_corrections(lead: Lead) -> dict[str, str]:
    """The latest corrected value of each field an admin corrected."""
    return {c.field: c.new_value for c in lead.corrections.order_by("created_at", "pk")}


def _lead_store(lead: Lead, fields: dict, *, sql_min_buying_signals: int, **also) -> bool:
    """Store the boxes, the status they give and `also` on the lead, unless the boxes and status
    are already there; says whether it wrote."""
    fields = {
        **fields,
        "qualification_status": status_from_fields(
            fields, sql_min_buying_signals=sql_min_buying_signals
        ),
    }
    if all(getattr(lead, name) == value for name, value in fields.items()):
        return False
    fields.update(also)
    for name, value in fields.items():
        setattr(lead, name, value)
    lead.save(update_fields=[*fields, "updated_at"])
    return True


@transaction.atomic
def lead_qualify(*, lead: Lead, engine: Engine | None = None) -> Lead:
    """Qualify the lead from everything said in the conversations that establish it, with the
    workspace's engine (or `engine`), and store the conclusion on the lead under the
    corrections admins made. Each unverified conversation is qualified on its own once (kept
    on it as its claim) and replaces that conclusion only where it ranks the lead higher
    (leads/claims.py).

    Idempotent: the same conversations give the same stored result, and a result equal to the
    stored one is not written again (qualified_at then keeps the time of the first run)."""
    lead = (
        Lead.objects.select_for_update()
        .prefetch_related(*lead_transcript_prefetch())
        .get(pk=lead.pk)
    )
    conversations = list(lead.conversations.all())
    unverified = [c for c in conversations if c.unverified]
    transcript = lead_transcript(lead, conversations=[c for c in conversations if not c.unverified])
    if transcript is None and not unverified:  # nothing said yet: nothing to conclude
        return lead
    workspace = workspace_current()
    wanted = ""
    if engine is None:
        engine, wanted = _workspace_engine(workspace)
    corrections = _lead_corrections(lead)

    def conclusion(transcript) -> dict:
        q = engine.qualify(transcript)
        if wanted and not q.fallback_from:
            q.fallback_from, q.fallback_reason = wanted, "not configured on this server"
        q.status = qualification_status(q, sql_min_buying_signals=workspace.sql_min_buying_signals)
        return lead_fields_from_qualification(q)

    if transcript is not None:
        established = corrections_apply(conclusion(transcript), corrections)
    elif lead.qualified_at is not None:  # the establishing words are gone (retention)
        established = {name: getattr(lead, name) for name in QUALIFICATION_FIELDS}
    else:
        established = None
    claimed = [
        corrections_apply(claimed_qualification_fields(own), corrections)
        for conversation in unverified
        if (own := _conversation_claimed_qualification(conversation, conclusion, workspace))
    ]
    if established is None and not claimed:
        return lead
    fields = qualification_settle(
        established=established,
        candidates=claimed,
        score=lead.score,
        sql_min_buying_signals=workspace.sql_min_buying_signals,
    )
    changed = _lead_store(
        lead,
        fields,
        sql_min_buying_signals=workspace.sql_min_buying_signals,
        qualified_at=timezone.now(),
    )
    if changed:  # qualifying again to the same conclusion tells integrators nothing new
        lead_webhook_queue(event_type=EventType.LEAD_QUALIFIED, lead_ids=[lead.pk])
    # Its place in the call queue follows from what was just stored (and its current score).
    _lead_place_and_alert(lead, workspace)
    # Counted against the month's qualified leads, or billed per lead (billing/quotas.py).
    lead_qualified_record(lead=lead, workspace=workspace)
    return lead


def _conversation_claimed_qualification(conversation, conclusion, workspace) -> dict | None:
    """What an unverified conversation alone concludes, as claimed_qualification keeps it:
    read once, kept on the conversation (its end clears it, see lead_upsert_from_conversation),
    so that a lead qualified again asks the engine nothing more about it."""
    own = conversation.claims.get("qualification")
    if own is None:
        transcript = conversation_own_transcript(conversation)
        if transcript is None:
            return None
        fields = conclusion(transcript)
        fields["qualification_status"] = status_from_fields(
            fields, sql_min_buying_signals=workspace.sql_min_buying_signals
        )
        own = claimed_qualification(fields)
        conversation.claims = {**conversation.claims, "qualification": own}
        conversation.save(update_fields=["claims", "updated_at"])
    return own


def _lead_place_and_alert(lead: Lead, workspace) -> None:
    """Store the lead's place in the call queue; a lead that just entered the top band is
    announced by e-mail once this commits. Only an entry alerts: a lead qualified again that
    stays hot is not announced twice."""
    if lead_priority_store(lead=lead, workspace=workspace) == Band.HOT:
        lead_hot_alert_queue(lead=lead)


# What an admin may set each corrected field to: FORMAT.md's labels ("" is not disqualified).
CORRECTION_VALUES = {
    "budget": BUDGET_STATUSES,
    "authority": AUTHORITIES,
    "need": NEEDS,
    "timing": TIMING_BUCKETS,
    "disqualification": ("", *DISQUALIFICATION_REASONS),
}


def lead_corrected_values(lead: Lead) -> dict[str, str]:
    """What each correctable field holds on the lead now (a blank box reads as unknown)."""
    values = {box: getattr(lead, column) for box, column in CORRECTED_COLUMNS.items()}
    return {
        box: value or ("" if box == "disqualification" else "unknown")
        for box, value in values.items()
    }


@transaction.atomic
def lead_correct(*, lead: Lead, values: dict[str, str], corrected_by) -> list[LeadCorrection]:
    """An admin's corrections of a lead's boxes (field -> label, see CORRECTION_VALUES): each
    change is kept with who made it and when, and overrides the engine on the lead from now on.
    Fields given their current value are left alone; returns the corrections made."""
    for box, value in values.items():
        if value not in CORRECTION_VALUES.get(box, ()):
            raise ValidationError(f"{value!r} is not a value of {box!r}.", "invalid")
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    current = lead_corrected_values(lead)
    corrections = LeadCorrection.objects.bulk_create(
        LeadCorrection(
            lead=lead,
            field=box,
            old_value=current[box],
            new_value=value,
            corrected_by=corrected_by,
            corrected_by_email=corrected_by.email,
        )
        for box, value in values.items()
        if value != current[box]
    )
    if corrections:
        stored = {name: getattr(lead, name) for name in QUALIFICATION_FIELDS}
        fields = corrections_apply(stored, {c.field: c.new_value for c in corrections})
        workspace = workspace_current()
        _lead_store(lead, fields, sql_min_buying_signals=workspace.sql_min_buying_signals)
        _lead_place_and_alert(lead, workspace)
        lead_webhook_queue(event_type=EventType.LEAD_UPDATED, lead_ids=[lead.pk])
    return corrections


# Custom fields are an integration's notes on a lead (a CRM id, a stage), not a database of its
# own: bounded so that a lead stays a small row and its page a short list.
CUSTOM_FIELDS_MAX = 50
CUSTOM_FIELD_NAME_MAX = 40
CUSTOM_FIELD_TEXT_MAX = 500
CUSTOM_FIELD_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def _custom_field_errors(changes: dict) -> list[str]:
    errors = []
    for name, value in changes.items():
        if not (
            isinstance(name, str)
            and len(name) <= CUSTOM_FIELD_NAME_MAX
            and CUSTOM_FIELD_NAME.match(name)
        ):
            errors.append(
                f"{str(name)[:60]!r}: a name is 1 to {CUSTOM_FIELD_NAME_MAX} letters, digits, "
                "dots, dashes or underscores."
            )
        elif isinstance(value, (dict, list)):
            errors.append(f"{name!r}: a value is a string, a number, true, false or null.")
        elif isinstance(value, str) and len(value) > CUSTOM_FIELD_TEXT_MAX:
            errors.append(f"{name!r}: at most {CUSTOM_FIELD_TEXT_MAX} characters.")
    return errors


@transaction.atomic
def lead_custom_fields_update(*, lead: Lead, changes: dict) -> Lead:
    """Merge `changes` into the lead's custom fields: each name set to its value, a name set to
    None removed (as Stripe's metadata does, so that an integration sends only what changed).
    Names are short identifiers; values strings, numbers or booleans."""
    if not isinstance(changes, dict):
        raise ValidationError({"custom_fields": "An object of names to values."})
    errors = _custom_field_errors(changes)
    if errors:
        raise ValidationError({"custom_fields": " ".join(errors[:3])})
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    fields = {**lead.custom_fields, **changes}
    fields = {name: value for name, value in fields.items() if value is not None}
    if len(fields) > CUSTOM_FIELDS_MAX:
        raise ValidationError(
            {"custom_fields": f"A lead holds at most {CUSTOM_FIELDS_MAX} custom fields."}
        )
    if fields != lead.custom_fields:
        lead.custom_fields = fields
        lead.save(update_fields=["custom_fields", "updated_at"])
    return lead
