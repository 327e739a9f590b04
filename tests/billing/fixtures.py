"""Fixtures for billing, for every test package (a plugin of tests/conftest.py): a local fake
Stripe server the official client talks to, and Stripe's part in a webhook (events signed with
the endpoint's secret, the real scheme)."""

import hashlib
import hmac
import json
import time

import pytest
from django_tenants.utils import schema_context

from billing import stripe_client
from billing.models import BillingAccount
from billing.plans import INTERVALS, paid_plans
from forms_builder.services import form_create, form_publish
from leads.models import Conversation
from leads.services.conversations import conversation_start, conversation_turn
from tests.conversations import followups_answer
from tests.fakes.stripe_server import FakeStripeServer

WEBHOOK_SECRET = "whsec_test_parley"
WEBHOOK_URL = "/billing/stripe/webhook/"


@pytest.fixture
def stripe_fake(settings):
    """Billing enabled against a fake Stripe holding every plan's prices, by lookup key."""
    with FakeStripeServer() as fake:
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = fake.base_url
        settings.STRIPE_MAX_NETWORK_RETRIES = 0
        settings.STRIPE_PRICE_IDS = {}
        for plan in paid_plans():
            for interval in plan.prices:
                fake.price_add(plan.lookup_key(interval), interval=INTERVALS[interval])
            if plan.is_metered:
                fake.price_add(plan.meter_lookup_key, metered=True)
        stripe_client._price_id_by_lookup_key.cache_clear()
        yield fake
        stripe_client._price_id_by_lookup_key.cache_clear()


def signature_header(payload: bytes, *, secret: str = WEBHOOK_SECRET, timestamp=None) -> str:
    """Stripe's Stripe-Signature: HMAC-SHA256 of "timestamp.payload" with the endpoint secret."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@pytest.fixture
def send_event(client, django_capture_on_commit_callbacks):
    """`send_event(event)`: post a Stripe event to the webhook endpoint, signed, as Stripe does.
    What the request queued after commit (e-mails) runs before it returns."""

    def send(event: dict, **signing):
        payload = json.dumps(event).encode()
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                WEBHOOK_URL,
                payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=signature_header(payload, **signing),
            )

    return send


def account_of(workspace) -> BillingAccount:
    return BillingAccount.objects.get(workspace=workspace)


@pytest.fixture
def checkout(owner_client, workspace_a, stripe_fake):
    """`checkout(plan, interval)`: A's owner clicks Upgrade; returns the Checkout Session."""

    def start(plan: str = "starter", interval: str = "monthly") -> dict:
        response = owner_client.post(
            f"/w/{workspace_a.slug}/billing/checkout/", {"plan": plan, "interval": interval}
        )
        assert response.status_code == 302, response
        session_id = response["Location"].rsplit("/", 1)[-1]
        return stripe_fake.checkout_sessions[session_id]

    return start


@pytest.fixture
def subscribed(checkout, stripe_fake, send_event, workspace_a):
    """`subscribed(plan)`: A pays Checkout for `plan` and Stripe says so; returns the
    subscription id."""

    def subscribe(plan: str = "starter", interval: str = "monthly") -> str:
        session = stripe_fake.checkout_complete(checkout(plan, interval)["id"])
        assert (
            send_event(stripe_fake.event("checkout.session.completed", session)).status_code == 200
        )
        return session["subscription"]

    return subscribe


@pytest.fixture
def published_form(workspace_a):
    """A published form of A, asking for an e-mail then a company, in English."""
    with schema_context(workspace_a.schema_name):
        form = form_create(name="Contact sales")
        form_publish(form=form)
    return form


# A visitor with an urgent, identified need, a budget and the authority to buy: an SQL.
HOT_NEED = (
    "Our sales team loses deals because leads wait days for a call. We must fix it this "
    "quarter, the budget of 20k€ is approved and I decide."
)


def visitor_talks(form, email: str, need: str = HOT_NEED) -> Conversation:
    """A visitor answers `form` to the end (the current schema must be the form's)."""
    conversation = conversation_start(form=form).conversation
    for text in (need, email, "Ada Lovelace", "Analytical Engines", "CEO", "11-50"):
        conversation = conversation_turn(token=conversation.token, text=text).conversation
    return followups_answer(conversation)
