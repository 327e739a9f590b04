"""Stripe's webhook: the only source of what Parley believes about a subscription. Signed events
only; each applied once; out of order, the current state wins; a failed payment keeps the plan
for a grace period, with e-mails, then the workspace goes back to free."""

import json
import time
from datetime import timedelta

import pytest
from django.core import mail

from billing.models import BillingAccount, StripeEvent
from billing.webhooks import billing_grace_expire
from tests.billing.fixtures import WEBHOOK_URL, account_of, signature_header

pytestmark = pytest.mark.django_db


def _event_body(stripe_fake) -> bytes:
    return json.dumps(stripe_fake.event("customer.subscription.updated", {"id": "sub_x"})).encode()


# --- Signatures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        "t=notanumber,v1=abc",
        signature_header(b"another body"),
        "signed-with-another-secret",
        "stale",
    ],
)
def test_an_event_without_a_valid_recent_signature_is_refused_with_400(client, stripe_fake, header):
    body = _event_body(stripe_fake)
    if header == "signed-with-another-secret":
        header = signature_header(body, secret="whsec_attacker")
    elif header == "stale":
        header = signature_header(body, timestamp=int(time.time()) - 3600)
    extra = {} if header is None else {"HTTP_STRIPE_SIGNATURE": header}

    response = client.post(WEBHOOK_URL, body, content_type="application/json", **extra)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert not StripeEvent.objects.exists()


