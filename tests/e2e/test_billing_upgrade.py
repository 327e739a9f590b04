"""Upgrading in a real browser: an owner whose free plan is full sees leads hidden behind the
inbox's notice, clicks Upgrade, is sent to (the fake) Stripe Checkout; Stripe's signed
checkout.session.completed webhook arrives; the billing page shows the new plan and the hidden
leads are in the inbox."""

import dataclasses
from dataclasses import dataclass

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from billing import stripe_client
from billing.models import StripeEvent
from billing.plans import FREE, INTERVALS, PLANS, paid_plans
from forms_builder.services import form_create, form_publish
from tenants.services import user_create, workspace_create
from tests.billing.fixtures import WEBHOOK_SECRET, visitor_talks
from tests.e2e.conftest import (
    committed_workspace_remove,
    log_in,
    requires_chromium,
    stripe_event_post,
)
from tests.factories import PASSWORD
from tests.fakes.stripe_server import FakeStripeServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db, requires_chromium]

WORKSPACE_SLUG = "e2e-billing"
OWNER_EMAIL = "owner@e2e-billing.example"
VISITORS = ["first@example.com", "second@example.com", "third@example.com"]


@dataclass
class Billing:
    email: str
    password: str
    workspace_slug: str
    stripe: FakeStripeServer


@pytest.fixture(scope="module")
def stripe_server():
    with FakeStripeServer() as fake:
        for plan in paid_plans():
            for interval in plan.prices:
                fake.price_add(plan.lookup_key(interval), interval=INTERVALS[interval])
        yield fake


@pytest.fixture(scope="module")
def full_free_plan():
    """The free plan allows one conversation a month, for this module."""
    free = PLANS[FREE]
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(
            PLANS, FREE, dataclasses.replace(free, limits={**free.limits, "conversations": 1})
        )
        yield


@pytest.fixture
def billing_on(settings, stripe_server):
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stripe_server.base_url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.STRIPE_PRICE_IDS = {}
    stripe_client._price_id_by_lookup_key.cache_clear()


@pytest.fixture(scope="module")
def owner(django_db_setup, django_db_blocker, full_free_plan, stripe_server):
    """An owner and a workspace whose three visitors came past the one conversation its plan
    allows, committed so that the live server sees them; removed again afterwards."""
    with django_db_blocker.unblock():
        user = user_create(email=OWNER_EMAIL, password=PASSWORD, full_name="Olivia Owner")
        workspace = workspace_create(name="E2E Billing", slug=WORKSPACE_SLUG, owner=user)
        with schema_context(workspace.schema_name):
            form = form_create(name="Contact sales")
            form_publish(form=form)
            for email in VISITORS:
                visitor_talks(form, email)
        connection.set_schema_to_public()
    try:
        yield Billing(OWNER_EMAIL, PASSWORD, WORKSPACE_SLUG, stripe_server)
    finally:
        with django_db_blocker.unblock():
            connection.set_schema_to_public()
            StripeEvent.objects.filter(workspace=workspace).delete()
            committed_workspace_remove(workspace, user)


def test_owner_upgrades_through_checkout_and_the_hidden_leads_appear(
    owner, billing_on, live_url, browser_page, steps
):
    page = browser_page
    workspace_url = f"{live_url}/w/{owner.workspace_slug}/"

    with steps("log in"):
        log_in(page, live_url, owner)

    with steps("the inbox hides the leads past the free plan"):
        page.goto(f"{workspace_url}leads/")
        expect(page.get_by_text("Upgrade to see 2 more leads.")).to_be_visible()
        expect(page.get_by_text(VISITORS[0])).to_be_visible()
        expect(page.get_by_text(VISITORS[2])).to_have_count(0)

    with steps("the billing page shows the free plan, full"):
        page.get_by_role("link", name="See plans and usage").click()
        expect(page).to_have_url(f"{workspace_url}billing/")
        expect(page.get_by_test_id("current-plan")).to_have_text("Free")
        expect(page.get_by_text("3 / 1")).to_be_visible()

    with steps("upgrade: off to Stripe Checkout"):
        page.get_by_role("button", name="Upgrade to Starter, monthly").click()
        expect(page.get_by_role("heading", name="Fake Stripe Checkout")).to_be_visible()
        session_id = page.url.rsplit("/", 1)[-1]

    with steps("Stripe says the checkout is paid"):
        session = owner.stripe.checkout_complete(session_id)
        event = owner.stripe.event("checkout.session.completed", session)
        assert stripe_event_post(live_url, event) == 200

    with steps("back on the billing page, on Starter"):
        page.goto(session["success_url"])
        expect(page.get_by_test_id("current-plan")).to_have_text("Starter")
        expect(page.get_by_text("the plan changes as soon as Stripe confirms it")).to_be_visible()
        expect(page.get_by_role("button", name="Manage billing")).to_be_visible()

    with steps("the hidden leads are in the inbox"):
        page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Leads").click()
        for email in VISITORS:
            expect(page.get_by_text(email)).to_be_visible()
        expect(page.get_by_text("Upgrade to see")).to_have_count(0)
