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
    assert prices["parley_starter_yearly"]["recurring"]["interval"] == "year"
    assert prices["parley_starter_yearly"]["recurring"]["usage_type"] == "licensed"
    [meter] = empty_stripe.meters.values()
    assert meter["event_name"] == METER_EVENT_NAME
    metered = prices["parley_results_per_qualified_lead"]["recurring"]
    assert (metered["interval"], metered["usage_type"], metered["meter"]) == (
        "month",
        "metered",
        meter["id"],
    )
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


def test_the_meter_is_found_on_any_page_of_the_accounts_meters(empty_stripe):
    """Given an account whose Parley meter was made before 25 others (Stripe lists newest first,
    ten a page), when the plans are synced again, then the meter is found, not made twice."""
    _sync()
    for n in range(25):
        empty_stripe.meter_add(event_name=f"other_event_{n}", display_name=f"Other {n}")

    _sync()

    names = [m["event_name"] for m in empty_stripe.meters.values()]
    assert names.count(METER_EVENT_NAME) == 1
    assert len(empty_stripe.requests_to("GET", "/v1/billing/meters")) > 1


def test_without_a_key_it_says_what_to_set(settings):
    settings.STRIPE_SECRET_KEY = ""

    with pytest.raises(CommandError, match="STRIPE_SECRET_KEY"):
        _sync()


def test_stripe_down_is_a_command_error(empty_stripe):
    empty_stripe.outage = True

    with pytest.raises(CommandError, match="Stripe could not"):
        _sync()
