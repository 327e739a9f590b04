"""Writes about conversations: start one, take a visitor's turn (with discovery follow-ups),
end or abandon it. Its lead is created or updated by `leads.services.leads`."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from billing.quotas import conversation_quota_record
from config.untrusted import text_problems, words_clean
from forms_builder.answers import AnswerInvalid, answer_parse, step_options
from forms_builder.models import Form, FormVersion, StepKind
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
from tenants.transactions import task_queue_on_commit
from webhooks.services import conversation_completed_webhook_queue

# A conversation with no turn for this long is abandoned (its answers are kept)...
ABANDON_AFTER = timedelta(minutes=30)
# ...and the visitor may still come back and carry on for this long after their last turn.
RESUME_WINDOW = timedelta(days=7)

MAX_MESSAGE_LENGTH = 4000

# What a turn reads and writes on a conversation: the rest never changes after it started.
TURN_STATE = ["status", "current_step_key", "answers", "last_turn_at", "ended_at"]
# What any turn writes, even one whose answer is refused: with the status, the compare and set of
# concurrent turns (see _turn_take).
TURN_TOUCH = ("last_turn_at", "status")
# Turns of one conversation racing each other retry this often before the visitor is told to
# send again (each failure means another turn of it went through).
TURN_ATTEMPTS = 5

# The columns a turn reads of its conversation, in their fields' order (Model.from_db's), and
# the definition of its frozen form version.
CONVERSATION_FIELDS = Conversation._meta.concrete_fields
VERSION_FIELDS = [
    FormVersion._meta.pk,
    *(FormVersion._meta.get_field(n) for n in ("form", "definition")),
]

# A turn's first statement: find the conversation and save the visitor's words to it, unless it is
# over (completed, or its last turn is older than RESUME_WINDOW: conversation_is_resumable).
# Prepared (see _prepared_rows), so its columns are named.
SAID_SQL = f"""
WITH found AS (
    SELECT {", ".join(f"conversation.{f.column}" for f in CONVERSATION_FIELDS)},
        {", ".join(f"version.{f.column} AS version_{f.column}" for f in VERSION_FIELDS)}
    FROM {Conversation._meta.db_table} AS conversation
    JOIN {Form._meta.db_table} AS form ON form.id = conversation.form_id
    JOIN {FormVersion._meta.db_table} AS version ON version.id = conversation.form_version_id
    WHERE conversation.token = %s AND (%s::text IS NULL OR form.slug = %s)
), said AS (
    INSERT INTO {Message._meta.db_table} (conversation_id, role, text, step_key, created_at)
    SELECT id, %s, %s, current_step_key, %s FROM found WHERE status <> %s AND last_turn_at >= %s
    RETURNING id
)
SELECT found.*, EXISTS (SELECT FROM said) AS said FROM found
"""  # noqa: S608

# What the follow-ups are chosen from: the conversation's messages, oldest first.
TRANSCRIPT_SQL = f"""
SELECT role, text FROM {Message._meta.db_table} WHERE conversation_id = %s ORDER BY id
"""  # noqa: S608

# The common turn's write: the conversation moves to its next step and the assistant asks it, in
# one statement, if no other turn changed the conversation since it was read. (Only table names
# are interpolated, from the models.)
ADVANCE_SQL = f"""
WITH advanced AS (
    UPDATE {Conversation._meta.db_table}
    SET status = %s, current_step_key = %s, answers = %s, last_turn_at = %s, updated_at = %s
    WHERE id = %s AND status = %s AND last_turn_at = %s
    RETURNING id
)
INSERT INTO {Message._meta.db_table} (conversation_id, role, text, step_key, created_at)
SELECT id, %s, %s, %s, %s FROM advanced
RETURNING id
"""  # noqa: S608


class ConversationClosed(Exception):
    """The conversation is over (completed, or past its resume window)."""


class ConversationNotFound(Exception):
    """No conversation has this token (on this form)."""


class ConversationBusy(Exception):
    """Other turns of the conversation kept changing it while this one was being taken."""


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
    third of a millisecond): the visitor is waiting for the reply."""
    transcript = conversation_transcript(
        conversation=conversation,
        messages=_prepared_rows(TRANSCRIPT_SQL, [conversation.pk]),
        today=timezone.localdate(now),
    )
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


def conversation_turn(*, token: str, text: str, form_slug: str | None = None) -> TurnResult:
    """Take the visitor's answer to the step waiting for one and say what comes next. The
    conversation is the one of `token` (on the form of `form_slug`, when given). The words are
    kept without what is not text (config/untrusted.py); a token that is not text names none."""
    if text_problems(token):
        raise ConversationNotFound
    text = words_clean(text or "")[:MAX_MESSAGE_LENGTH]
    conversation = _conversation_said(token=token, form_slug=form_slug, text=text)
    for _attempt in range(TURN_ATTEMPTS):
        result = _turn_take(conversation, text)
        if result is not None:
            return result
        # Another turn of this conversation (a double submit, a second tab) moved it on since it
        # was read: this answer goes to the step waiting now, as if the two came one by one.
        conversation.refresh_from_db(fields=TURN_STATE)
        if not conversation_is_resumable(conversation):
            raise ConversationClosed
    raise ConversationBusy


