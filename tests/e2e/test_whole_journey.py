"""A new customer's whole journey, from a clean database, through the UI only (issue 10).

An owner signs up, builds a French form with two questions of their own, publishes it and
registers a webhook endpoint; the popup snippet goes on their plain website, where three
visitors talk to it (the seed's Lead A and Lead B, and a student); the inbox puts B above A and
the student last, disqualified, and B's page quotes B's own words. The owner upgrades through
(the fake) Stripe Checkout, an integrator creates an API key and lists the leads with it, and
the endpoint has received a signed `lead.qualified` event for each lead.

What is outside Parley is played by the test: the customer's site (HostSite), each visitor (a
browser of their own on that site), Stripe (the fake server and its signed webhook), the
integrator's HTTP calls and the webhook receiver (a local HTTP server thread).
"""

import json
import re
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.db import connection
from playwright.sync_api import Page, expect
from standardwebhooks.webhooks import Webhook

from billing.models import StripeEvent
from tenants.models import User, Workspace
from tests.e2e.conftest import (
    TIMEOUT_MS,
    Chat,
    Steps,
    committed_workspace_remove,
    requires_chromium,
    stripe_event_post,
)
from tests.leads.conversations import LEAD_A, LEAD_B, STUDENT

pytestmark = [pytest.mark.e2e, pytest.mark.django_db, requires_chromium]

WORKSPACE_NAME = "Conseil Parfait"
WORKSPACE_SLUG = "e2e-whole-journey"
OWNER_EMAIL = "owner@e2e-whole-journey.example"
OWNER_PASSWORD = "a-long-unusual-passphrase-42"
FORM_NAME = "Découverte"

# The French starter questions a new form comes with, then the owner's two.
NEED = "Qu'est-ce qui vous amène ?"
EMAIL = "Quelle est votre adresse e-mail professionnelle ?"
NAME = "Et votre nom ?"
COMPANY = "Dans quelle entreprise êtes-vous ?"
ROLE = "Quel est votre poste ?"
SIZE = "Combien de personnes y travaillent ?"
BUDGET = "Avez-vous un budget ?"
URGENCY = "C'est urgent ou vous avez le temps ?"
CUSTOM_QUESTIONS = [BUDGET, URGENCY]
CLOSING = "Merci ! Nous revenons vers vous très vite."


@dataclass(frozen=True)
class Visitor:
    name: str
    company: str
    # The seed's answers: e-mail, role, size, need, problem, impact, budget, urgency.
    seed: list[str]

    @property
    def email(self) -> str:
        return self.seed[0]

    def answers(self) -> list[tuple[str, str]]:
        """(question, answer) in the form's order. The seed's problem and impact lines are
        what discovery follow-ups would ask; these visitors say enough without them."""
        email, role, size, need, _problem, _impact, budget, urgency = self.seed
        return [
            (NEED, need),
            (EMAIL, email),
            (NAME, self.name),
            (COMPANY, self.company),
            (ROLE, role),
            (SIZE, size),
            (BUDGET, budget),
            (URGENCY, urgency),
        ]


LEAD_A_VISITOR = Visitor("Anne Arnaud", "Grand Groupe", LEAD_A)
LEAD_B_VISITOR = Visitor("Bruno Bernard", "PME Services", LEAD_B)
STUDENT_VISITOR = Visitor("Camille Petit", "Université de Lyon", STUDENT)


@pytest.fixture(scope="module")
def signup_removed_afterwards(django_db_setup, django_db_blocker):
    """The test signs up through the live server, which commits for real: afterwards, remove
    what it made (billing events, the workspace's schema and rows, the owner and their
    sessions), whatever step it reached."""
    yield
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        workspace = Workspace.objects.filter(slug=WORKSPACE_SLUG).first()
        user = User.objects.filter(email=OWNER_EMAIL).first()
        if workspace is not None:
            # Their workspace is set to null when it goes: delete them while they still name it.
            StripeEvent.objects.filter(workspace=workspace).delete()
        if workspace is not None and user is not None:
            committed_workspace_remove(workspace, user)
        elif user is not None:  # the workspace never came
            user.delete()


@contextmanager
def visitor_browser(steps: Steps) -> Iterator[Page]:
    """A visitor's own browser (no storage shared with the owner nor the other visitors), which
    the steps photograph meanwhile."""
    owner_page = steps.page
    context = owner_page.context.browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(TIMEOUT_MS)
    steps.page = context.new_page()
    try:
        yield steps.page
    finally:
        steps.page = owner_page
        context.close()


