"""Input no database can hold or no parser should try (a NUL, a lone surrogate, 100,000
brackets, a body over the size limit, a write to an API address that does not exist) gets a 4xx
in the JSON error shape, never a 500, and writes nothing. The chat's own words are the one
exception to refusal: a visitor's message keeps its words, without the characters that are not
words (config/untrusted.py says why)."""

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from leads.models import Lead, Message, MessageRole
from leads.public_views import TRACK_MAX_BODY_BYTES
from tests.security.untrusted import (
    LONE_SURROGATE,
    NUL,
    assert_error_shape,
    post_json,
    rows_of,
)

pytestmark = pytest.mark.django_db

UNSTORABLE = {"NUL": NUL, "lone surrogate": LONE_SURROGATE}
A_VALID_START = {
    "visitor_id": "7f1c2a9e-visitor",
    "referrer": "https://news.example/",
    "landing_page": "https://acme.example/pricing",
    "utm": {"utm_source": "newsletter"},
    "hidden_fields": {"plan": "pro"},
}


def _start_with(field_path: str, bad: str) -> dict:
    body = {**A_VALID_START, "utm": dict(A_VALID_START["utm"])}
    body["hidden_fields"] = dict(A_VALID_START["hidden_fields"])
    if "." in field_path:
        group, name = field_path.split(".")
        body[group][name] = f"x{bad}y"
    else:
        body[field_path] = f"x{bad}y"
    return body


@pytest.fixture
def token(client, chat):
    response = post_json(client, chat + "conversations/", A_VALID_START)
    assert response.status_code == 201
    return response.json()["token"]


# --- A NUL or a lone surrogate -----------------------------------------------------------------


@pytest.mark.parametrize("bad", UNSTORABLE.values(), ids=UNSTORABLE.keys())
@pytest.mark.parametrize(
    "field", ["visitor_id", "referrer", "landing_page", "utm.utm_source", "hidden_fields.plan"]
)
def test_a_conversation_start_with_unstorable_text_is_refused_naming_the_field(
    client, chat, workspace_a, field, bad
):
    before = rows_of(workspace_a)

    response = post_json(client, chat + "conversations/", _start_with(field, bad))

    error = assert_error_shape(response, 400)
    assert error["code"] == "invalid_text"
    assert list(error["fields"]) == [field]
    assert rows_of(workspace_a) == before


def test_a_nul_in_the_visitors_message_is_dropped_and_the_words_are_kept(
    client, chat, token, workspace_a
):
    response = post_json(
        client, f"{chat}conversations/{token}/turns/", {"text": f"Our sales{NUL} team is slow"}
    )

    assert response.status_code in (200, 422), response.content
    with schema_context(workspace_a.schema_name):
        said = Message.objects.filter(role=MessageRole.VISITOR).values_list("text", flat=True)
        assert list(said) == ["Our sales team is slow"]


def test_a_lone_surrogate_in_the_visitors_message_becomes_a_replacement_character(
    client, chat, token, workspace_a
):
    response = post_json(
        client, f"{chat}conversations/{token}/turns/", {"text": f"Caf{LONE_SURROGATE} crème"}
    )

    assert response.status_code in (200, 422), response.content
    with schema_context(workspace_a.schema_name):
        said = Message.objects.filter(role=MessageRole.VISITOR).values_list("text", flat=True)
        assert list(said) == ["Caf\ufffd crème"]


@pytest.mark.parametrize("token_in_url", ["%00", "ab%00cd", "%ED%A0%80"])
def test_a_conversation_token_with_a_nul_finds_no_conversation(
    client, chat, token, workspace_a, token_in_url
):
    before = rows_of(workspace_a)

    detail = client.get(f"{chat}conversations/{token_in_url}/")
    turn = post_json(client, f"{chat}conversations/{token_in_url}/turns/", {"text": "Hello"})

    for response in (detail, turn):
        assert assert_error_shape(response, 404)["code"] == "conversation_not_found"
    assert rows_of(workspace_a) == before


@pytest.mark.parametrize("bad", UNSTORABLE.values(), ids=UNSTORABLE.keys())
@pytest.mark.parametrize(
    "custom_fields, field",
    [
        ({"note": "x{bad}y"}, "custom_fields.note"),
        ({"n{bad}ote": "fine"}, "custom_fields"),
    ],
    ids=["in a value", "in a name"],
)
def test_a_lead_update_with_unstorable_custom_fields_is_refused_and_changes_nothing(
    client, key_of_a, lead_of_a, workspace_a, custom_fields, field, bad
):
    ((name, value),) = custom_fields.items()
    body = {
        "assignee": None,
        "custom_fields": {name.format(bad=bad): value.format(bad=bad)},
    }
    before = rows_of(workspace_a)

    response = post_json(
        client,
        f"/api/v1/leads/{lead_of_a.pk}/",
        body,
        method="patch",
        HTTP_AUTHORIZATION=f"Bearer {key_of_a}",
    )

    error = assert_error_shape(response, 400)
    assert error["code"] == "invalid_text"
    assert any(name.startswith(field) for name in error["fields"]), error
    assert rows_of(workspace_a) == before
    with schema_context(workspace_a.schema_name):
        assert Lead.objects.get(pk=lead_of_a.pk).custom_fields == {"crm_id": "0061"}


