"""`manage.py stripe_sync_plans` makes a Stripe account sell the plans of billing/plans.py: a
product per paid plan, a price per lookup key, the qualified-lead meter; run again, it creates
nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from billing.plans import METER_EVENT_NAME, paid_plans
from tests.fakes.stripe_server import FakeStripeServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def empty_stripe(settings):
    with FakeStripeServer() as fake:
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.STRIPE_API_BASE = fake.base_url
        settings.STRIPE_MAX_NETWORK_RETRIES = 0
        yield fake


def _sync() -> str:
    out = StringIO()
    call_command("stripe_sync_plans", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_creates_products_prices_and_the_meter(empty_stripe):
    output = _sync()

    assert sorted(empty_stripe.products) == sorted(f"parley_{p.slug}" for p in paid_plans())
    prices = {p["lookup_key"]: p for p in empty_stripe.prices.values()}
    assert sorted(prices) == [
        "parley_growth_monthly",
        "parley_growth_yearly",
        "parley_results_monthly",
        "parley_results_per_qualified_lead",
        "parley_starter_monthly",
        "parley_starter_yearly",
    ]
    assert prices["parley_starter_yearly"]["unit_amount"] == 49000
    assert prices["parley_starter_yearly"]["recurring"] == {"interval": "year"}
    [meter] = empty_stripe.meters.values()
    assert meter["event_name"] == METER_EVENT_NAME
    assert prices["parley_results_per_qualified_lead"]["recurring"] == {
        "interval": "month",
        "usage_type": "metered",
        "meter": meter["id"],
    }
    assert output.count("created") == len(prices) + len(empty_stripe.products) + 1


def test_a_second_run_creates_nothing(empty_stripe):
    _sync()
    counts = (len(empty_stripe.products), len(empty_stripe.prices), len(empty_stripe.meters))
    first_run = len(empty_stripe.requests)

    output = _sync()

    assert (
        len(empty_stripe.products),
        len(empty_stripe.prices),
        len(empty_stripe.meters),
    ) == counts
    assert "created" not in output
    assert not [r for r in empty_stripe.requests[first_run:] if r.method == "POST"]


def test_without_a_key_it_says_what_to_set(settings):
    settings.STRIPE_SECRET_KEY = ""

    with pytest.raises(CommandError, match="STRIPE_SECRET_KEY"):
        _sync()


def test_stripe_down_is_a_command_error(empty_stripe):
    empty_stripe.outage = True

    with pytest.raises(CommandError, match="Stripe could not"):
        _sync()
