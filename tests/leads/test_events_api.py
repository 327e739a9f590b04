"""POST /api/v1/events/: server-side sources (an e-mail tool) report what a known lead did,
with a workspace API key. Bad input, a missing key or an unknown lead get a JSON error
({"error": {"code", "message", "fields"}}), never a 500."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from leads.models import EventKind, LeadEvent, RuleKind, ScoringRule
from tenants.api_auth import ApiKeyThrottle
from tenants.api_keys import api_key_create, api_key_revoke
from tenants.models import ApiKey
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"
EMAIL = "ada@analytical.example"


@pytest.fixture
def key_of(workspace_a):
    def make(workspace=workspace_a, scopes=("read", "write")):
        return api_key_create(
            workspace=workspace, name="E-mail tool", scopes=list(scopes), created_by=None
        )

    return make


@pytest.fixture
def key(key_of):
    return key_of().key


@pytest.fixture
def lead(workspace_a):
    with schema_context(workspace_a.schema_name):
        return LeadFactory(email=EMAIL)


def post(client, body, key: str | None, **extra):
    if key is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    data = body if isinstance(body, str) else json.dumps(body)
    extra.setdefault("content_type", "application/json")
    return client.post(URL, data, **extra)


def events_of(workspace) -> list[tuple]:
    with schema_context(workspace.schema_name):
        return list(LeadEvent.objects.order_by("pk").values_list("lead_id", "kind", "url"))


def test_an_email_open_is_recorded_for_the_lead_found_by_email(client, key, lead, workspace_a):
    response = post(client, {"email": "ADA@Analytical.example", "kind": "email_open"}, key)

    assert response.status_code == 201
    body = response.json()
    assert (body["lead_id"], body["kind"], body["url"]) == (lead.pk, "email_open", "")
    assert body["id"] and body["occurred_at"]
    assert events_of(workspace_a) == [(lead.pk, EventKind.EMAIL_OPEN, "")]


def test_a_click_is_recorded_by_lead_id_at_the_time_given(client, key, lead, workspace_a):
    clicked_at = timezone.now() - timedelta(days=2)

    response = post(
        client,
        {
            "lead_id": lead.pk,
            "kind": "email_click",
            "url": "https://www.example.com/pricing",
            "occurred_at": clicked_at.isoformat(),
        },
        key,
    )

    assert response.status_code == 201
    with schema_context(workspace_a.schema_name):
        event = LeadEvent.objects.get()
    assert (event.lead_id, event.kind, event.url) == (
        lead.pk,
        EventKind.EMAIL_CLICK,
        "https://www.example.com/pricing",
    )
    assert event.occurred_at == clicked_at


def test_the_lead_is_rescored_once_the_event_is_committed(
    client, key, lead, workspace_a, django_capture_on_commit_callbacks
):
    with schema_context(workspace_a.schema_name):
        ScoringRule.objects.update(active=False)
        ScoringRule.objects.create(
            name="Opens", kind=RuleKind.EMAIL_OPENED_AT_LEAST, params={"count": 1}, points=5
        )

    with django_capture_on_commit_callbacks(execute=True):
        post(client, {"email": EMAIL, "kind": "email_open"}, key)

    with schema_context(workspace_a.schema_name):
        lead.refresh_from_db()
    assert lead.score == 5


NOW = timezone.now()
BAD_INPUTS = {
    "nothing": ({}, "kind"),
    "no lead": ({"kind": "email_open"}, "email"),
    "both email and lead_id": ({"email": EMAIL, "lead_id": 1, "kind": "email_open"}, "email"),
    "an unknown kind": ({"email": EMAIL, "kind": "purchase"}, "kind"),
    "a kind list": ({"email": EMAIL, "kind": ["email_open"]}, "kind"),
    "a bad email": ({"email": "not-an-email", "kind": "email_open"}, "email"),
    "an email object": ({"email": {"a": 1}, "kind": "email_open"}, "email"),
    "a lead_id word": ({"lead_id": "abc", "kind": "email_open"}, "lead_id"),
    "a lead_id zero": ({"lead_id": 0, "kind": "email_open"}, "lead_id"),
    "a lead_id too big": ({"lead_id": 2**70, "kind": "email_open"}, "lead_id"),
    "a click without url": ({"email": EMAIL, "kind": "email_click"}, "url"),
    "a page view without url": ({"email": EMAIL, "kind": "page_view"}, "url"),
    "a javascript: url": (
        {"email": EMAIL, "kind": "email_click", "url": "javascript:alert(1)"},
        "url",
    ),
    "a url too long": (
        {"email": EMAIL, "kind": "email_click", "url": "https://a.example/" + "a" * 2000},
        "url",
    ),
    "a time in the future": (
        {
            "email": EMAIL,
            "kind": "email_open",
            "occurred_at": (NOW + timedelta(hours=1)).isoformat(),
        },
        "occurred_at",
    ),
    "a time too old": (
        {
            "email": EMAIL,
            "kind": "email_open",
            "occurred_at": (NOW - timedelta(days=91)).isoformat(),
        },
        "occurred_at",
    ),
    "an unknown field": ({"email": EMAIL, "kind": "email_open", "campaign": "x"}, "campaign"),
    "a time that is no time": (
        {"email": EMAIL, "kind": "email_open", "occurred_at": "yesterday"},
        "occurred_at",
    ),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_gets_a_400_naming_the_field(client, key, lead, workspace_a, case):
    body, field = BAD_INPUTS[case]

    response = post(client, body, key)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert isinstance(error["fields"][field], str)
    assert events_of(workspace_a) == []


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "parse_error"),
        ("[1, 2]", "application/json", 400, "invalid"),
        ("kind=email_open", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ],
)
def test_a_body_that_is_no_json_object_gets_a_json_error(
    client, key, workspace_a, body, content_type, status, code
):
    response = post(client, body, key, content_type=content_type)

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert events_of(workspace_a) == []


def test_an_unknown_lead_is_a_404(client, key, lead, workspace_a):
    by_email = post(client, {"email": "nobody@example.com", "kind": "email_open"}, key)
    by_id = post(client, {"lead_id": lead.pk + 1000, "kind": "email_open"}, key)

    for response in (by_email, by_id):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "lead_not_found"
    assert events_of(workspace_a) == []


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer parley_000000000000_" + "a" * 43, "Token abc", "Bearer a b"],
)
def test_no_valid_key_is_a_401(client, lead, workspace_a, authorization):
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = post(client, {"email": EMAIL, "kind": "email_open"}, None, **extra)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] in ("not_authenticated", "authentication_failed")
    assert events_of(workspace_a) == []


def test_a_revoked_key_fails_at_once(client, key_of, lead, workspace_a):
    created = key_of()
    assert post(client, {"email": EMAIL, "kind": "email_open"}, created.key).status_code == 201

    api_key_revoke(api_key=created.api_key)
    response = post(client, {"email": EMAIL, "kind": "email_open"}, created.key)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert len(events_of(workspace_a)) == 1


def test_a_read_only_key_cannot_send_events(client, key_of, lead, workspace_a):
    response = post(client, {"email": EMAIL, "kind": "email_open"}, key_of(scopes=["read"]).key)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert events_of(workspace_a) == []


def test_the_key_notes_when_it_was_used(client, key_of, lead):
    created = key_of()

    post(client, {"email": EMAIL, "kind": "email_open"}, created.key)

    assert ApiKey.objects.get(pk=created.api_key.pk).last_used_at is not None


def test_each_key_is_throttled_with_retry_after(client, key_of, lead, monkeypatch):
    monkeypatch.setattr(ApiKeyThrottle, "THROTTLE_RATES", {"api_key": "2/min"})
    first, second = key_of().key, key_of().key

    answers = [post(client, {"email": EMAIL, "kind": "email_open"}, first) for _ in range(3)]
    other_key = post(client, {"email": EMAIL, "kind": "email_open"}, second)

    assert [r.status_code for r in answers] == [201, 201, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert answers[-1].json()["error"]["code"] == "throttled"
    assert other_key.status_code == 201


def test_the_same_idempotency_key_and_body_give_the_first_answer_again(
    client, key, lead, workspace_a
):
    body = {"email": EMAIL, "kind": "email_open"}

    first = post(client, body, key, HTTP_IDEMPOTENCY_KEY="open-123")
    again = post(client, body, key, HTTP_IDEMPOTENCY_KEY="open-123")
    other_body = post(
        client,
        {**body, "kind": "page_view", "url": "https://a.example/"},
        key,
        HTTP_IDEMPOTENCY_KEY="open-123",
    )
    new_key = post(client, body, key, HTTP_IDEMPOTENCY_KEY="open-124")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert other_body.status_code == 422
    assert other_body.json()["error"]["code"] == "idempotency_key_reused"
    assert new_key.status_code == 201
    assert len(events_of(workspace_a)) == 2


def test_a_failed_request_may_be_sent_again_with_its_idempotency_key(
    client, key, lead, workspace_a
):
    failed = post(
        client,
        {"email": "nobody@example.com", "kind": "email_open"},
        key,
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    retried = post(
        client,
        {"email": "nobody@example.com", "kind": "email_open"},
        key,
        HTTP_IDEMPOTENCY_KEY="k1",
    )

    assert failed.status_code == retried.status_code == 404


def test_other_methods_and_addresses_answer_in_json(client, key):
    listed = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {key}")
    missing = client.get("/api/v1/nothing-here/", HTTP_AUTHORIZATION=f"Bearer {key}")

    assert listed.status_code == 405
    assert listed.json()["error"]["code"] == "method_not_allowed"
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_the_next_request_starts_again_in_the_public_schema(client, key, lead, workspace_a):
    post(client, {"email": EMAIL, "kind": "email_open"}, key)
    # The key put this thread's connection in its workspace for the rest of the request.
    assert connection.schema_name == workspace_a.schema_name

    response = post(client, {"email": EMAIL, "kind": "email_open"}, None)

    assert response.status_code == 401
    assert connection.schema_name == "public"
