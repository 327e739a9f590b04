"""The tracking endpoint embed.js sends page views to (POST /w/<workspace>/track/): it stores
the view, gives it to the visitor's lead when there is one (and rescores the lead), and answers
anything wrong with a 4xx JSON error, never a 500."""

import json

import pytest
from django_tenants.utils import schema_context

from leads.models import EventKind, LeadEvent, RuleKind, ScoringRule
from leads.public_views import TRACK_MAX_BODY_BYTES
from tenants.models import Domain
from tests.leads.conversations import LEAD_B

pytestmark = pytest.mark.django_db

VISITOR = "3f2a6c1e-8d4b-4c1a-9e2f-7a6b5c4d3e2f"
PAGE = "https://www.example.com/features"


def view(visitor_id=VISITOR, url=PAGE, **more) -> str:
    return json.dumps({"visitor_id": visitor_id, "url": url, **more})


def beacon(client, workspace, body, **extra):
    """As navigator.sendBeacon posts a string: text/plain, no cookie needed."""
    return client.post(
        f"/w/{workspace.slug}/track/", body, content_type="text/plain;charset=UTF-8", **extra
    )


def events_of(workspace) -> list[tuple]:
    with schema_context(workspace.schema_name):
        return list(
            LeadEvent.objects.order_by("pk").values_list(
                "visitor_id", "lead_id", "kind", "url", "referrer"
            )
        )


def test_a_page_view_of_an_anonymous_visitor_is_stored(client, workspace_a):
    response = beacon(client, workspace_a, view(referrer="https://www.google.com/"))

    assert response.status_code == 204
    assert events_of(workspace_a) == [
        (VISITOR, None, EventKind.PAGE_VIEW, PAGE, "https://www.google.com/")
    ]


def test_the_referrer_is_optional(client, workspace_a):
    assert beacon(client, workspace_a, view()).status_code == 204
    assert beacon(client, workspace_a, view(referrer="")).status_code == 204
    assert [e[4] for e in events_of(workspace_a)] == ["", ""]


def test_a_page_view_of_a_visitor_who_became_a_lead_is_theirs_and_scores(
    client, workspace_a, pipeline, django_capture_on_commit_callbacks
):
    with schema_context(workspace_a.schema_name):
        ScoringRule.objects.update(active=False)
        ScoringRule.objects.create(
            name="Pricing", kind=RuleKind.VISITED_PRICING, params={}, points=15
        )
    lead = pipeline(LEAD_B, visitor_id=VISITOR)
    assert lead.score == 0

    with django_capture_on_commit_callbacks(execute=True):
        response = beacon(client, workspace_a, view(url="https://www.example.com/pricing"))

    assert response.status_code == 204
    assert events_of(workspace_a) == [
        (VISITOR, lead.pk, EventKind.PAGE_VIEW, "https://www.example.com/pricing", "")
    ]
    with schema_context(workspace_a.schema_name):
        lead.refresh_from_db()
    assert lead.score == 15


def test_a_workspace_host_takes_page_views_at_its_root(client, settings, workspace_a):
    # embed.js on a form served by a workspace's own host posts to /track/ on that host.
    settings.ALLOWED_HOSTS = ["forms.alpha.example", "testserver"]
    Domain.objects.create(tenant=workspace_a, domain="forms.alpha.example", is_primary=False)

    response = client.post(
        "/track/", view(), content_type="text/plain", HTTP_HOST="forms.alpha.example"
    )

    assert response.status_code == 204
    assert len(events_of(workspace_a)) == 1


BAD_BODIES = {
    "not JSON": ("visitor_id=abc", "invalid_json", None),
    "a JSON array": ("[1, 2]", "invalid_json", None),
    "no visitor id": (json.dumps({"url": PAGE}), "invalid", "visitor_id"),
    "a short visitor id": (view(visitor_id="abc"), "invalid", "visitor_id"),
    "a visitor id with dots": (view(visitor_id="1700000000.123456"), "invalid", "visitor_id"),
    "a visitor id too long": (view(visitor_id="a" * 65), "invalid", "visitor_id"),
    "a visitor id object": (view(visitor_id={"id": VISITOR}), "invalid", "visitor_id"),
    "no url": (json.dumps({"visitor_id": VISITOR}), "invalid", "url"),
    "a javascript: url": (view(url="javascript:alert(1)"), "invalid", "url"),
    "a data: url": (view(url="data:text/html,<script>alert(1)</script>"), "invalid", "url"),
    "an ftp url": (view(url="ftp://files.example.com/a"), "invalid", "url"),
    "a relative url": (view(url="/pricing"), "invalid", "url"),
    "a url too long": (view(url="https://example.com/" + "a" * 2000), "invalid", "url"),
    "a url with a NUL": (view(url="https://example.com/\x00"), "invalid", "url"),
    "a javascript: referrer": (view(referrer="javascript:alert(1)"), "invalid", "referrer"),
}


@pytest.mark.parametrize("case", BAD_BODIES)
def test_a_bad_page_view_gets_a_400_saying_what_is_wrong(client, workspace_a, case):
    body, code, field = BAD_BODIES[case]

    response = beacon(client, workspace_a, body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    if field:
        assert field in error["fields"]
    assert events_of(workspace_a) == []


def test_a_huge_body_is_refused_unread(client, workspace_a):
    response = beacon(client, workspace_a, view(padding="x" * TRACK_MAX_BODY_BYTES))

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert events_of(workspace_a) == []


def test_only_post_is_allowed(client, workspace_a):
    response = client.get(f"/w/{workspace_a.slug}/track/")

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_an_unknown_workspace_answers_as_any_page_of_one(client, workspace_a):
    """As every /w/<slug>/ page of a workspace that does not exist (tenants.views): a trip to the
    login page, so that the tracking address tells no more about which workspaces exist."""
    response = client.post("/w/nobody-corp/track/", view(), content_type="text/plain")
    page = client.post("/w/nobody-corp/members/")

    assert response.status_code == page.status_code == 302
    assert events_of(workspace_a) == []


def test_one_visitor_is_limited_to_30_page_views_a_minute(client, workspace_a):
    answers = [beacon(client, workspace_a, view()).status_code for _ in range(31)]
    another = beacon(client, workspace_a, view(visitor_id="another-visitor-1"))

    assert answers == [204] * 30 + [429]
    assert another.status_code == 204
    assert len(events_of(workspace_a)) == 31


def test_one_address_is_limited_to_120_page_views_a_minute(client, workspace_a):
    answers = [
        beacon(client, workspace_a, view(visitor_id=f"visitor-{n:04d}")).status_code
        for n in range(121)
    ]

    assert answers == [204] * 120 + [429]
    last = beacon(client, workspace_a, view(visitor_id="visitor-9999"))
    assert last["Retry-After"] == "60"
    assert last.json()["error"]["code"] == "rate_limited"
