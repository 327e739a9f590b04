"""Page views in a real browser: a customer's page on another site embeds a form's script;
loading the page sends a page view with the visitor's first-party id to the form's workspace,
and Parley.track() (a single-page app's route change) sends another."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import sync_playwright

from forms_builder.services import form_create, form_publish
from leads.models import EventKind, LeadEvent
from tenants.models import Workspace
from tenants.services import user_create, workspace_create
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, requires_chromium
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db, requires_chromium]

WORKSPACE_SLUG = "e2e-tracking"


@pytest.fixture(scope="module")
def published_form(django_db_setup, django_db_blocker):
    """A workspace with a published form, committed for real so that the live server's own
    connections see them; removed again afterwards, schema included."""
    with django_db_blocker.unblock():
        user = user_create(email="owner@e2e-tracking.example", password=PASSWORD)
        workspace = workspace_create(name="E2E Tracking", slug=WORKSPACE_SLUG, owner=user)
        with schema_context(workspace.schema_name):
            form = form_create(name="Contact sales")
            form_publish(form=form)
        connection.set_schema_to_public()
    try:
        yield workspace, form.slug
    finally:
        with django_db_blocker.unblock():
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP SCHEMA "{workspace.schema_name}" CASCADE')
            Workspace.objects.filter(pk=workspace.pk).delete()
            user.delete()


def test_a_page_with_the_embed_sends_page_views_with_the_visitor_id(
    published_form, live_url, host_site
):
    workspace, form_slug = published_form
    snippet = (
        f'<script src="{live_url}/static/forms_builder/embed.js" '
        f'data-form="{live_url}/w/{workspace.slug}/f/{form_slug}/" data-mode="popup"></script>'
    )
    page_url = host_site.page(
        "features.html", f"<!doctype html><title>Features</title><h1>Features</h1>{snippet}"
    )
    track_url = f"{live_url}/w/{workspace.slug}/track/"

    # The browser runs here rather than in the `browser_page` fixture: once it is closed, the
    # test may read the database again (see tests/e2e/conftest.py).
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            with page.expect_response(track_url) as loaded:
                page.goto(page_url)
            assert loaded.value.status == 204
            visitor_id = page.evaluate("localStorage.getItem('parley:vid')")
            with page.expect_response(track_url) as route_change:
                page.evaluate("Parley.track('/pricing')")
            assert route_change.value.status == 204
        finally:
            browser.close()

    with schema_context(workspace.schema_name):
        events = list(
            LeadEvent.objects.order_by("pk").values_list("visitor_id", "kind", "url", "referrer")
        )
    assert visitor_id
    assert events == [
        (visitor_id, EventKind.PAGE_VIEW, page_url, ""),
        (visitor_id, EventKind.PAGE_VIEW, f"{host_site.url}/pricing", page_url),
    ]
