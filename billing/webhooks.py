"""Stripe's webhook events, applied once each: the only way Parley learns what a workspace's
subscription is.

Stripe delivers at least once, retries, and does not keep order, so:
- each event id is stored (StripeEvent) in the transaction that applies it; a second delivery
  finds it and does nothing;
- no event's own copy of the subscription is trusted: every event that concerns one makes Parley
  fetch the subscription as it is now and apply that, so an old event arriving late applies the
  current state, not its own.

The subscription's status decides the plan:
- active, trialing: the plan its price sells; a failed payment's grace period ends;
- past_due, unpaid: the first failure starts a grace period (BILLING_GRACE_DAYS) with an e-mail to
  the owners; the paid plan is kept until it ends, then the workspace is back on free (here, or
  by the hourly task billing.tasks.billing_grace_expire_task);
- incomplete: the first payment is still pending, nothing changes;
- canceled, incomplete_expired, paused: back on the free plan, with an e-mail.
"""

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing import stripe_client
from billing.models import BillingAccount, StripeEvent
from billing.plans import FREE, INTERVALS, Plan, plan_for_price, plan_get
from billing.quotas import hidden_leads_reveal
from billing.stripe_client import WebhookEventMalformed
from tenants.transactions import task_queue_on_commit

logger = logging.getLogger(__name__)

PAID_STATUSES = ("active", "trialing")
UNPAID_STATUSES = ("past_due", "unpaid")
# A subscription in one of these is still the workspace's, whatever another one of the same
# customer says.
LIVE_STATUSES = (*PAID_STATUSES, *UNPAID_STATUSES, "incomplete")
EVENT_ID_MAX_LENGTH = StripeEvent._meta.get_field("event_id").max_length


@dataclass(frozen=True)
class EventEnvelope:
    """What Parley stores and reads of an event, checked: the rest of it is never trusted."""

    id: str
    type: str
    created: datetime
    object: dict


def webhook_event_read(event: dict) -> EventEnvelope:
    """The event's id, type, creation time and object, or WebhookEventMalformed when one of them
    is not what Stripe sends (checked before anything is stored, so nothing is half-stored)."""
    event_id = event.get("id")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= EVENT_ID_MAX_LENGTH:
        raise WebhookEventMalformed(f"The event id must be 1 to {EVENT_ID_MAX_LENGTH} characters.")
    created = event.get("created")
    # Stripe signs an event after creating it, and the signature is never ahead of our clock by
    # more than the tolerance: a later creation time is not Stripe's (nor is one before 1970).
    latest = time.time() + settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
    if type(created) is not int or not 0 < created <= latest:
        raise WebhookEventMalformed("The event's creation time is not a plausible timestamp.")
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise WebhookEventMalformed("The event's data.object is not an object.")
    return EventEnvelope(
        id=event_id,
        type=str(event.get("type", ""))[:100],
        created=datetime.fromtimestamp(created, UTC),
        object=obj,
    )


def webhook_event_apply(event: dict) -> tuple[StripeEvent, bool]:
    """Apply a verified event unless it was applied before; says whether it was applied now.
    Raises WebhookEventMalformed, before storing anything, for an event Stripe would not send.
    Raises StripeUnavailable when Stripe cannot be asked for the current state: nothing is
    stored then, and Stripe's retry applies it later."""
    envelope = webhook_event_read(event)
    with transaction.atomic():
        record, created = StripeEvent.objects.get_or_create(
            event_id=envelope.id,
            defaults={"type": envelope.type, "created": envelope.created},
        )
        if not created:
            return record, False
        handler = EVENT_HANDLERS.get(record.type)
        record.outcome = handler(envelope.object, record)[:300] if handler else "not handled"
        record.save(update_fields=["outcome", "workspace"])
    logger.info("Stripe event %s %s: %s", record.type, record.event_id, record.outcome)
    return record, True


def _account_of_customer(customer_id) -> BillingAccount | None:
    if not customer_id or not isinstance(customer_id, str):
        return None
    return BillingAccount.objects.select_for_update().filter(stripe_customer_id=customer_id).first()


def _on_checkout_completed(session: dict, record: StripeEvent) -> str:
    if session.get("mode") != "subscription" or not session.get("subscription"):
        return "not a subscription"
    account = _account_of_customer(session.get("customer"))
    if account is None or str(account.workspace_id) != str(session.get("client_reference_id")):
        return "ignored: no workspace has this customer"
    return _subscription_sync(account, session["subscription"], record)


def _on_subscription_event(subscription: dict, record: StripeEvent) -> str:
    account = _account_of_customer(subscription.get("customer"))
    if account is None:
        return "ignored: no workspace has this customer"
    return _subscription_sync(account, subscription.get("id"), record)


def _invoice_subscription_id(invoice: dict) -> str | None:
    # Where the invoice names its subscription moved between API versions.
    parent = (invoice.get("parent") or {}).get("subscription_details") or {}
    return parent.get("subscription") or invoice.get("subscription")


