"""Every call Parley makes to Stripe, through the official client, in one module.

Callers get plain dicts back and one error, `StripeUnavailable`, whatever went wrong on the way
(network, Stripe's own errors, a missing key), so that no page ever turns a Stripe problem into
a 500. Tests point STRIPE_API_BASE at a local fake server (tests/fakes/stripe_server.py).
"""

import json
import logging
import time
from functools import lru_cache

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)


class StripeUnavailable(Exception):
    """Stripe could not do what was asked: not configured, unreachable, or it refused."""


class WebhookSignatureInvalid(Exception):
    """A webhook's Stripe-Signature header is missing, malformed, wrong, too old or too far
    ahead of our clock."""


class WebhookEventMalformed(Exception):
    """A webhook's body is not an event as Stripe sends them: not UTF-8 JSON, not an object, or
    fields no real event has (billing.webhooks checks the fields it stores)."""


def stripe_enabled() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def _client() -> stripe.StripeClient:
    if not stripe_enabled():
        raise StripeUnavailable("Billing is not enabled on this server (no STRIPE_SECRET_KEY).")
    return _client_for(
        settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE, settings.STRIPE_MAX_NETWORK_RETRIES
    )


@lru_cache(maxsize=4)
def _client_for(key: str, api_base: str, retries: int) -> stripe.StripeClient:
    # One client per configuration: it keeps its HTTP connections between calls.
    return stripe.StripeClient(
        key,
        base_addresses={"api": api_base, "files": api_base, "meter_events": api_base},
        max_network_retries=retries,
    )


def _plain(stripe_object) -> dict:
    return stripe_object.to_dict(recursive=True)


def _call(description: str, call):
    try:
        return call(_client().v1)
    except stripe.StripeError as error:
        logger.warning("Stripe refused to %s: %s", description, error)
        raise StripeUnavailable(f"Stripe could not {description}: {error.user_message}") from error


def _list_all(description: str, list_call) -> list[dict]:
    """Every item of a Stripe list, page after page (Stripe answers ten a page by default)."""
    return _call(description, lambda v1: [_plain(i) for i in list_call(v1).auto_paging_iter()])


def customer_create(*, name: str, email: str, workspace_id: int) -> str:
    customer = _call(
        "create the customer",
        lambda v1: v1.customers.create(
            params={
                "name": name,
                "email": email,
                "metadata": {"workspace_id": str(workspace_id)},
            },
            # A retried signup of the same workspace makes one customer, not two.
            options={"idempotency_key": f"parley-customer-{workspace_id}"},
        ),
    )
    return customer["id"]


@lru_cache(maxsize=64)
def _price_id_by_lookup_key(lookup_key: str, api_base: str) -> str:
    prices = _list_all(
        "find the price",
        lambda v1: v1.prices.list(params={"lookup_keys": [lookup_key], "active": True}),
    )
    if not prices:
        raise StripeUnavailable(
            f"No active Stripe price has the lookup key {lookup_key!r}: run "
            "`manage.py stripe_sync_plans` or set its STRIPE_PRICE_* variable."
        )
    return prices[0]["id"]


def price_id(lookup_key: str) -> str:
    """The id of the price with this lookup key: from the environment, else asked to Stripe
    (once per process)."""
    from billing.plans import price_id_from_settings

    return price_id_from_settings(lookup_key) or _price_id_by_lookup_key(
        lookup_key, settings.STRIPE_API_BASE
    )


def checkout_session_create(
    *,
    customer_id: str,
    line_items: list[dict],
    workspace_id: int,
    plan_slug: str,
    success_url: str,
    cancel_url: str,
) -> str:
    """A Checkout Session in subscription mode; returns the URL to send the person to."""
    metadata = {"workspace_id": str(workspace_id), "plan": plan_slug}
    session = _call(
        "open Checkout",
        lambda v1: v1.checkout.sessions.create(
            params={
                "mode": "subscription",
                "customer": customer_id,
                "client_reference_id": str(workspace_id),
                "line_items": line_items,
                "success_url": success_url,
                "cancel_url": cancel_url,
                "metadata": metadata,
                "subscription_data": {"metadata": metadata},
            }
        ),
    )
    return session["url"]


