"""Writes about conversations and leads: start a conversation, take a visitor's turn, end or
abandon it, create or update the lead it belongs to, qualify the lead and correct its
qualification."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from forms_builder.answers import AnswerInvalid, answer_parse, step_options
from forms_builder.models import Form, LeadField, StepKind
from forms_builder.runtime import END, first_step_key, next_step_key, step_by_key
from leads.models import (
    Conversation,
    ConversationStatus,
    Lead,
    LeadCorrection,
    Message,
    MessageRole,
)
from leads.prioritization import lead_priority_store
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
from leads.qualification.followups import Followup, followup_choose, followup_topic
from leads.qualification.offline import OfflineEngine
from leads.qualification.stored import (
    CORRECTED_COLUMNS,
    QUALIFICATION_FIELDS,
    corrections_apply,
    lead_fields_from_qualification,
    status_from_fields,
)
from leads.qualification.transcripts import (
    conversation_transcript,
    lead_transcript,
    lead_transcript_prefetch,
)
from tenants.selectors import workspace_current
from tenants.transactions import on_commit_in_current_schema

# A conversation with no turn for this long is abandoned (its answers are kept)...
ABANDON_AFTER = timedelta(minutes=30)
# ...and the visitor may still come back and carry on for this long after their last turn.
RESUME_WINDOW = timedelta(days=7)

MAX_MESSAGE_LENGTH = 4000

# What a turn reads and writes on a conversation: the rest never changes after it started.
TURN_STATE = ["status", "current_step_key", "answers", "last_turn_at", "ended_at"]


class ConversationClosed(Exception):
    """The conversation is over (completed, or past its resume window)."""


@dataclass
class TurnResult:
    conversation: Conversation
    messages: list[Message] = field(default_factory=list)
    error: str = ""


def _say(conversation: Conversation, text: str, step_key: str = "") -> Message:
    return Message.objects.create(
        conversation=conversation, role=MessageRole.ASSISTANT, text=text, step_key=step_key
    )


def _ask(conversation: Conversation, key: str) -> Message:
    step = step_by_key(conversation.form_version.definition, key)
    return _say(conversation, step["prompt"], step_key=key)


def _waiting_step(definition: dict, key: str) -> dict:
    """The step waiting for an answer: one of the form's, or a discovery follow-up, which takes
    free text as a required long-text step does."""
    if followup_topic(key):
        return {
            "key": key,
            "kind": StepKind.LONG_TEXT,
            "required": True,
            "options": [],
            "branches": [],
            "lead_field": "",
        }
    return step_by_key(definition, key)


def _followup_next(conversation: Conversation, now) -> Followup | None:
    """The discovery question to ask now, if any. Only the offline engine runs here (about a
    millisecond and a half): the visitor is waiting for the reply."""
    transcript = conversation_transcript(conversation=conversation, today=timezone.localdate(now))
    asked = [topic for key in conversation.answers if (topic := followup_topic(key))]
    return followup_choose(
        OfflineEngine().qualify(transcript),
        transcript=transcript,
        asked=asked,
        seed=conversation.pk,
    )


@transaction.atomic
def conversation_start(
    *,
    form: Form,
    visitor_id: str = "",
    hidden_fields: dict | None = None,
    utm: dict | None = None,
    referrer: str = "",
    landing_page: str = "",
) -> TurnResult:
    version = form.published_version
    definition = version.definition
    declared = set(definition["hidden_fields"])
    conversation = Conversation.objects.create(
        form=form,
        form_version=version,
        visitor_id=visitor_id[:64],
        hidden_fields={k: str(v)[:500] for k, v in (hidden_fields or {}).items() if k in declared},
        utm={k: str(v)[:200] for k, v in (utm or {}).items()},
        referrer=referrer[:2000],
        landing_page=landing_page[:2000],
        current_step_key=first_step_key(definition),
    )
    messages = [_say(conversation, definition["welcome_message"])]
    messages.append(_ask(conversation, conversation.current_step_key))
    return TurnResult(conversation=conversation, messages=messages)


def conversation_is_resumable(conversation: Conversation, now=None) -> bool:
    now = now or timezone.now()
    return (
        conversation.status != ConversationStatus.COMPLETED
        and now - conversation.last_turn_at <= RESUME_WINDOW
    )


def conversation_turn(*, conversation: Conversation, text: str) -> TurnResult:
    """Take the visitor's answer to the step waiting for one and say what comes next."""
    if not conversation_is_resumable(conversation):
        raise ConversationClosed
    text = (text or "")[:MAX_MESSAGE_LENGTH]

    # The visitor's words are saved first, in a transaction of their own: whatever fails
    # afterwards, the transcript keeps what they said.
    Message.objects.create(
        conversation=conversation,
        role=MessageRole.VISITOR,
        text=text,
        step_key=conversation.current_step_key,
    )

    with transaction.atomic():
        # Lock the row and re-read what a concurrent turn may have changed. The form version is
        # frozen, so the copy loaded with the conversation stays right.
        conversation.refresh_from_db(
            fields=TURN_STATE, from_queryset=Conversation.objects.select_for_update()
        )
        now = timezone.now()
        conversation.last_turn_at = now
        conversation.status = ConversationStatus.ACTIVE  # a return after abandoning resumes
        definition = conversation.form_version.definition
        step = _waiting_step(definition, conversation.current_step_key)
        try:
            value = answer_parse(step, text, definition["language"])
        except AnswerInvalid as invalid:
            conversation.save(update_fields=["last_turn_at", "status"])
            return TurnResult(conversation=conversation, error=invalid.message)

        conversation.answers[step["key"]] = value
        # Once the form's own steps are done, discovery follow-ups ask what is still unknown.
        if followup_topic(step["key"]):
            following = END
        else:
            following = next_step_key(definition, step["key"], value)
        followup = _followup_next(conversation, now) if following == END else None
        if followup:
            conversation.current_step_key = followup.step_key
            conversation.save(
                update_fields=["last_turn_at", "status", "answers", "current_step_key"]
            )
            messages = [_say(conversation, followup.question, step_key=followup.step_key)]
        elif following == END:
            messages = _conversation_end(conversation, ConversationStatus.COMPLETED, now)
        else:
            conversation.current_step_key = following
            conversation.save(
                update_fields=["last_turn_at", "status", "answers", "current_step_key"]
            )
            messages = [_ask(conversation, following)]
    return TurnResult(conversation=conversation, messages=messages)


