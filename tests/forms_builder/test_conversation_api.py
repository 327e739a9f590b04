"""The public conversation endpoints, as a visitor's browser (or embed) calls them."""

import json

import pytest
from django_tenants.utils import schema_context

from forms_builder.models import StepKind
from forms_builder.services import form_create, form_publish, step_create
from leads.models import Conversation, ConversationStatus, Lead, Message, MessageRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_form(workspace_a):
    with schema_context(workspace_a.schema_name):
        form = form_create(name="Contact sales")
        form.hidden_fields = ["plan"]
        form.save()
        form_publish(form=form)
    return form


@pytest.fixture
def base(workspace_a, published_form):
    return f"/w/{workspace_a.slug}/f/{published_form.slug}/"


def post(client, url, body):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, raw, content_type="application/json")


@pytest.fixture
def started(client, base):
    response = post(
        client,
        base + "conversations/",
        {
            "visitor_id": "v-123",
            "utm": {"utm_source": "newsletter", "utm_campaign": "spring", "evil": "x"},
            "hidden_fields": {"plan": "pro", "undeclared": "x"},
            "referrer": "https://news.example/",
            "landing_page": "https://acme.example/pricing",
        },
    )
    assert response.status_code == 201
    return response.json()


def turn(client, base, token, text):
    return post(client, f"{base}conversations/{token}/turns/", {"text": text})


def talk_to_the_end(client, base, token, answers=None):
    """Answer the form's steps, then each follow-up, until the closing message."""
    for text in answers or ANSWERS:
        response = turn(client, base, token, text)
        assert response.status_code == 200, response.content
    while response.json()["status"] != ConversationStatus.COMPLETED:
        step_key = response.json()["step"]["key"]
        response = turn(client, base, token, FOLLOWUP_ANSWERS[step_key])
        assert response.status_code == 200, response.content
    return response


ANSWERS = [
    "Our sales team wastes hours on bad leads",
    "Ada@Example.com",
    "Ada Lovelace",
    "Acme",
    "Head of Sales",
    "30",
]
# What the visitor tells the discovery follow-ups asked once the form's steps are done
# (leads/qualification/followups.py; tests/forms_builder/test_conversation_followups.py).
FOLLOWUP_ANSWERS = {
    "followup:problem": "Reps call 50 leads to close 2",
    "followup:impact": "We could double sales without hiring",
    "followup:urgency": "We must decide before the end of the quarter",
    "followup:authority": "Just me",
    "followup:budget": "About 10k€ a year",
}


def test_the_form_page_is_public_and_embeddable(client, base, published_form):
    response = client.get(base)
    assert response.status_code == 200
    assert published_form.name.encode() in response.content
    assert "X-Frame-Options" not in response
    assert b'aria-live="polite"' in response.content


def test_starting_greets_then_asks_the_first_question(started, workspace_a):
    assert [m["role"] for m in started["messages"]] == ["assistant", "assistant"]
    assert started["messages"][1]["text"] == "What brings you here today?"
    assert started["step"]["kind"] == StepKind.LONG_TEXT
    with schema_context(workspace_a.schema_name):
        conversation = Conversation.objects.get(token=started["token"])
    assert conversation.utm == {"utm_source": "newsletter", "utm_campaign": "spring"}
    assert conversation.hidden_fields == {"plan": "pro"}
    assert conversation.visitor_id == "v-123"
    assert conversation.landing_page == "https://acme.example/pricing"


def test_a_whole_conversation_becomes_a_lead(client, base, started, workspace_a):
    token = started["token"]
    response = talk_to_the_end(client, base, token)
    assert response.json()["status"] == ConversationStatus.COMPLETED
    assert response.json()["step"] is None
    assert (
        response.json()["messages"][-1]["text"] == "Thank you! We will get back to you very soon."
    )
    with schema_context(workspace_a.schema_name):
        lead = Lead.objects.get()
        assert (lead.email, lead.full_name, lead.company, lead.job_title, lead.company_size) == (
            "ada@example.com",
            "Ada Lovelace",
            "Acme",
            "Head of Sales",
            "11-50",
        )
        conversation = Conversation.objects.get(token=token)
        assert conversation.lead == lead
        visitor_lines = list(
            conversation.messages.filter(role=MessageRole.VISITOR).values_list("step_key", "text")
        )
    assert [text for _, text in visitor_lines[: len(ANSWERS)]] == ANSWERS
    # Then the discovery follow-ups, each answer under its question's key.
    followups = visitor_lines[len(ANSWERS) :]
    assert followups
    assert followups == [(key, FOLLOWUP_ANSWERS[key]) for key, _ in followups]