def test_without_a_webhook_secret_every_event_is_refused(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    body = b'{"id": "evt_1"}'

    response = client.post(
        WEBHOOK_URL,
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(body, secret="whatever"),
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "billing_disabled"


def test_a_signed_body_that_is_not_an_event_is_refused(client, stripe_fake):
    body = b"[1, 2, 3]"
    response = client.post(
        WEBHOOK_URL,
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(body),
    )

    assert response.status_code == 400


def test_the_webhook_needs_no_csrf_token_but_only_takes_post(stripe_fake, send_event):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    event = stripe_fake.event("customer.created", {"id": "cus_x"})
    payload = json.dumps(event).encode()

    posted = strict.post(
        WEBHOOK_URL,
        payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(payload),
    )

    assert posted.status_code == 200
    assert strict.get(WEBHOOK_URL).status_code == 405


# --- The subscription's life ------------------------------------------------------------------


def test_upgrade_paid_payment_failed_grace_then_downgrade(
    workspace_a, owner, stripe_fake, send_event, subscribed, django_capture_on_commit_callbacks
):
    # Upgrade: Checkout is paid, Stripe says so.
    subscription_id = subscribed("growth", "yearly")
    account = account_of(workspace_a)
    assert account.plan == "growth"
    assert account.billing_interval == "yearly"
    assert account.subscription_status == "active"
    assert account.current_period_end is not None
    assert mail.outbox[-1].subject == "Alpha Corp is on the Growth plan"
    assert owner.email in mail.outbox[-1].to

    # Paid: the first invoice.
    invoice = stripe_fake.invoice(subscription_id, paid=True)
    assert send_event(stripe_fake.event("invoice.paid", invoice)).status_code == 200
    assert account_of(workspace_a).plan == "growth"

    # A renewal fails: Stripe marks the subscription past due and says the invoice failed.
    stripe_fake.subscription_update(subscription_id, status="past_due")
    failed = stripe_fake.invoice(subscription_id, paid=False)
    send_event(stripe_fake.event("invoice.payment_failed", failed))
    account = account_of(workspace_a)
    assert account.plan == "growth"  # kept during the grace period
    assert account.grace_until - account.payment_failed_at == timedelta(days=7)
    assert mail.outbox[-1].subject == "Payment failed for Alpha Corp: please update the card"
    assert account.grace_until.strftime("%-d %B %Y") in mail.outbox[-1].body

    # Stripe retries the card and fails again: the grace period does not start over.
    send_event(
        stripe_fake.event(
            "invoice.payment_failed", stripe_fake.invoice(subscription_id, paid=False)
        )
    )
    assert account_of(workspace_a).grace_until == account.grace_until
    assert len([m for m in mail.outbox if "Payment failed" in m.subject]) == 1

    # Grace: the hourly task leaves it alone until the grace period is over...
    assert billing_grace_expire(now=account.grace_until - timedelta(minutes=1)) == 0
    assert account_of(workspace_a).plan == "growth"
    # ...then downgrades it to free, with an e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        assert billing_grace_expire(now=account.grace_until) == 1
    account = account_of(workspace_a)
    assert account.plan == "free"
    assert account.grace_until is None
    assert mail.outbox[-1].subject == "Alpha Corp is back on the Free plan"


def test_a_payment_that_succeeds_during_the_grace_period_ends_it(
    workspace_a, stripe_fake, send_event, subscribed
):
    subscription_id = subscribed("starter")
    stripe_fake.subscription_update(subscription_id, status="past_due")
    send_event(
        stripe_fake.event(
            "invoice.payment_failed", stripe_fake.invoice(subscription_id, paid=False)
        )
    )
    assert account_of(workspace_a).grace_until is not None

    stripe_fake.subscription_update(subscription_id, status="active")
    send_event(stripe_fake.event("invoice.paid", stripe_fake.invoice(subscription_id, paid=True)))

    account = account_of(workspace_a)
    assert account.plan == "starter"
    assert account.grace_until is None
    assert account.payment_failed_at is None


def test_a_subscription_deleted_puts_the_workspace_back_on_free(
    workspace_a, stripe_fake, send_event, subscribed
):
    subscription_id = subscribed("starter")

    deleted = stripe_fake.subscription_update(subscription_id, status="canceled")
    send_event(stripe_fake.event("customer.subscription.deleted", deleted))

    account = account_of(workspace_a)
    assert account.plan == "free"
    assert account.subscription_status == "canceled"
    assert mail.outbox[-1].subject == "Alpha Corp is back on the Free plan"


def test_a_plan_change_in_the_portal_arrives_as_a_subscription_update(
    workspace_a, stripe_fake, send_event, subscribed
):
    subscription_id = subscribed("starter")

    updated = stripe_fake.subscription_update(subscription_id, lookup_key="parley_growth_monthly")
    send_event(stripe_fake.event("customer.subscription.updated", updated))

    assert account_of(workspace_a).plan == "growth"


def test_cancelling_at_period_end_keeps_the_plan_until_stripe_ends_it(
    owner_client, workspace_a, stripe_fake, send_event, subscribed
):
    subscription_id = subscribed("starter")

    updated = stripe_fake.subscription_update(subscription_id, cancel_at_period_end=True)
    send_event(stripe_fake.event("customer.subscription.updated", updated))

    account = account_of(workspace_a)
    assert account.plan == "starter"
    assert account.cancel_at_period_end
    assert "ends on" in owner_client.get(f"/w/{workspace_a.slug}/billing/").content.decode()


# --- At least once, in any order --------------------------------------------------------------


def test_the_same_event_delivered_twice_is_applied_once(
    workspace_a, stripe_fake, send_event, subscribed
):
    subscription_id = subscribed("starter")
    stripe_fake.subscription_update(subscription_id, status="past_due")
    event = stripe_fake.event(
        "invoice.payment_failed", stripe_fake.invoice(subscription_id, paid=False)
    )

    first = send_event(event)
    sent = len(mail.outbox)
    fetches = len(stripe_fake.requests_to("GET", f"/v1/subscriptions/{subscription_id}"))
    second = send_event(event)

    assert first.json() == {"received": event["id"], "duplicate": False}
    assert second.status_code == 200
    assert second.json() == {"received": event["id"], "duplicate": True}
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1
    assert len(mail.outbox) == sent
    assert len(stripe_fake.requests_to("GET", f"/v1/subscriptions/{subscription_id}")) == fetches


def test_an_old_event_arriving_last_applies_the_current_state(
    workspace_a, stripe_fake, send_event, checkout
):
    """Stripe sends created, then updated (to past due), then deleted; they arrive the other way
    round. Whatever order they arrive in, each makes Parley fetch the subscription as it is now."""
    session = stripe_fake.checkout_complete(checkout("starter")["id"])
    subscription_id = session["subscription"]
    created = stripe_fake.event(
        "customer.subscription.created", stripe_fake.subscriptions[subscription_id]
    )
    completed = stripe_fake.event("checkout.session.completed", session)
    stripe_fake.subscription_update(subscription_id, status="past_due")
    updated = stripe_fake.event(
        "customer.subscription.updated", stripe_fake.subscriptions[subscription_id]
    )
    deleted = stripe_fake.event(
        "customer.subscription.deleted",
        stripe_fake.subscription_update(subscription_id, status="canceled"),
    )

    for event in (deleted, updated, created, completed):
        assert send_event(event).status_code == 200

    account = account_of(workspace_a)
    assert account.plan == "free"
    assert account.subscription_status == "canceled"
    assert account.grace_until is None


def test_a_late_payment_failure_does_not_undo_a_later_successful_payment(
    workspace_a, stripe_fake, send_event, subscribed
):
    subscription_id = subscribed("starter")
    failed = stripe_fake.event(
        "invoice.payment_failed", stripe_fake.invoice(subscription_id, paid=False)
    )
    # The card was fixed and the invoice paid: the subscription is active again when the
    # failure's event finally arrives.
    send_event(stripe_fake.event("invoice.paid", stripe_fake.invoice(subscription_id, paid=True)))
    send_event(failed)

    account = account_of(workspace_a)
    assert account.plan == "starter"
    assert account.grace_until is None
    assert not [m for m in mail.outbox if "Payment failed" in m.subject]


def test_events_about_an_older_subscription_of_the_customer_are_ignored(
    workspace_a, stripe_fake, send_event, subscribed, checkout
):
    old = subscribed("starter")
    stripe_fake.subscription_update(old, status="canceled")
    send_event(stripe_fake.event("customer.subscription.deleted", stripe_fake.subscriptions[old]))
    new = subscribed("growth")

    late = stripe_fake.event("customer.subscription.updated", stripe_fake.subscriptions[old])
    response = send_event(late)

    assert response.status_code == 200
    account = account_of(workspace_a)
    assert (account.plan, account.stripe_subscription_id) == ("growth", new)
    assert (
        "not the workspace's current subscription"
        in StripeEvent.objects.get(event_id=late["id"]).outcome
    )


def test_the_plan_is_found_among_all_the_subscriptions_items_not_only_the_first_page(
    workspace_a, stripe_fake, send_event, checkout
):
    """Given a subscription of A with ten add-ons before its plan's price (Stripe embeds ten
    items and says has_more), when Stripe says it changed, then A is on the plan."""
    customer_id = stripe_fake.checkout_sessions[checkout("starter")["id"]]["customer"]
    add_ons = [stripe_fake.price_add(f"add_on_{n}")["lookup_key"] for n in range(10)]
    subscription = stripe_fake.subscription_add(customer_id, [*add_ons, "parley_starter_monthly"])

    send_event(stripe_fake.event("customer.subscription.created", subscription))

    assert account_of(workspace_a).plan == "starter"


def test_an_event_about_an_unknown_customer_is_recorded_and_ignored(stripe_fake, send_event):
    event = stripe_fake.event("customer.subscription.updated", {"id": "sub_x", "customer": "cus_x"})

    response = send_event(event)

    assert response.status_code == 200
    assert StripeEvent.objects.get(event_id=event["id"]).outcome.startswith("ignored")
    assert not BillingAccount.objects.exclude(plan="free").exists()


def test_stripe_unreachable_answers_503_and_stores_nothing_so_the_retry_applies_it(
    workspace_a, stripe_fake, send_event, checkout
):
    session = stripe_fake.checkout_complete(checkout("starter")["id"])
    event = stripe_fake.event("checkout.session.completed", session)
    stripe_fake.outage = True

    assert send_event(event).status_code == 503
    assert not StripeEvent.objects.filter(event_id=event["id"]).exists()

    stripe_fake.outage = False
    assert send_event(event).status_code == 200
    assert account_of(workspace_a).plan == "starter"


def test_a_checkout_for_another_workspace_customer_is_ignored(
    workspace_a, workspace_b, stripe_fake, send_event, checkout
):
    session = stripe_fake.checkout_complete(checkout("starter")["id"])
    session["client_reference_id"] = str(workspace_b.pk)

    send_event(stripe_fake.event("checkout.session.completed", session))

    assert account_of(workspace_a).plan == "free"
    assert not BillingAccount.objects.filter(workspace=workspace_b).exists()


# --- What Stripe never sends ------------------------------------------------------------------


def _post_signed(client, body: bytes, **signing):
    return client.post(
        WEBHOOK_URL,
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature_header(body, **signing),
    )


def test_a_signature_from_the_future_beyond_the_tolerance_is_refused(client, stripe_fake, settings):
    """The official client only refuses timestamps too far in the past: a header stamped an hour
    ahead would otherwise stay replayable for an hour longer than the tolerance says."""
    body = _event_body(stripe_fake)
    ahead = int(time.time()) + settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS + 60

    response = _post_signed(client, body, timestamp=ahead)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_signature"
    assert not StripeEvent.objects.exists()


def test_a_signature_a_little_ahead_of_our_clock_is_accepted(client, stripe_fake):
    # Stripe's clock and ours differ by a few seconds; that is what the tolerance is for.
    body = _event_body(stripe_fake)

    response = _post_signed(client, body, timestamp=int(time.time()) + 30)

    assert response.status_code == 200


def test_a_body_that_is_not_utf8_is_refused_with_400_in_the_error_shape(client, stripe_fake):
    body = b'{"id": "evt_\xff\xfe", "type": "customer.created"}'

    response = _post_signed(client, body)

    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert not StripeEvent.objects.exists()


@pytest.mark.parametrize(
    "created",
    [-1, 0, 253402300800, 10**20, 1e308, "1700000000", None, True, [1]],
    ids=["negative", "zero", "year-10000", "huge", "float", "string", "null", "bool", "list"],
)
def test_an_event_created_at_an_impossible_time_is_refused_and_nothing_stored(
    client, stripe_fake, created
):
    event = stripe_fake.event("customer.subscription.updated", {"id": "sub_x"})
    event["created"] = created

    response = _post_signed(client, json.dumps(event).encode())

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_event"
    assert not StripeEvent.objects.exists()


@pytest.mark.parametrize("event_id", ["evt_" + "x" * 296, "", 42])
def test_an_event_id_the_column_cannot_hold_is_refused_and_nothing_stored(
    client, stripe_fake, event_id
):
    event = stripe_fake.event("customer.subscription.updated", {"id": "sub_x"})
    event["id"] = event_id

    response = _post_signed(client, json.dumps(event).encode())

    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert not StripeEvent.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"id": "evt_\ud800"},
        {"type": "invoice.paid\udfff"},
        {"data": {"object": {"id": "sub_x", "customer": "cus_\ud800"}}},
    ],
    ids=["id", "type", "customer"],
)
def test_an_event_with_unpaired_surrogates_is_refused_and_nothing_stored(
    client, stripe_fake, changes
):
    """JSON may escape half of a UTF-16 pair ("\\ud800"): Python reads it, PostgreSQL cannot
    store it nor compare with it."""
    event = stripe_fake.event("customer.subscription.updated", {"id": "sub_x"})
    event.update(changes)

    response = _post_signed(client, json.dumps(event).encode())

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_event"
    assert not StripeEvent.objects.exists()


@pytest.mark.parametrize("data", [[], {"object": []}, "x", {"object": "x"}])
def test_an_event_whose_data_is_not_an_object_is_refused(client, stripe_fake, data):
    event = stripe_fake.event("customer.subscription.updated", {"id": "sub_x"})
    event["data"] = data

    response = _post_signed(client, json.dumps(event).encode())

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_event"
    assert not StripeEvent.objects.exists()