def _conversation_end(conversation: Conversation, status: str, now) -> list[Message]:
    definition = conversation.form_version.definition
    conversation.status = status
    if status == ConversationStatus.COMPLETED:
        conversation.current_step_key = ""
    # An abandoned conversation keeps its waiting step: the visitor may come back to it.
    conversation.ended_at = now
    conversation.lead = lead_upsert_from_conversation(conversation=conversation)
    conversation.save(update_fields=[*TURN_STATE, "lead"])
    if conversation.lead is not None:
        # Qualified by a worker once this is committed (leads.tasks imports this module). Robust:
        # a broker that cannot take the task is logged, and never fails the visitor's turn.
        from leads.tasks import lead_qualify_task

        lead_id = conversation.lead.pk
        on_commit_in_current_schema(lambda: lead_qualify_task.delay(lead_id), robust=True)
    if status == ConversationStatus.COMPLETED:
        return [_say(conversation, definition["closing_message"])]
    return []


def lead_upsert_from_conversation(*, conversation: Conversation) -> Lead | None:
    """The lead this conversation belongs to, created or updated from its contact answers.
    Deduplicated by e-mail, case-insensitively; without any answer there is no lead."""
    if not conversation.answers:
        return conversation.lead
    contact = {}
    for step in conversation.form_version.definition["steps"]:
        value = conversation.answers.get(step["key"])
        if step["lead_field"] and value not in (None, ""):
            contact[step["lead_field"]] = str(value)
    email = contact.pop(LeadField.EMAIL, None)
    lead = conversation.lead
    if lead is None and email:
        lead = (
            Lead.objects.select_for_update()
            .annotate(email_lower=Lower("email"))
            .filter(email_lower=email.lower())
            .first()
        )
    if lead is None:
        lead = Lead(email=email or "")
    elif email and not lead.email:
        lead.email = email
    for name, value in contact.items():
        setattr(lead, name, value[:200])
    if lead.pk is None or conversation.last_turn_at > lead.last_activity_at:
        lead.last_activity_at = conversation.last_turn_at
    lead.save()
    return lead


def conversations_abandon_stale(*, now=None) -> int:
    """Mark conversations with no turn for ABANDON_AFTER as abandoned, keeping their answers
    in a lead. Returns how many were abandoned."""
    now = now or timezone.now()
    stale = Conversation.objects.filter(
        status=ConversationStatus.ACTIVE, last_turn_at__lt=now - ABANDON_AFTER
    ).values_list("pk", flat=True)
    count = 0
    for pk in stale.iterator():
        with transaction.atomic():
            conversation = (
                Conversation.objects.select_for_update(skip_locked=True)
                .select_related("form_version")
                .filter(pk=pk, status=ConversationStatus.ACTIVE)
                .first()
            )
            if conversation is None:
                continue
            _conversation_end(conversation, ConversationStatus.ABANDONED, now)
            count += 1
    return count


def step_payload(conversation: Conversation) -> dict | None:
    """What the chat needs to draw the step waiting for an answer."""
    if not conversation.current_step_key:
        return None
    step = _waiting_step(conversation.form_version.definition, conversation.current_step_key)
    return {
        "key": step["key"],
        "kind": step["kind"],
        "required": step["required"],
        "options": step_options(step),
    }


# --- Qualification --------------------------------------------------------------------------


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
    lead.save(update_fields=list(fields))
    return True


@transaction.atomic
def lead_qualify(*, lead: Lead, engine: Engine | None = None) -> Lead:
    """Qualify the lead from everything said in its conversations, with the workspace's engine
    (or `engine`), and store the conclusion on the lead under the corrections admins made.

    Idempotent: the same conversations give the same stored result, and a result equal to the
    stored one is not written again (qualified_at then keeps the time of the first run)."""
    lead = (
        Lead.objects.select_for_update()
        .prefetch_related(*lead_transcript_prefetch())
        .get(pk=lead.pk)
    )
    transcript = lead_transcript(lead)
    if transcript is None:  # nothing said yet: nothing to conclude
        return lead
    workspace = workspace_current()
    wanted = ""
    if engine is None:
        engine, wanted = _workspace_engine(workspace)
    q = engine.qualify(transcript)
    if wanted and not q.fallback_from:
        q.fallback_from, q.fallback_reason = wanted, "not configured on this server"
    q.status = qualification_status(q, sql_min_buying_signals=workspace.sql_min_buying_signals)
    fields = corrections_apply(lead_fields_from_qualification(q), _lead_corrections(lead))
    _lead_store(
        lead,
        fields,
        sql_min_buying_signals=workspace.sql_min_buying_signals,
        qualified_at=timezone.now(),
    )
    # Its place in the call queue follows from what was just stored (and its current score).
    lead_priority_store(lead=lead, weight=workspace.priority_score_weight)
    return lead


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
        lead_priority_store(lead=lead, weight=workspace.priority_score_weight)
    return corrections