def test_an_invalid_answer_is_kept_in_the_transcript_and_asked_again(
    client, base, started, workspace_a
):
    token = started["token"]
    turn(client, base, token, "A need")
    response = turn(client, base, token, "not an e-mail")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_answer"
    assert "e-mail address" in response.json()["error"]["message"]
    assert response.json()["step"]["kind"] == StepKind.EMAIL
    with schema_context(workspace_a.schema_name):
        assert Message.objects.filter(text="not an e-mail", role=MessageRole.VISITOR).exists()


def test_the_visitor_message_is_saved_even_when_what_follows_fails(
    client, base, started, workspace_a, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("the next-step logic failed")

    monkeypatch.setattr("leads.services.conversations.answer_parse", broken)
    client.raise_request_exception = False
    response = turn(client, base, started["token"], "My words must survive")

    assert response.status_code == 500
    with schema_context(workspace_a.schema_name):
        assert Message.objects.filter(text="My words must survive").exists()


def test_a_reload_resumes_where_the_visitor_stopped(client, base, started):
    token = started["token"]
    turn(client, base, token, "A need")
    response = client.get(f"{base}conversations/{token}/")

    assert response.status_code == 200
    body = response.json()
    assert body["resumable"] is True
    assert [m["text"] for m in body["messages"]][-2:] == ["A need", "What is your work e-mail?"]
    assert body["step"]["kind"] == StepKind.EMAIL


def test_a_conversation_keeps_the_version_it_started_with(
    client, base, started, workspace_a, published_form
):
    with schema_context(workspace_a.schema_name):
        step_create(form=published_form, kind=StepKind.SHORT_TEXT, prompt="New question?")
        form_publish(form=published_form)
    response = talk_to_the_end(client, base, started["token"])
    assert response.json()["status"] == ConversationStatus.COMPLETED


def test_a_finished_conversation_takes_no_more_turns(client, base, started):
    token = started["token"]
    talk_to_the_end(client, base, token)
    response = turn(client, base, token, "one more thing")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conversation_closed"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", "invalid_json"),
        ("[1, 2]", "invalid_json"),
        ({"text": 42}, "invalid"),
        ({"text": "x" * 4001}, "too_long"),
    ],
)
def test_bad_turn_input_gets_a_clear_400(client, base, started, body, code):
    response = post(client, f"{base}conversations/{started['token']}/turns/", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_a_wrong_token_is_a_404_with_json(client, base):
    response = turn(client, base, "not-a-token", "hello")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "conversation_not_found"


def test_unknown_unpublished_or_archived_forms_are_not_served(client, workspace_a, published_form):
    with schema_context(workspace_a.schema_name):
        draft = form_create(name="Draft form")
        published_form.status = "archived"
        published_form.save()
    for slug in ("no-such-form", draft.slug, published_form.slug):
        assert client.get(f"/w/{workspace_a.slug}/f/{slug}/").status_code == 404
        response = post(client, f"/w/{workspace_a.slug}/f/{slug}/conversations/", {})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "form_not_found"


def test_the_honeypot_rejects_bots(client, base, workspace_a):
    response = post(client, base + "conversations/", {"website": "http://spam.example"})
    assert response.status_code == 400
    with schema_context(workspace_a.schema_name):
        assert not Conversation.objects.exists()


def test_starting_conversations_is_rate_limited_per_address_with_json(client, base):
    statuses = [post(client, base + "conversations/", {}).status_code for _ in range(21)]
    assert statuses[:20] == [201] * 20
    assert statuses[20] == 429
    limited = post(client, base + "conversations/", {})
    assert limited.json()["error"]["code"] == "rate_limited"
    assert limited["Retry-After"] == "60"


def test_each_form_has_a_limit_for_all_its_visitors_together(client, base, settings):
    settings.PARLEY_RATE_PER_FORM = "3/m"
    addresses = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"]
    statuses = [
        client.post(
            base + "conversations/", "{}", content_type="application/json", REMOTE_ADDR=address
        ).status_code
        for address in addresses
    ]
    assert statuses == [201, 201, 201, 429]


def test_a_turn_runs_a_constant_number_of_queries(client, base, started, django_assert_num_queries):
    # Two statements: find the conversation and save the visitor's words, then move it on and
    # ask the next question. The workspace comes from the cache once a first request read it.
    token = started["token"]
    turn(client, base, token, "A need")
    with django_assert_num_queries(2):
        turn(client, base, token, "ada@example.com")
    with django_assert_num_queries(2):
        turn(client, base, token, "Ada")


def test_a_visitor_who_came_from_nowhere_has_no_referrer_not_the_chat_page(
    client, base, workspace_a
):
    # The chat sends an empty referrer (a page opened directly); its request's own Referer is
    # the chat page, which is not where the visitor came from.
    response = client.post(
        base + "conversations/",
        json.dumps({"referrer": ""}),
        content_type="application/json",
        HTTP_REFERER=f"http://testserver{base}",
    )

    assert response.status_code == 201
    with schema_context(workspace_a.schema_name):
        conversation = Conversation.objects.get(token=response.json()["token"])
    assert conversation.referrer == ""
