"""A turn, seen from the conversation service: what it saves, and how turns of one conversation
that come at once (a double submit, a second tab) are taken without a lock."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_builder.answers import answer_parse
from forms_builder.services import form_create, form_publish
from leads.models import Conversation, ConversationStatus, Message, MessageRole
from leads.services import conversations
from leads.services.conversations import (
    ConversationBusy,
    ConversationClosed,
    ConversationNotFound,
    conversation_start,
    conversation_turn,
)
from tenants.postgresql_backend.base import PREPARE_THRESHOLD

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(workspace_a):
    with schema_context(workspace_a.schema_name):
        form = form_create(name="Contact")
        form_publish(form=form)
        yield conversation_start(form=form).conversation


def visitor_words(conversation) -> list[tuple[str, str]]:
    return list(
        Message.objects.filter(conversation=conversation, role=MessageRole.VISITOR).values_list(
            "step_key", "text"
        )
    )


def another_turn_in_between(monkeypatch, *, token: str, times: int, text: str) -> None:
    """Make the next `times` turns' reads go stale: while each parses its answer, another turn
    of the same conversation (`text`) goes through, as a concurrent request would."""
    left = [times]

    def parse_then_interrupt(step, value, language):
        parsed = answer_parse(step, value, language)
        if left[0] > 0 and value != text:
            left[0] -= 1
            conversation_turn(token=token, text=text)
        return parsed

    monkeypatch.setattr(conversations, "answer_parse", parse_then_interrupt)


def test_a_turn_saves_the_visitor_words_then_asks_the_next_step(conversation):
    first_step = conversation.current_step_key
    result = conversation_turn(token=conversation.token, text="We lose hours on bad leads")

    assert visitor_words(conversation) == [(first_step, "We lose hours on bad leads")]
    assert result.conversation.answers == {first_step: "We lose hours on bad leads"}
    assert result.conversation.current_step_key != first_step
    reply = Message.objects.filter(conversation=conversation).last()
    assert (reply.role, reply.step_key) == (
        MessageRole.ASSISTANT,
        result.conversation.current_step_key,
    )
    assert [m.pk for m in result.messages] == [reply.pk]


def test_two_turns_at_once_are_both_taken_one_after_the_other(conversation, monkeypatch):
    first_step = conversation.current_step_key
    another_turn_in_between(monkeypatch, token=conversation.token, times=1, text="A need")

    result = conversation_turn(token=conversation.token, text="ada@example.com")

    # The turn that went through first answered the first step; the other, whose read went
    # stale, was taken again from where the conversation then stood: the e-mail step.
    stored = Conversation.objects.get(pk=conversation.pk)
    second_step = conversation.form_version.definition["steps"][1]["key"]
    assert stored.answers == {first_step: "A need", second_step: "ada@example.com"}
    assert result.conversation.current_step_key == stored.current_step_key
    assert {text for _key, text in visitor_words(conversation)} == {"ada@example.com", "A need"}


def test_a_turn_that_keeps_losing_the_race_is_refused_with_its_words_kept(
    conversation, monkeypatch
):
    conversation_turn(token=conversation.token, text="A need")  # now on the e-mail step
    # Each attempt is beaten by another (refused) answer to the same step.
    another_turn_in_between(
        monkeypatch, token=conversation.token, times=conversations.TURN_ATTEMPTS, text="not mail"
    )

    with pytest.raises(ConversationBusy):
        conversation_turn(token=conversation.token, text="ada@example.com")
    assert "ada@example.com" in [text for _key, text in visitor_words(conversation)]


def test_a_finished_conversation_is_refused_and_nothing_is_saved_to_it(conversation):
    Conversation.objects.filter(pk=conversation.pk).update(status=ConversationStatus.COMPLETED)

    with pytest.raises(ConversationClosed):
        conversation_turn(token=conversation.token, text="one more thing")
    assert visitor_words(conversation) == []


def test_a_conversation_past_its_resume_window_is_refused_and_nothing_is_saved(conversation):
    long_ago = timezone.now() - conversations.RESUME_WINDOW - timedelta(minutes=1)
    Conversation.objects.filter(pk=conversation.pk).update(
        status=ConversationStatus.ABANDONED, last_turn_at=long_ago
    )

    with pytest.raises(ConversationClosed):
        conversation_turn(token=conversation.token, text="I am back")
    assert visitor_words(conversation) == []


def test_a_return_within_the_resume_window_carries_on(conversation):
    yesterday = timezone.now() - timedelta(days=1)
    Conversation.objects.filter(pk=conversation.pk).update(
        status=ConversationStatus.ABANDONED, last_turn_at=yesterday
    )

    result = conversation_turn(token=conversation.token, text="I am back")

    assert result.conversation.status == ConversationStatus.ACTIVE
    assert Conversation.objects.get(pk=conversation.pk).status == ConversationStatus.ACTIVE


def test_an_unknown_token_or_another_forms_slug_finds_no_conversation(conversation):
    with pytest.raises(ConversationNotFound):
        conversation_turn(token="no-such-token", text="hello")
    with pytest.raises(ConversationNotFound):
        conversation_turn(token=conversation.token, form_slug="another-form", text="hello")
    assert visitor_words(conversation) == []


def test_turns_prepared_in_one_workspace_find_only_the_conversations_of_another(
    workspace_a, workspace_b
):
    """A turn's statements are prepared on the connection once they have run a few times, and
    prepared statements outlive the request: the next workspace's turns must read its own
    tables."""
    started = {}
    for workspace in (workspace_a, workspace_b):
        with schema_context(workspace.schema_name):
            form = form_create(name="Contact")
            form_publish(form=form)
            started[workspace.slug] = [
                conversation_start(form=form).conversation.token
                for _ in range(PREPARE_THRESHOLD + 1)
            ]
    with schema_context(workspace_a.schema_name):
        for token in started[workspace_a.slug]:
            conversation_turn(token=token, form_slug="contact", text="We lose hours")
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        assert any("WITH found AS" in statement for (statement,) in cursor.fetchall())

    with schema_context(workspace_b.schema_name):
        with pytest.raises(ConversationNotFound):
            conversation_turn(token=started[workspace_a.slug][0], text="hello")
        result = conversation_turn(token=started[workspace_b.slug][0], text="Ours")
        assert [m.text for m in Message.objects.filter(role=MessageRole.VISITOR)] == ["Ours"]
    assert result.conversation.token == started[workspace_b.slug][0]


def test_a_token_is_unique_and_only_exact_lookups_are_indexed(conversation, workspace_a):
    """The LIKE index Django would add beside a unique CharField is not there: every turn's
    write would keep it up to date, and tokens are only ever matched exactly."""
    with schema_context(workspace_a.schema_name):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = 'leads_conversation' AND indexdef LIKE '%%(token%%'"
            )
            # (A workspace cloned from the template has its own name for the unique index.)
            definitions = [row[0] for row in cursor.fetchall()]
        assert len(definitions) == 1
        assert definitions[0].startswith("CREATE UNIQUE INDEX ")
        assert definitions[0].endswith(".leads_conversation USING btree (token)")
        with pytest.raises(IntegrityError), transaction.atomic():
            Conversation.objects.create(
                form=conversation.form,
                form_version=conversation.form_version,
                token=conversation.token,
            )
