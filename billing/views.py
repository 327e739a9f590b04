"""The billing page (every member reads it, owners change billing) and Stripe's webhook."""

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from billing import selectors, services
from billing.forms import CheckoutForm
from billing.stripe_client import (
    StripeUnavailable,
    WebhookEventMalformed,
    WebhookSignatureInvalid,
    webhook_event_parse,
)
from billing.webhooks import webhook_event_apply
from config.api import error_body
from tenants.models import Role
from tenants.permissions import owner_required

logger = logging.getLogger(__name__)

CHECKOUT_RETURNS = {
    "done": "Payment received, thank you: the plan changes as soon as Stripe confirms it.",
    "cancelled": "Checkout was cancelled: nothing changed.",
}


@require_safe
def billing_page(request):
    checkout = request.GET.get("checkout")
    context = {
        "overview": selectors.billing_overview(workspace=request.tenant),
        "is_owner": request.membership.has_role(Role.OWNER),
        "checkout_return": CHECKOUT_RETURNS.get(checkout, ""),
        "webhook_url": request.build_absolute_uri(reverse("stripe_webhook")),
    }
    return render(request, "billing/billing.html", context)


def _billing_url(request) -> str:
    return request.build_absolute_uri(reverse("billing"))


@require_POST
@owner_required
def checkout_start(request):
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the plans and billing periods offered.")
        return redirect("billing")
    try:
        url = services.checkout_session_start(
            workspace=request.tenant,
            plan_slug=form.cleaned_data["plan"],
            interval=form.cleaned_data["interval"],
            by=request.user,
            return_url=_billing_url(request),
        )
    except (ValidationError, StripeUnavailable) as error:
        messages.error(request, _message(error))
        return redirect("billing")
    return redirect(url)


@require_POST
@owner_required
def portal_open(request):
    try:
        url = services.portal_session_start(
            workspace=request.tenant, return_url=_billing_url(request)
        )
    except (ValidationError, StripeUnavailable) as error:
        messages.error(request, _message(error))
        return redirect("billing")
    return redirect(url)


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return error.messages[0]
    return "Stripe could not be reached. Please try again in a moment."


def lead_hidden(request, *, hidden: int):
    """What the page of a lead hidden past the plan's limits shows instead of the lead."""
    context = {"hidden": hidden, "is_owner": request.membership.has_role(Role.OWNER)}
    return render(request, "billing/lead_hidden.html", context, status=402)


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


# No session, no cookie: the Stripe-Signature header is what authenticates the request.
@csrf_exempt
@require_POST
def stripe_webhook(request):
    if not settings.STRIPE_WEBHOOK_SECRET:
        return _error(400, "billing_disabled", "Billing is not enabled on this server.")
    try:
        event = webhook_event_parse(request.body, request.headers.get("Stripe-Signature"))
    except WebhookSignatureInvalid as error:
        logger.warning("Refused a Stripe webhook: %s", error)
        return _error(400, "invalid_signature", "The Stripe-Signature header is not valid.")
    except WebhookEventMalformed as error:
        logger.warning("Refused a Stripe webhook: %s", error)
        return _error(400, "malformed_event", str(error))
    try:
        record, applied = webhook_event_apply(event)
    except WebhookEventMalformed as error:
        logger.warning("Refused Stripe event %.80r: %s", event.get("id"), error)
        return _error(400, "malformed_event", str(error))
    except StripeUnavailable:
        # Nothing was stored: Stripe retries the delivery later.
        return _error(503, "stripe_unavailable", "Stripe could not be reached; retry later.")
    except (KeyError, TypeError, ValueError, AttributeError):
        logger.exception("Malformed Stripe event %s", event.get("id"))
        return _error(400, "malformed_event", "The event is not shaped as expected.")
    return JsonResponse({"received": record.event_id, "duplicate": not applied})
