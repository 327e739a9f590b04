"""Stored XSS, in a real browser: a visitor fills every field they can with script payloads,
and the page views tracked for them carry payloads in their addresses. Sales then open the inbox
and the lead's page in Chromium: the payloads show as text, and none of them runs."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context
from playwright.sync_api import Page, expect

from forms_builder.services import form_create, form_publish
from leads.models import EventKind, Lead, LeadEvent
from leads.services.conversations import conversation_start, conversation_turn
from leads.services.leads import lead_qualify
from leads.services.sales import lead_outcome_record
from tenants.services import user_create, workspace_create
from tests.e2e.conftest import committed_workspace_remove, requires_chromium
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db, requires_chromium]

WORKSPACE_SLUG = "e2e-xss"
OWNER_EMAIL = "owner@e2e-xss.example"

# Each payload, if it ever ran, would count itself in window.__xss and open a dialog.
RUN = "window.__xss=(window.__xss||0)+1;alert(document.domain)"
PAYLOADS = [
    f"<script>{RUN}</script>",
    f'<img src=x onerror="{RUN}">',
    f'"><svg onload="{RUN}">',
    f'\'><iframe srcdoc="<script>parent.{RUN}</script>"></iframe>',
    f"javascript:{RUN}",
    f"</textarea></title><script>{RUN}</script>",
    f"{{{{ request }}}} ${{{RUN}}} `${{{RUN}}}`",
]
NAME = f"Mallory <b>Bold</b> {PAYLOADS[1]}"
COMPANY = f"Evil Corp {PAYLOADS[2]}"
CLAIMED_NAME = f"Claimed <i>Italic</i> {PAYLOADS[5]}"
ROLE = f"CEO {PAYLOADS[0]}"
NEED = (
    "We need it this month and the budget is approved, I sign. "
    + " ".join(PAYLOADS)
    + " Our reps lose hours on bad leads."
)


@dataclass
class Planted:
    lead_id: int


@pytest.fixture(scope="module")
def planted(django_db_setup, django_db_blocker):
    """A workspace whose one lead was written by an attacker, committed for the live server,
    removed afterwards."""
    with django_db_blocker.unblock():
        owner = user_create(email=OWNER_EMAIL, password=PASSWORD, full_name="Olivia Owner")
        workspace = workspace_create(name="E2E XSS", slug=WORKSPACE_SLUG, owner=owner)
        with schema_context(workspace.schema_name):
            form = form_create(name=f"Form {PAYLOADS[0]}", language="en")
            form_publish(form=form)
            first = conversation_start(
                form=form,
                visitor_id="attacker-visitor",
                utm={"utm_source": PAYLOADS[1], "utm_campaign": PAYLOADS[2]},
                referrer=f"https://ref.example/?q={PAYLOADS[1]}",
                landing_page=f"https://site.example/landing?x={PAYLOADS[0]}",
            ).conversation
            # A second conversation with the same e-mail: what it claims otherwise is shown on
            # the lead page's claims panel (leads/claims.py).
            for name, company in ((NAME, COMPANY), (CLAIMED_NAME, COMPANY)):
                conversation = first if name == NAME else conversation_start(form=form).conversation
                for answer in (NEED, "mallory@evil.example", name, company, ROLE, "30"):
                    conversation = conversation_turn(token=conversation.token, text=answer)
                    conversation = conversation.conversation
                for _ in range(5):
                    if conversation.current_step_key == "":
                        break
                    conversation = conversation_turn(token=conversation.token, text=PAYLOADS[3])
                    conversation = conversation.conversation
            lead = Lead.objects.get(pk=conversation.lead_id)
            now = timezone.now()
            LeadEvent.objects.bulk_create(
                LeadEvent(
                    lead=lead,
                    visitor_id="attacker-visitor",
                    kind=EventKind.PAGE_VIEW,
                    url=f"https://site.example/pricing?{index}={payload}",
                    occurred_at=now - timedelta(minutes=index),
                )
                for index, payload in enumerate(PAYLOADS)
            )
            lead_qualify(lead=lead)
            lead_outcome_record(lead=lead, kind="contacted", by=owner, note=PAYLOADS[5])
        connection.set_schema_to_public()
    try:
        yield Planted(lead_id=lead.pk)
    finally:
        with django_db_blocker.unblock():
            committed_workspace_remove(workspace, owner)


def _watch_for_scripts(page: Page) -> list[str]:
    """Every dialog the page opens (an alert is what a payload calls)."""
    dialogs: list[str] = []

    def on_dialog(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def _assert_nothing_ran(page: Page, dialogs: list[str]) -> None:
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    # No payload became a live element or a script link.
    assert page.locator("img[src=x], svg[onload], iframe[srcdoc]").count() == 0
    assert page.locator("a[href^='javascript:' i]").count() == 0


def test_visitor_text_and_event_urls_never_run_in_the_inbox_or_on_the_lead_page(
    planted, live_url, browser_page, steps
):
    page = browser_page
    dialogs = _watch_for_scripts(page)

    with steps("log in"):
        page.goto(f"{live_url}/login/")
        page.get_by_label("E-mail").fill(OWNER_EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{live_url}/w/{WORKSPACE_SLUG}/")

    with steps("the inbox shows the payloads as text"):
        page.goto(f"{live_url}/w/{WORKSPACE_SLUG}/leads/")
        expect(page.get_by_text(NAME, exact=False).first).to_be_visible()
        expect(page.get_by_text("Evil Corp", exact=False).first).to_be_visible()
        page.wait_for_load_state("load")
        _assert_nothing_ran(page, dialogs)

    with steps("the lead page shows them as text too"):
        page.goto(f"{live_url}/w/{WORKSPACE_SLUG}/leads/{planted.lead_id}/")
        page.wait_for_load_state("load")
        body = page.locator("body").inner_text()
        assert PAYLOADS[0] in body  # in the transcript, as the visitor typed it
        assert NAME in body
        assert "<b>Bold</b>" in body  # markup shown, not applied
        assert page.locator("b", has_text="Bold").count() == 0
        claims = page.locator(".lead-claims").inner_text()
        assert CLAIMED_NAME in claims
        assert page.locator("i", has_text="Italic").count() == 0
        _assert_nothing_ran(page, dialogs)
