"""Writes about billing that people start: open Stripe Checkout to subscribe, open the Customer
Portal to manage the subscription. What the subscription becomes is only ever learnt from
Stripe's webhooks (billing/webhooks.py), never from a browser coming back."""

from django.core.exceptions import ValidationError
from django.db import transaction

from billing import stripe_client
from billing.models import BillingAccount
from billing.plans import INTERVALS, PLANS, Plan
from billing.selectors import account_has_subscription, workspace_billing_account
from tenants.models import Role, User, Workspace


def billing_account_lock(*, workspace: Workspace) -> BillingAccount:
    """The workspace's billing account, created on first use and locked for the transaction."""
    BillingAccount.objects.get_or_create(workspace=workspace)
    return BillingAccount.objects.select_for_update().get(workspace=workspace)


def _paid_plan(plan_slug: str, interval: str) -> Plan:
    plan = PLANS.get(plan_slug)
    if plan is None or plan.is_free:
        raise ValidationError("Choose one of the paid plans offered.", "plan")
    if interval not in INTERVALS or interval not in plan.prices:
        raise ValidationError(f"The {plan.name} plan is not sold {interval}.", "interval")
    return plan


def _ensure_enabled() -> None:
    if not stripe_client.stripe_enabled():
        raise ValidationError(
            "Billing is not enabled on this server: set STRIPE_SECRET_KEY (README, “Billing”).",
            "disabled",
        )


def checkout_session_start(
    *, workspace: Workspace, plan_slug: str, interval: str, by: User, return_url: str
) -> str:
    """A Stripe Checkout URL where the owner subscribes the workspace to a paid plan. Raises
    ValidationError for a plan not on offer or a workspace already subscribed, and
    StripeUnavailable when Stripe cannot be reached."""
    _ensure_enabled()
    plan = _paid_plan(plan_slug, interval)
    if account_has_subscription(workspace_billing_account(workspace=workspace)):
        raise ValidationError(
            "This workspace already has a subscription: change it in “Manage billing”.",
            "subscribed",
        )
    # Committed on its own: a Checkout that fails next keeps the customer for the next try.
    with transaction.atomic():
        account = billing_account_lock(workspace=workspace)
        if not account.stripe_customer_id:
            account.stripe_customer_id = stripe_client.customer_create(
                name=workspace.name, email=by.email, workspace_id=workspace.pk
            )
            account.save(update_fields=["stripe_customer_id", "updated_at"])
    line_items = [{"price": stripe_client.price_id(plan.lookup_key(interval)), "quantity": 1}]
    if plan.is_metered:
        # A metered price has no quantity: Stripe counts the meter's events instead.
        line_items.append({"price": stripe_client.price_id(plan.meter_lookup_key)})
    return stripe_client.checkout_session_create(
        customer_id=account.stripe_customer_id,
        line_items=line_items,
        workspace_id=workspace.pk,
        plan_slug=plan.slug,
        success_url=f"{return_url}?checkout=done",
        cancel_url=f"{return_url}?checkout=cancelled",
    )


def portal_session_start(*, workspace: Workspace, return_url: str) -> str:
    """A Stripe Customer Portal URL: card, invoices, plan changes and cancellation."""
    _ensure_enabled()
    account = BillingAccount.objects.filter(workspace=workspace).first()
    if account is None or not account.stripe_customer_id:
        raise ValidationError("Subscribe to a plan first: there is nothing to manage yet.", "none")
    return stripe_client.portal_session_create(
        customer_id=account.stripe_customer_id, return_url=return_url
    )


def workspace_owner_emails(*, workspace: Workspace) -> list[str]:
    return list(
        workspace.memberships.filter(role=Role.OWNER, user__is_active=True).values_list(
            "user__email", flat=True
        )
    )
