"""Writes about conversations: start one, take a visitor's turn (with discovery follow-ups),
end or abandon it. Its lead is created or updated by `leads.services.leads`."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from billing.quotas import conversation_quota_record
from forms_builder.answers import AnswerInvalid, answer_parse, step_options
from forms_builder.models import Form, StepKind
from forms_builder.runtime import END, first_step_key, next_step_key, step_by_key
from leads.models import (
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from leads.qualification.followups import Followup, followup_choose, followup_topic
from leads.qualification.offline import OfflineEngine
from leads.qualification.transcripts import (
    conversation_transcript,
)
from leads.services.leads import lead_upsert_from_conversation
from tenants.selectors import workspace_current
from tenants.transactions import on_commit_in_current_schema
from webhooks.services import conversation_completed_webhook_queue

# A conversation with no turn for this long is abandoned (its answers are kept)...
ABANDON_AFTER = timedelta(minutes=30)
# ...and the visitor may still come back and carry on for this long after their last turn.
RESUME_WINDOW = timedelta(days=7)

MAX_MESSAGE_LENGTH = 4000

# What a turn reads and writes on a conversation: the rest never changes after it started.
TURN_STATE = ["status", "current_step_key", "answers", "last_turn_at", "ended_at"]
# What an answer that does not end the conversation writes (updated_at by hand: update_fields
# leaves auto_now out otherwise, and the API's sync reads it).
ANSWERED_STATE = ["last_turn_at", "status", "answers", "current_step_key", "updated_at"]


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
    # Counted once the visitor's conversation is saved; past the plan's limit it is marked, never
    # refused, and counting never fails the visitor (billing/quotas.py).
    conversation_quota_record(conversation=conversation, workspace=workspace_current())
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
            conversation.save(update_fields=["last_turn_at", "status", "updated_at"])
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
            conversation.save(update_fields=ANSWERED_STATE)
            messages = [_say(conversation, followup.question, step_key=followup.step_key)]
        elif following == END:
            messages = _conversation_end(conversation, ConversationStatus.COMPLETED, now)
        else:
            conversation.current_step_key = following
            conversation.save(update_fields=ANSWERED_STATE)
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
    conversation.save(update_fields=[*TURN_STATE, "lead", "updated_at"])
    if conversation.lead is not None:
        # Qualified by a worker once this is committed (leads.tasks imports this module). Robust:
        # a broker that cannot take the task is logged, and never fails the visitor's turn.
        from leads.tasks import lead_qualify_task

        lead_id = conversation.lead.pk
        on_commit_in_current_schema(lambda: lead_qualify_task.delay(lead_id), robust=True)
        if status == ConversationStatus.COMPLETED:
            conversation_completed_webhook_queue(conversation_id=conversation.pk)
    if status == ConversationStatus.COMPLETED:
        return [_say(conversation, definition["closing_message"])]
    return []


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