def test_a_lead_update_refused_for_its_custom_fields_does_not_assign_the_lead_either(
    client, key_of_a, lead_of_a, workspace_a, member
):
    """Given a valid assignee and custom fields the lead refuses (a name with a space), when
    the update is sent, then neither is stored: the assignment is not half of the request."""
    before = rows_of(workspace_a)

    response = post_json(
        client,
        f"/api/v1/leads/{lead_of_a.pk}/",
        {"assignee": member.email, "custom_fields": {"not a name": "x"}},
        method="patch",
        HTTP_AUTHORIZATION=f"Bearer {key_of_a}",
    )

    assert list(assert_error_shape(response, 400)["fields"]) == ["custom_fields"]
    assert rows_of(workspace_a) == before


@pytest.mark.parametrize("bad", UNSTORABLE.values(), ids=UNSTORABLE.keys())
@pytest.mark.parametrize(
    "url, body",
    [
        (
            "/api/v1/events/",
            {
                "email": "ada@analytical.example",
                "kind": "page_view",
                "url": "https://a.example/{bad}",
            },
        ),
        ("/api/v1/events/", {"email": "ada@analytical.example{bad}", "kind": "email_open"}),
        ("/api/v1/leads/{lead}/outcomes/", {"kind": "contacted", "note": "Called{bad}"}),
    ],
    ids=["event url", "event email", "outcome note"],
)
def test_an_api_write_with_unstorable_text_is_refused_and_writes_nothing(
    client, key_of_a, lead_of_a, workspace_a, url, body, bad
):
    body = {name: value.replace("{bad}", bad) for name, value in body.items()}
    before = rows_of(workspace_a)

    response = post_json(
        client, url.format(lead=lead_of_a.pk), body, HTTP_AUTHORIZATION=f"Bearer {key_of_a}"
    )

    assert_error_shape(response, 400)
    assert rows_of(workspace_a) == before


# --- Bodies no parser should try ---------------------------------------------------------------


@pytest.fixture
def json_endpoints(chat, token, lead_of_a, key_of_a):
    """(method, address, extra headers) of every endpoint that reads a JSON body."""
    api = {"HTTP_AUTHORIZATION": f"Bearer {key_of_a}"}
    return [
        ("post", chat + "conversations/", {}),
        ("post", f"{chat}conversations/{token}/turns/", {}),
        ("post", chat.split("/f/")[0] + "/track/", {}),
        ("post", "/api/v1/events/", api),
        ("patch", f"/api/v1/leads/{lead_of_a.pk}/", api),
        ("post", f"/api/v1/leads/{lead_of_a.pk}/outcomes/", api),
    ]


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_deeply_nested_json_is_a_400_on_every_json_endpoint(
    client, json_endpoints, workspace_a, depth
):
    before = rows_of(workspace_a)

    for method, url, extra in json_endpoints:
        response = post_json(client, url, "[" * depth, method=method, **extra)

        # The tracking endpoint refuses any body over its own, smaller limit first.
        too_large = url.endswith("/track/") and depth > TRACK_MAX_BODY_BYTES
        assert_error_shape(response, 413 if too_large else 400)
    assert rows_of(workspace_a) == before


def test_a_body_over_the_size_limit_is_a_413_on_every_json_endpoint(
    client, json_endpoints, workspace_a, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    body = '{"text": "' + "a" * 5_000 + '"}'
    before = rows_of(workspace_a)

    for method, url, extra in json_endpoints:
        response = post_json(client, url, body, method=method, **extra)

        assert assert_error_shape(response, 413)["code"] == "too_large", url
    assert rows_of(workspace_a) == before


# --- Addresses the API does not have -----------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", ["/api/v1/nothing/", "/api/v1/leads/1/nothing/", "/api/v1/x"])
def test_a_write_to_an_unknown_api_address_is_a_json_404_not_a_csrf_page(method, url):
    """A browser-like client that checks CSRF, as production does: the API has no session, so
    CSRF is not what answers."""
    client = Client(enforce_csrf_checks=True)

    response = post_json(client, url, {"a": 1}, method=method)

    assert assert_error_shape(response, 404)["code"] == "not_found"


def test_a_wrong_method_on_an_api_address_is_a_json_405(key_of_a):
    client = Client(enforce_csrf_checks=True)

    response = post_json(
        client, "/api/v1/events/", {}, method="put", HTTP_AUTHORIZATION=f"Bearer {key_of_a}"
    )

    assert_error_shape(response, 405)


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_a_wrong_method_on_the_public_chat_is_a_json_405(client, chat, token, method):
    for url in (chat + "conversations/", f"{chat}conversations/{token}/turns/"):
        response = getattr(client, method)(url)

        assert assert_error_shape(response, 405)["code"] == "method_not_allowed", url
        assert response["Allow"] == "POST"
    response = client.post(f"{chat}conversations/{token}/")

    assert assert_error_shape(response, 405)["code"] == "method_not_allowed"
    assert response["Allow"] == "GET"
