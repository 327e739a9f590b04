"""The pages open to anyone (a published form and its conversation, under /w/<slug>/f/) serve
the workspace of the URL only: a slug or a conversation token of B, used under A's address, finds
nothing, even when A has a form with the very same slug."""

import json
import re

import pytest
from django_tenants.utils import schema_context

from config.urls_api import urlpatterns as api_urlpatterns
from forms_builder.services import form_create, form_publish
from leads.models import Conversation, Lead, LeadEvent, Message
from tests.security.probes import PUBLIC_ROUTES

pytestmark = pytest.mark.django_db

SLUG = "contact-sales"


def test_only_the_published_form_and_its_conversation_are_open_to_anyone():
    """A view marked `workspace_public` escapes the members-only attacks of the suite: a new one
    is added here knowingly, with a test of its own below."""
    assert sorted(PUBLIC_ROUTES) == [
        "f/<slug:form_slug>/",
        "f/<slug:form_slug>/conversations/",
        "f/<slug:form_slug>/conversations/<str:token>/",
        "f/<slug:form_slug>/conversations/<str:token>/turns/",
        "track/",
    ]


def _published_form(workspace, name: str):
    with schema_context(workspace.schema_name):
        form = form_create(name="Contact sales")
        # The slug stays "contact-sales"; the page shows the name.
        form.name = f"Talk to {name}"
        form.save()
        form_publish(form=form)
    assert form.slug == SLUG
    return form


def _start(client, workspace) -> str:
    response = client.post(
        f"/w/{workspace.slug}/f/{SLUG}/conversations/", "{}", content_type="application/json"
    )
    assert response.status_code == 201
    return response.json()["token"]


def _conversations_of(workspace) -> list:
    """Every column of every conversation and message of a workspace."""
    with schema_context(workspace.schema_name):
        return [
            list(Conversation.objects.order_by("pk").values_list()),
            list(Message.objects.order_by("pk").values_list()),
        ]


def test_published_form_of_b_is_not_found_under_the_address_of_a(client, workspace_a, workspace_b):
    _published_form(workspace_b, "Bravo")

    page = client.get(f"/w/{workspace_a.slug}/f/{SLUG}/")
    start = client.post(
        f"/w/{workspace_a.slug}/f/{SLUG}/conversations/", "{}", content_type="application/json"
    )

    assert page.status_code == start.status_code == 404
    assert b"Bravo" not in page.content + start.content
    assert _conversations_of(workspace_b) == [[], []]


def test_the_same_slug_serves_each_workspace_its_own_form(client, workspace_a, workspace_b):
    _published_form(workspace_a, "Alpha")
    _published_form(workspace_b, "Bravo")

    of_a = client.get(f"/w/{workspace_a.slug}/f/{SLUG}/")
    of_b = client.get(f"/w/{workspace_b.slug}/f/{SLUG}/")

    assert of_a.status_code == of_b.status_code == 200
    assert b"Talk to Alpha" in of_a.content
    assert b"Bravo" not in of_a.content
    assert b"Talk to Bravo" in of_b.content
    assert b"Alpha" not in of_b.content


def test_conversation_of_b_cannot_be_read_or_continued_under_the_address_of_a(
    client, workspace_a, workspace_b
):
    _published_form(workspace_a, "Alpha")
    _published_form(workspace_b, "Bravo")
    token = _start(client, workspace_b)
    before = _conversations_of(workspace_b)
    under_a = f"/w/{workspace_a.slug}/f/{SLUG}/conversations/{token}/"

    read = client.get(under_a)
    turn = client.post(
        under_a + "turns/", json.dumps({"text": "hello"}), content_type="application/json"
    )

    assert read.status_code == turn.status_code == 404
    assert read.json()["error"]["code"] == turn.json()["error"]["code"] == "conversation_not_found"
    assert b"Bravo" not in read.content + turn.content
    assert _conversations_of(workspace_b) == before
    assert _conversations_of(workspace_a) == [[], []]


def test_a_page_view_sent_to_a_lands_in_a_even_for_a_visitor_of_b(client, workspace_a, workspace_b):
    """The tracking address names the workspace; a visitor id known to B (a lead of B talked
    from that browser) gives B nothing and A no lead of B."""
    visitor = "shared-browser-0001"
    form = _published_form(workspace_b, "Bravo")
    with schema_context(workspace_b.schema_name):
        conversation = Conversation.objects.create(
            form=form, form_version=form.published_version, visitor_id=visitor
        )
        lead = Lead.objects.create(email="lead@bravo.example")
        Conversation.objects.filter(pk=conversation.pk).update(lead=lead)
        events_of_b = list(LeadEvent.objects.values_list())

    response = client.post(
        f"/w/{workspace_a.slug}/track/",
        json.dumps({"visitor_id": visitor, "url": "https://www.example.com/pricing"}),
        content_type="text/plain",
    )

    assert response.status_code == 204
    with schema_context(workspace_a.schema_name):
        assert list(LeadEvent.objects.values_list("visitor_id", "lead_id")) == [(visitor, None)]
    with schema_context(workspace_b.schema_name):
        assert list(LeadEvent.objects.values_list()) == events_of_b


def test_only_the_api_documentation_is_open_without_a_key(client):
    """Every /api/v1/ endpoint needs a key, except the OpenAPI document and its two readers,
    which describe the API and hold no workspace's data (tests/config/test_openapi.py)."""
    open_without_key = []
    for pattern in api_urlpatterns:
        route = str(pattern.pattern)
        if not route:
            continue  # the catch-all 404
        response = client.get("/api/v1/" + re.sub(r"<[^>]+>", "1", route))
        if response.status_code != 401:
            open_without_key.append(route)

    assert open_without_key == ["schema/", "docs/", "redoc/"]
