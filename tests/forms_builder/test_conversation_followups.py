"""Discovery follow-ups through the public conversation endpoints: once the form's own steps are
done, the conversation asks what is still unknown before its closing message."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_builder.models import Language
from forms_builder.services import form_create, form_publish
from leads.models import Conversation, ConversationStatus, Lead, MessageRole
from leads.qualification.followups import ACKNOWLEDGED, MAX_FOLLOWUPS, QUESTIONS
from leads.qualification.offline import OfflineEngine
from leads.qualification.transcripts import conversation_transcript
from leads.services.conversations import conversations_abandon_stale
from tests.forms_builder.test_conversation_api import post, turn

pytestmark = pytest.mark.django_db

LONG_TEXT_STEP = {"kind": "long_text", "required": True, "options": []}

# Why they came and what it would change, said up front; who decides and when are not.
HEAD_OF_SALES = [
    "Our reps waste hours every week on leads that never buy. If we fixed it we could double "
    "our meetings without hiring.",
    "ada@example.com",
    "Ada Lovelace",
    "Acme",
    "Head of Sales",
    "30",
]

# The seed's "vraie qualification" (shared/seeds/): the visitor's first line, then the contact
# steps of a French starter form, from the manager of a 30-person company.
SEED_OPENING = [
    "Notre process de qualification prend trop de temps",
    "lea@pme.example",
    "Léa Martin",
    "PME Conseil",
    "Dirigeante",
    "30",
]
SEED_FOLLOWUPS = [
    ("followup:problem", "Mes commerciaux appellent 50 leads pour closer 2"),
    ("followup:impact", "On pourrait doubler les ventes sans recruter"),
    ("followup:urgency", "On doit décider avant la fin du trimestre"),
]


def published(workspace, language):
    with schema_context(workspace.schema_name):
        form = form_create(name=f"Contact {language}", language=language)
        form.offer_description = "Conversational forms that qualify B2B leads."
        form.save()
        form_publish(form=form)
    return f"/w/{workspace.slug}/f/{form.slug}/"


@pytest.fixture
def english(workspace_a):
    return published(workspace_a, Language.ENGLISH)


@pytest.fixture
def french(workspace_a):
    return published(workspace_a, Language.FRENCH)


def start(client, base) -> str:
    response = post(client, base + "conversations/", {})
    assert response.status_code == 201
    return response.json()["token"]


def answer_all(client, base, token, answers):
    for text in answers:
        response = turn(client, base, token, text)
        assert response.status_code == 200, response.content
    return response.json()


def conversation_of(workspace, token) -> Conversation:
    with schema_context(workspace.schema_name):
        return Conversation.objects.select_related("form_version", "lead").get(token=token)


def test_unknown_timing_and_budget_are_asked_before_the_closing_message(
    client, english, workspace_a
):
    token = start(client, english)
    body = answer_all(client, english, token, HEAD_OF_SALES)

    # Given the form's steps answered, the first follow-up waits as a free-text step.
    assert body["status"] == ConversationStatus.ACTIVE
    assert body["step"] == {"key": "followup:urgency", **LONG_TEXT_STEP}
    [question] = body["messages"]
    assert question["text"] in QUESTIONS["urgency"]["en"]
    assert question["step_key"] == "followup:urgency"

    # An urgent need: the money is asked before who decides (either would make it an SQL).
    body = answer_all(client, english, token, ["We must decide this quarter"])
    assert body["step"]["key"] == "followup:budget"
    assert body["messages"][0]["text"] in QUESTIONS["budget"]["en"]
    body = answer_all(client, english, token, ["Not sure yet"])
    assert body["step"]["key"] == "followup:authority"

    # The third follow-up is the last: then the closing message, and the lead.
    body = answer_all(client, english, token, ["My boss signs, I recommend"])
    assert body["status"] == ConversationStatus.COMPLETED
    assert body["step"] is None
    assert [m["text"] for m in body["messages"]] == [
        "Thank you! We will get back to you very soon."
    ]
    conversation = conversation_of(workspace_a, token)
    assert {k: v for k, v in conversation.answers.items() if k.startswith("followup:")} == {
        "followup:urgency": "We must decide this quarter",
        "followup:budget": "Not sure yet",
        "followup:authority": "My boss signs, I recommend",
    }
    assert len([k for k in conversation.answers if k.startswith("followup:")]) == MAX_FOLLOWUPS
    assert conversation.lead.email == "ada@example.com"


def test_the_seeds_real_qualification_dialogue_ends_qualified(client, french, workspace_a):
    token = start(client, french)
    body = answer_all(client, french, token, SEED_OPENING)

    for step_key, answer in SEED_FOLLOWUPS:
        topic = step_key.removeprefix("followup:")
        assert body["step"] == {"key": step_key, **LONG_TEXT_STEP}
        question = body["messages"][0]["text"]
        # The impact question may quote the visitor's own problem first.
        acknowledged = ACKNOWLEDGED["fr"].format(quote=SEED_OPENING[0])
        assert question in QUESTIONS[topic]["fr"] or question == acknowledged
        body = answer_all(client, french, token, [answer])

    assert body["status"] == ConversationStatus.COMPLETED
    assert [m["text"] for m in body["messages"]] == ["Merci ! Nous revenons vers vous très vite."]
    conversation = conversation_of(workspace_a, token)
    with schema_context(workspace_a.schema_name):
        messages = conversation.messages.order_by("pk").values_list("role", "text")
        q = OfflineEngine().qualify(
            conversation_transcript(conversation=conversation, messages=messages)
        )
    assert (q.status, q.need.value, q.timing.value) == ("sql", "identified", "quarter")
    assert q.brief == {
        "problem": "Notre process de qualification prend trop de temps",
        "impact": "Mes commerciaux appellent 50 leads pour closer 2",
        "stakes": "On pourrait doubler les ventes sans recruter",
        "timeline": "On doit décider avant la fin du trimestre",
    }


def test_a_student_is_not_asked_followups(client, french, workspace_a):
    token = start(client, french)
    body = answer_all(
        client,
        french,
        token,
        [
            "Je suis étudiante et je prépare mon mémoire sur la qualification de leads",
            "lea@univ.example",
            "Léa",
            "Université de Lyon",
            "Étudiante",
            "1000+",
        ],
    )

    assert body["status"] == ConversationStatus.COMPLETED
    assert [m["text"] for m in body["messages"]] == ["Merci ! Nous revenons vers vous très vite."]
    assert not [k for k in conversation_of(workspace_a, token).answers if k.startswith("followup:")]


def test_a_reload_in_the_middle_of_a_followup_resumes_it(client, english):
    token = start(client, english)
    asked = answer_all(client, english, token, HEAD_OF_SALES)["messages"][0]

    body = client.get(f"{english}conversations/{token}/").json()

    assert body["resumable"] is True
    assert body["step"] == {"key": "followup:urgency", **LONG_TEXT_STEP}
    assert body["messages"][-1] == asked
    assert answer_all(client, english, token, ["Next month"])["step"]["key"].startswith("followup:")


def test_a_followup_needs_an_answer(client, english):
    token = start(client, english)
    answer_all(client, english, token, HEAD_OF_SALES)

    response = turn(client, english, token, "   ")

    assert response.status_code == 422
    assert response.json()["error"]["message"] == "This question needs an answer."
    assert response.json()["step"]["key"] == "followup:urgency"


def test_abandoning_during_a_followup_keeps_the_answers_and_the_question(
    client, english, workspace_a
):
    token = start(client, english)
    answer_all(client, english, token, [*HEAD_OF_SALES, "We must decide this quarter"])

    with schema_context(workspace_a.schema_name):
        assert conversations_abandon_stale(now=timezone.now() + timedelta(hours=1)) == 1
    conversation = conversation_of(workspace_a, token)
    assert conversation.status == ConversationStatus.ABANDONED
    assert conversation.current_step_key == "followup:budget"
    assert conversation.answers["followup:urgency"] == "We must decide this quarter"
    assert conversation.lead.email == "ada@example.com"

    # The visitor comes back within the resume window and carries on where they stopped.
    body = client.get(f"{english}conversations/{token}/").json()
    assert body["step"]["key"] == "followup:budget"
    body = answer_all(client, english, token, ["Yes, 20k a year is approved"])
    assert body["status"] == ConversationStatus.COMPLETED
    with schema_context(workspace_a.schema_name):
        assert Lead.objects.count() == 1
        visitor = conversation.messages.filter(role=MessageRole.VISITOR).last()
    assert (visitor.step_key, visitor.text) == ("followup:budget", "Yes, 20k a year is approved")


def test_a_followup_turn_runs_a_constant_number_of_queries(
    client, english, django_assert_num_queries
):
    token = start(client, english)
    answer_all(client, english, token, HEAD_OF_SALES[:-1])
    # The last step of the form, which asks the first follow-up: one query more than a scripted
    # turn, for the transcript the engine reads.
    with django_assert_num_queries(3):
        turn(client, english, token, HEAD_OF_SALES[-1])
    # Answering a follow-up with another to come costs the same.
    with django_assert_num_queries(3):
        turn(client, english, token, "We must decide this quarter")
    with django_assert_num_queries(3):
        turn(client, english, token, "Not sure yet")