def _host_page_html(embed_snippet: str) -> str:
    return f"""<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>Conseil Parfait</title></head>
<body>
  <h1>Conseil Parfait</h1>
  <p>Nous aidons les équipes commerciales à appeler les bons prospects.</p>
  {embed_snippet}
</body>
</html>
"""


def _api_get(url: str, key: str) -> dict:
    """The integrator's call, with the API key."""
    request = urllib.request.Request(  # noqa: S310 - http to our own live server
        url, headers={"Authorization": f"Bearer {key}", "Accept": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


def test_a_new_customer_signs_up_builds_embeds_qualifies_upgrades_and_integrates(
    signup_removed_afterwards,
    stripe_fake,
    receiver,
    loopback_allowed,
    live_url,
    host_site,
    browser_page,
    steps,
):
    page = browser_page
    workspace_url = f"{live_url}/w/{WORKSPACE_SLUG}/"
    nav = page.get_by_role("navigation", name="Workspace")

    with steps("sign up"):
        page.goto(f"{live_url}/signup/")
        page.get_by_label("Your name").fill("Olivia Owner")
        page.get_by_label("Work e-mail").fill(OWNER_EMAIL)
        page.get_by_label("Password").fill(OWNER_PASSWORD)
        page.get_by_label("Workspace name").fill(WORKSPACE_NAME)
        page.get_by_label("Workspace address").fill(WORKSPACE_SLUG)
        page.get_by_role("button", name="Create workspace").click()
        expect(page).to_have_url(workspace_url)
        expect(page.get_by_role("status")).to_have_text(
            f"Welcome to Parley! {WORKSPACE_NAME} is ready."
        )
        expect(page.get_by_text("No leads yet.")).to_be_visible()

    with steps("create a French form"):
        page.get_by_role("link", name="Create a form").click()
        page.get_by_label("Name").fill(FORM_NAME)
        page.get_by_label("Language").select_option(label="Français")
        page.get_by_role("button", name="Create form").click()
        expect(page.get_by_role("heading", name=FORM_NAME, level=1)).to_be_visible()
        outline = page.get_by_role("navigation", name="Form outline")
        expect(outline.locator(".step-prompt")).to_have_text(
            [
                f"{number}. {prompt}"
                for number, prompt in enumerate([NEED, EMAIL, NAME, COMPANY, ROLE, SIZE], start=1)
            ]
        )

    for number, prompt in enumerate(CUSTOM_QUESTIONS, start=7):
        with steps(f"add the question {prompt}"):
            page.get_by_text("+ Add a question").click()
            page.get_by_role("link", name="Long text", exact=True).click()
            expect(page.get_by_role("heading", name="New question")).to_be_visible()
            page.get_by_label("Question", exact=True).fill(prompt)
            page.get_by_role("button", name="Add question").click()
            expect(page.get_by_role("status")).to_have_text("Question added.")
            expect(outline.locator(".step-prompt")).to_have_count(number)
            expect(outline.locator(".step-prompt").last).to_have_text(f"{number}. {prompt}")

    with steps("publish and copy the popup snippet"):
        page.get_by_role("button", name="Publish", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("Version 1 is live.")
        popup = page.get_by_role("textbox", name=re.compile(r"^Popup"))
        snippet = popup.input_value()
        assert 'data-mode="popup"' in snippet
        assert "data-parley-open" in snippet

    with steps("register a webhook endpoint for lead.qualified"):
        nav.get_by_role("link", name="Settings").click()
        page.get_by_role("link", name="Webhooks").click()
        expect(page.get_by_role("heading", name="Webhooks", level=1)).to_be_visible()
        page.get_by_label("Endpoint URL").fill(receiver.url)
        page.get_by_label("Description").fill("Our CRM")
        page.get_by_label("A lead's qualification changes").check()
        page.get_by_role("button", name="Add the endpoint").click()
        secret = page.get_by_label("Signing secret").input_value()
        assert secret.startswith("whsec_")
        expect(page.get_by_role("row").filter(has_text=receiver.url)).to_contain_text("active")

    # The customer pastes the snippet in a page of their own website.
    site_url = host_site.page("index.html", _host_page_html(snippet))

    for visitor in (LEAD_A_VISITOR, LEAD_B_VISITOR, STUDENT_VISITOR):
        with visitor_browser(steps) as site, steps(f"{visitor.name} talks to the popup"):
            site.goto(site_url)
            site.get_by_role("button", name="Talk to us").click()
            expect(site.get_by_role("dialog", name="Chat with us")).to_be_visible()
            chat = Chat(site, language="fr")
            for question, answer in visitor.answers():
                chat.type_answer(question, answer)
            # Each says enough in the form's own questions: no discovery follow-up.
            chat.expect_question(CLOSING)
            expect(chat.answer_box).to_be_hidden()

    with steps("the inbox: B above A, the student last and disqualified"):
        page.goto(workspace_url)
        nav.get_by_role("link", name="Leads").click()
        rows = page.locator("#inbox tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.nth(0)).to_contain_text(LEAD_B_VISITOR.email)
        expect(rows.nth(0)).to_contain_text("SQL")
        expect(rows.nth(1)).to_contain_text(LEAD_A_VISITOR.email)
        expect(rows.nth(1)).to_contain_text("MQL")
        expect(rows.nth(2)).to_contain_text(STUDENT_VISITOR.email)
        expect(rows.nth(2)).to_contain_text("disqualified (student)")

    with steps("B's page quotes B's own words as evidence"):
        rows.nth(0).get_by_role("link", name=LEAD_B_VISITOR.name).click()
        expect(page.get_by_role("heading", name=LEAD_B_VISITOR.name, level=1)).to_be_visible()
        qualification = page.get_by_role("region", name="Qualification")
        expect(qualification.locator(".lead-status")).to_have_text("SQL")
        budget, urgency = LEAD_B[6], LEAD_B[7]
        quotes = qualification.locator("q.lead-evidence")
        expect(quotes.filter(has_text=budget)).not_to_have_count(0)
        expect(quotes.filter(has_text=urgency)).not_to_have_count(0)
        # Every quote is a sentence B typed.
        for quote in quotes.all_inner_texts():
            assert any(quote in answer for _, answer in LEAD_B_VISITOR.answers()), quote

    with steps("upgrade: off to Stripe Checkout"):
        nav.get_by_role("link", name="Billing").click()
        expect(page.get_by_test_id("current-plan")).to_have_text("Free")
        page.get_by_role("button", name="Upgrade to Starter, monthly").click()
        expect(page.get_by_role("heading", name="Fake Stripe Checkout")).to_be_visible()
        session_id = page.url.rsplit("/", 1)[-1]

    with steps("Stripe says the checkout is paid"):
        session = stripe_fake.checkout_complete(session_id)
        event = stripe_fake.event("checkout.session.completed", session)
        assert stripe_event_post(live_url, event) == 200

    with steps("back on the billing page, on Starter"):
        page.goto(session["success_url"])
        expect(page.get_by_test_id("current-plan")).to_have_text("Starter")

    with steps("an integrator creates a read-only API key"):
        nav.get_by_role("link", name="Settings").click()
        page.get_by_role("link", name="API keys").click()
        page.get_by_label("Name").fill("CRM sync")
        page.get_by_label("Write").uncheck()
        page.get_by_role("button", name="Create the key").click()
        api_key = page.get_by_role("textbox", name="API key").input_value()
        assert api_key.startswith("parley_")
        key_row = page.get_by_role("row").filter(has_text="CRM sync")
        expect(key_row).to_contain_text("never")

    with steps("the integrator lists the leads with the key"):
        listed = _api_get(f"{live_url}/api/v1/leads/", api_key)["data"]
        assert [(lead["email"], lead["qualification"]) for lead in listed] == [
            (LEAD_B_VISITOR.email, "sql"),
            (LEAD_A_VISITOR.email, "mql"),
            (STUDENT_VISITOR.email, "disqualified"),
        ]
        assert listed[0]["band"] == "hot"
        page.goto(page.url)  # the keys page again, by GET: reloading would post the form again
        expect(key_row).not_to_contain_text("never")

    with steps("the endpoint received a signed lead.qualified event for each lead"):
        messages = [Webhook(secret).verify(r.body, r.headers) for r in receiver.requests]
        assert [message["type"] for message in messages] == ["lead.qualified"] * 3
        leads = {message["data"]["lead"]["email"]: message["data"]["lead"] for message in messages}
        b, a, student = (
            leads[LEAD_B_VISITOR.email],
            leads[LEAD_A_VISITOR.email],
            leads[STUDENT_VISITOR.email],
        )
        assert (b["status"], b["band"], b["disqualification"]) == ("sql", "hot", None)
        assert b["bant"]["budget"] == "confirmed"
        assert (b["bant"]["budget_amount"], b["bant"]["budget_currency"]) == ("6000.00", "EUR")
        assert b["bant"]["timing"] == "quarter"
        assert a["status"] == "mql"
        assert (student["status"], student["disqualification"]) == ("disqualified", "student")