def _conversation_said(*, token: str, form_slug: str | None, text: str) -> Conversation:
    """The conversation of `token`, with the visitor's words saved to it first: finding it and
    saving them is one statement, committed on its own, so whatever fails afterwards, the
    transcript keeps what they said. Nothing is saved to a conversation that is over."""
    now = timezone.now()
    rows = _prepared_rows(
        SAID_SQL,
        [
            token,
            form_slug,
            form_slug,
            MessageRole.VISITOR,
            text,
            now,
            ConversationStatus.COMPLETED,
            now - RESUME_WINDOW,
        ],
    )
    if not rows:
        raise ConversationNotFound
    *columns, said = rows[0]
    if not said:
        raise ConversationClosed
    split = len(CONVERSATION_FIELDS)
    conversation = _model_from_row(Conversation, CONVERSATION_FIELDS, columns[:split])
    # The version the conversation started with, read in the same statement: frozen, so only
    # what the turn reads is loaded, the rest on demand.
    conversation.form_version = _model_from_row(FormVersion, VERSION_FIELDS, columns[split:])
    return conversation


def _prepared_rows(sql: str, params: list) -> list[tuple]:
    """The rows of one of a turn's statements, prepared on the connection: run on every turn,
    they are planned once rather than on each run (planning took longer than running them), and
    skip the ORM's compiling too."""
    with connection.prepared_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _model_from_row(model, fields, values):
    """An instance of `model` holding `fields`, from their columns' `values` as a queryset reads
    them (JSON decoded)."""
    converted = [
        field.from_db_value(value, None, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, values, strict=True)
    ]
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


def _turn_take(conversation: Conversation, text: str) -> TurnResult | None:
    """The turn, written only if the conversation is still as it was read (compare and set on
    its status and last turn, which every turn changes), else None. No row is locked while the
    answer is parsed and the follow-up chosen, and the common turn is one statement."""
    read = {"status": conversation.status, "last_turn_at": conversation.last_turn_at}
    now = timezone.now()
    conversation.last_turn_at = now
    conversation.status = ConversationStatus.ACTIVE  # a return after abandoning resumes
    definition = conversation.form_version.definition
    step = _waiting_step(definition, conversation.current_step_key)
    try:
        value = answer_parse(step, text, definition["language"])
    except AnswerInvalid as invalid:
        if not _conversation_update_if_unchanged(conversation, read, fields=TURN_TOUCH):
            return None
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
        reply = _conversation_advance(conversation, read, followup.question)
    elif following == END:
        with transaction.atomic():
            if not _conversation_update_if_unchanged(conversation, read, fields=TURN_TOUCH):
                return None
            return TurnResult(
                conversation=conversation,
                messages=_conversation_end(conversation, ConversationStatus.COMPLETED, now),
            )
    else:
        conversation.current_step_key = following
        reply = _conversation_advance(
            conversation, read, step_by_key(definition, following)["prompt"]
        )
    if reply is None:
        return None
    return TurnResult(conversation=conversation, messages=[reply])


def _conversation_update_if_unchanged(conversation: Conversation, read: dict, *, fields) -> bool:
    """Write `fields` of the conversation if its status and last turn are still `read`. Inside a
    transaction, the row stays locked until it ends."""
    changed = {name: getattr(conversation, name) for name in fields}
    return bool(
        Conversation.objects.filter(pk=conversation.pk, **read).update(
            **changed, updated_at=conversation.last_turn_at
        )
    )


def _conversation_advance(conversation: Conversation, read: dict, question: str) -> Message | None:
    """Save the conversation's answers and next step, and the assistant's question for it, in
    one statement (so together, and in one round trip), if its status and last turn are still
    `read`; None otherwise."""
    answers = Conversation._meta.get_field("answers").get_db_prep_value(
        conversation.answers, connection
    )
    reply = Message(
        conversation=conversation,
        role=MessageRole.ASSISTANT,
        text=question,
        step_key=conversation.current_step_key,
        created_at=conversation.last_turn_at,
    )
    rows = _prepared_rows(
        ADVANCE_SQL,
        [
            conversation.status,
            conversation.current_step_key,
            answers,
            conversation.last_turn_at,
            conversation.last_turn_at,
            conversation.pk,
            read["status"],
            read["last_turn_at"],
            reply.role,
            reply.text,
            reply.step_key,
            reply.created_at,
        ],
    )
    if not rows:
        return None
    reply.pk = rows[0][0]
    return reply


def _conversation_end(conversation: Conversation, status: str, now) -> list[Message]:
    definition = conversation.form_version.definition
    conversation.status = status
    if status == ConversationStatus.COMPLETED:
        conversation.current_step_key = ""
    # An abandoned conversation keeps its waiting step: the visitor may come back to it.
    conversation.ended_at = now
    conversation.lead = lead_upsert_from_conversation(conversation=conversation)
    conversation.save(update_fields=[*TURN_STATE, "lead", "unverified", "claims", "updated_at"])
    if conversation.lead is not None:
        # Qualified by a worker once this is committed (leads.tasks imports this module). Robust:
        # a broker that cannot take the task is logged, and never fails the visitor's turn.
        from leads.tasks import lead_qualify_task

        lead_id = conversation.lead.pk
        task_queue_on_commit(lead_qualify_task, lead_id)
        if status == ConversationStatus.COMPLETED:
            conversation_completed_webhook_queue(conversation_id=conversation.pk)
    if status == ConversationStatus.COMPLETED:
        return [_say(conversation, definition["closing_message"])]
    return []


def conversations_abandon_stale(*, now=None) -> int:
    """Mark conversations with no turn for ABANDON_AFTER as abandoned, keeping their answers
    in a lead. Returns how many were abandoned."""
    now = now or timezone.now()
    stale_before = now - ABANDON_AFTER
    stale = Conversation.objects.filter(
        status=ConversationStatus.ACTIVE, last_turn_at__lt=stale_before
    ).values_list("pk", flat=True)
    count = 0
    for pk in stale.iterator():
        with transaction.atomic():
            conversation = (
                Conversation.objects.select_for_update(skip_locked=True)
                .select_related("form_version")
                # Still stale once locked: a turn may have come in since the list was read.
                .filter(pk=pk, status=ConversationStatus.ACTIVE, last_turn_at__lt=stale_before)
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