def portal_session_create(*, customer_id: str, return_url: str) -> str:
    session = _call(
        "open the billing portal",
        lambda v1: v1.billing_portal.sessions.create(
            params={"customer": customer_id, "return_url": return_url}
        ),
    )
    return session["url"]


def subscription_retrieve(subscription_id: str) -> dict:
    """The subscription as Stripe has it now, with every one of its items (Stripe embeds only
    their first page)."""
    subscription = _plain(
        _call(
            "read the subscription",
            lambda v1: v1.subscriptions.retrieve(
                subscription_id, params={"expand": ["items.data.price"]}
            ),
        )
    )
    items = subscription.get("items") or {}
    if items.get("has_more"):
        items["data"] = _list_all(
            "read the subscription's items",
            lambda v1: v1.subscription_items.list(params={"subscription": subscription_id}),
        )
        items["has_more"] = False
    return subscription


def meter_event_create(*, customer_id: str, identifier: str, timestamp: int) -> None:
    """One qualified lead on the customer's meter. Stripe drops an event whose identifier it has
    already seen, so a retried report never bills twice."""
    from billing.plans import METER_EVENT_NAME

    _call(
        "record the qualified lead",
        lambda v1: v1.billing.meter_events.create(
            params={
                "event_name": METER_EVENT_NAME,
                "identifier": identifier,
                "timestamp": timestamp,
                "payload": {"stripe_customer_id": customer_id, "value": "1"},
            }
        ),
    )


def webhook_event_parse(payload: bytes, signature: str | None) -> dict:
    """The event a webhook request carries, once its signature is checked against the endpoint's
    secret (HMAC-SHA256 over "timestamp.payload", refused when the timestamp is further than the
    tolerance from now, either way)."""
    try:
        # Stripe sends UTF-8; the official client decodes before it checks anything and would
        # raise UnicodeDecodeError from verify_header.
        text = payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise WebhookEventMalformed("The body is not UTF-8.") from error
    tolerance = settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
    try:
        stripe.WebhookSignature.verify_header(
            text, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance
        )
    except stripe.SignatureVerificationError as error:
        raise WebhookSignatureInvalid(str(error)) from error
    # The official client only refuses a timestamp too far in the past; one stamped ahead of our
    # clock would stay replayable for longer than the tolerance.
    if tolerance and _signed_at(signature) > time.time() + tolerance:
        raise WebhookSignatureInvalid("Timestamp ahead of our clock beyond the tolerance.")
    try:
        event = json.loads(text)
    except ValueError as error:
        raise WebhookEventMalformed("The signed body is not JSON.") from error
    if not isinstance(event, dict):
        raise WebhookEventMalformed("The signed body is not a Stripe event.")
    return event


def _signed_at(signature: str) -> int:
    """The `t=` of a Stripe-Signature header the official client has accepted (its first one,
    as the client reads it)."""
    for item in signature.split(","):
        key, _, value = item.partition("=")
        if key == "t":
            return int(value)
    raise WebhookSignatureInvalid("No timestamp in the Stripe-Signature header.")


# --- Products, prices and the meter (manage.py stripe_sync_plans) -----------------------------


def product_ensure(*, product_id: str, name: str, description: str) -> bool:
    """Create the product with this id unless it exists; says whether it created it."""
    try:
        _client().v1.products.retrieve(product_id)
        return False
    except stripe.InvalidRequestError as error:
        if error.http_status != 404:
            raise StripeUnavailable(str(error)) from error
    except stripe.StripeError as error:
        raise StripeUnavailable(str(error)) from error
    _call(
        "create the product",
        lambda v1: v1.products.create(
            params={"id": product_id, "name": name, "description": description}
        ),
    )
    return True


def price_find(lookup_key: str) -> dict | None:
    prices = _list_all(
        "list prices", lambda v1: v1.prices.list(params={"lookup_keys": [lookup_key]})
    )
    return prices[0] if prices else None


def price_create(params: dict) -> dict:
    return _plain(_call("create the price", lambda v1: v1.prices.create(params=params)))


def meter_find(event_name: str) -> dict | None:
    meters = _list_all(
        "list meters", lambda v1: v1.billing.meters.list(params={"status": "active"})
    )
    return next((m for m in meters if m["event_name"] == event_name), None)


def meter_create(params: dict) -> dict:
    return _plain(_call("create the meter", lambda v1: v1.billing.meters.create(params=params)))