def _on_invoice_event(invoice: dict, record: StripeEvent) -> str:
    account = _account_of_customer(invoice.get("customer"))
    subscription_id = _invoice_subscription_id(invoice)
    if account is None or not subscription_id:
        return "ignored: no workspace has this customer, or not a subscription invoice"
    return _subscription_sync(account, subscription_id, record)


def _subscription_sync(account: BillingAccount, subscription_id, record: StripeEvent) -> str:
    record.workspace_id = account.workspace_id
    if not isinstance(subscription_id, str) or not subscription_id:
        return "ignored: no subscription named"
    if (
        account.stripe_subscription_id
        and subscription_id != account.stripe_subscription_id
        and account.subscription_status in LIVE_STATUSES
    ):
        return f"ignored: {subscription_id} is not the workspace's current subscription"
    subscription = stripe_client.subscription_retrieve(subscription_id)
    return subscription_apply(account=account, subscription=subscription)


def _subscription_plan(subscription: dict) -> tuple[Plan | None, str]:
    """The plan the subscription's prices sell, and its interval."""
    for item in (subscription.get("items") or {}).get("data") or []:
        price = item.get("price") or {}
        plan = plan_for_price(price_id=price.get("id", ""), lookup_key=price.get("lookup_key"))
        interval = (price.get("recurring") or {}).get("interval", "")
        if plan is not None and price.get("lookup_key") != plan.meter_lookup_key:
            names = {value: name for name, value in INTERVALS.items()}
            return plan, names.get(interval, "")
    return None, ""


def _period_end(subscription: dict) -> datetime | None:
    # On the subscription's items since API 2025-03-31, on the subscription before.
    items = (subscription.get("items") or {}).get("data") or []
    end = subscription.get("current_period_end") or next(
        (i["current_period_end"] for i in items if i.get("current_period_end")), None
    )
    return datetime.fromtimestamp(int(end), UTC) if end else None


def _email_owners(account: BillingAccount, kind: str) -> None:
    from billing.tasks import billing_email_send

    workspace_id = account.workspace_id
    task_queue_on_commit(billing_email_send, workspace_id, kind)


def _downgrade(account: BillingAccount) -> None:
    account.plan = FREE
    account.payment_failed_at = account.grace_until = None
    _email_owners(account, "downgraded")


def subscription_apply(*, account: BillingAccount, subscription: dict, now=None) -> str:
    """Make the account say what the subscription, as Stripe has it now, says. Returns what
    changed, in words."""
    now = now or timezone.now()
    status = subscription.get("status", "")
    plan, interval = _subscription_plan(subscription)
    before = plan_get(account.plan)
    account.stripe_subscription_id = subscription["id"]
    account.subscription_status = status
    account.cancel_at_period_end = bool(subscription.get("cancel_at_period_end"))
    account.current_period_end = _period_end(subscription)
    outcome = f"status {status}"

    if status in PAID_STATUSES:
        if plan is None:
            logger.error("Subscription %s sells no Parley plan", subscription["id"])
            outcome = "ignored: its prices sell no Parley plan"
        else:
            account.plan = plan.slug
            account.billing_interval = interval
            account.payment_failed_at = account.grace_until = None
            if plan.slug != before.slug:
                _email_owners(account, "plan_started")
            outcome = f"on {plan.slug}"
    elif status in UNPAID_STATUSES:
        if account.plan == FREE:
            outcome = "unpaid, already on free"
        elif account.grace_until is None:
            account.payment_failed_at = now
            account.grace_until = now + timedelta(days=settings.BILLING_GRACE_DAYS)
            _email_owners(account, "payment_failed")
            outcome = f"payment failed: grace until {account.grace_until:%Y-%m-%d %H:%M}"
        elif now >= account.grace_until:
            _downgrade(account)
            outcome = "grace period over: back on free"
        else:
            outcome = "still in its grace period"
    elif status == "incomplete":
        outcome = "waiting for the first payment"
    else:
        if account.plan != FREE:
            _downgrade(account)
        outcome = f"{status}: on free"
    account.save()

    after = plan_get(account.plan)
    if after.rank > before.rank:
        revealed = hidden_leads_reveal(workspace=account.workspace)
        outcome += f", {revealed} hidden leads revealed"
    return outcome


def billing_grace_expire(*, now=None) -> int:
    """Put back on the free plan every workspace whose grace period after a failed payment is
    over (Stripe may keep retrying the card for weeks). Returns how many."""
    now = now or timezone.now()
    count = 0
    for pk in BillingAccount.objects.filter(grace_until__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            account = (
                BillingAccount.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, grace_until__lte=now)
                .first()
            )
            if account is None:
                continue
            _downgrade(account)
            account.save()
            count += 1
    return count


EVENT_HANDLERS = {
    "checkout.session.completed": _on_checkout_completed,
    "customer.subscription.created": _on_subscription_event,
    "customer.subscription.updated": _on_subscription_event,
    "customer.subscription.deleted": _on_subscription_event,
    "customer.subscription.paused": _on_subscription_event,
    "customer.subscription.resumed": _on_subscription_event,
    "invoice.paid": _on_invoice_event,
    "invoice.payment_failed": _on_invoice_event,
    "invoice.payment_succeeded": _on_invoice_event,
}
