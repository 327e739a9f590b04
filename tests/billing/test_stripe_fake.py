"""The fake Stripe speaks Stripe's published shapes (docs.stripe.com/api), so code that works
against it works against Stripe: list objects page by `limit` and `starting_after` and say where
they live, timestamps are integers, and objects carry Stripe's fields, not the request's."""

import time

import pytest
import stripe

from tests.fakes.stripe_server import FakeStripeServer


@pytest.fixture
def fake():
    with FakeStripeServer() as server:
        yield server


@pytest.fixture
def v1(fake):
    return stripe.StripeClient(
        "sk_test_fake", base_addresses={"api": fake.base_url}, max_network_retries=0
    ).v1


def _meters(fake, count: int) -> list[str]:
    """`count` meters; their ids newest first, the order in which Stripe lists them."""
    made = [
        fake.meter_add(event_name=f"event_{n}", display_name=f"Meter {n}")["id"]
        for n in range(count)
    ]
    return made[::-1]


def test_a_list_is_a_list_object_with_its_url_and_ten_items_by_default(fake, v1):
    ids = _meters(fake, 12)

    page = v1.billing.meters.list()

    assert page.object == "list"
    assert page.url == "/v1/billing/meters"
    assert [m.id for m in page.data] == ids[:10]
    assert page.has_more is True


def test_a_list_honours_limit_and_starting_after(fake, v1):
    ids = _meters(fake, 5)

    first = v1.billing.meters.list(params={"limit": 2})
    last = v1.billing.meters.list(params={"limit": 2, "starting_after": ids[3]})
    before = v1.billing.meters.list(params={"limit": 2, "ending_before": ids[3]})

    assert ([m.id for m in first.data], first.has_more) == (ids[:2], True)
    assert ([m.id for m in last.data], last.has_more) == (ids[4:], False)
    assert ([m.id for m in before.data], before.has_more) == (ids[1:3], True)


def test_the_official_client_pages_through_a_whole_list(fake, v1):
    ids = _meters(fake, 23)

    seen = [m.id for m in v1.billing.meters.list(params={"limit": 10}).auto_paging_iter()]

    assert seen == ids
    assert len(fake.requests_to("GET", "/v1/billing/meters")) == 3


@pytest.mark.parametrize("limit", [0, 101, "many"])
def test_a_limit_stripe_refuses_is_refused(fake, v1, limit):
    with pytest.raises(stripe.InvalidRequestError):
        v1.billing.meters.list(params={"limit": limit})


def test_a_subscription_lists_its_items_as_a_list_object(fake):
    fake.price_add("parley_starter_monthly")
    customer = fake.customer_add()
    subscription = fake.subscription_add(customer["id"], ["parley_starter_monthly"])

    items = subscription["items"]

    assert items["object"] == "list"
    assert items["url"] == f"/v1/subscription_items?subscription={subscription['id']}"
    assert items["has_more"] is False


def test_a_meter_event_comes_back_with_integer_timestamps_and_stripe_fields(fake, v1):
    now = int(time.time())

    event = v1.billing.meter_events.create(
        params={
            "event_name": "qualified_lead",
            "identifier": "lead-1",
            "timestamp": now,
            "payload": {"stripe_customer_id": "cus_1", "value": "1"},
        }
    )

    assert event.object == "billing.meter_event"
    assert event.timestamp == now
    assert isinstance(event.created, int)
    assert event.livemode is False
    assert set(event.to_dict()) == {
        "object",
        "created",
        "event_name",
        "identifier",
        "livemode",
        "payload",
        "timestamp",
    }


def test_a_checkout_session_does_not_echo_what_stripe_keeps_to_itself(fake, v1):
    price = fake.price_add("parley_starter_monthly")
    customer = fake.customer_add()

    session = v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer": customer["id"],
            "line_items": [{"price": price["id"], "quantity": 1}],
            "success_url": "https://parley.test/done",
            "cancel_url": "https://parley.test/cancel",
            "subscription_data": {"metadata": {"plan": "starter"}},
        }
    )

    # line_items are only returned when expanded; subscription_data is no field of a session.
    assert "line_items" not in session
    assert "subscription_data" not in session
    assert session.object == "checkout.session"
    assert isinstance(session.created, int)
    assert fake.checkout_requests[session.id]["line_items"] == [
        {"price": price["id"], "quantity": "1"}
    ]
