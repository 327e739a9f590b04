"""Webhooks pages, next to API keys in the workspace's settings: owners and admins only. An
endpoint receives every lead of the workspace, its secret speaks for Parley, and its delivery
log holds what the customer's servers answered (which may include their tokens), so members,
who have no use for any of it, get a 403 as on the API keys page."""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from tenants.permissions import admin_required
from webhooks import selectors, services
from webhooks.forms import EndpointForm
from webhooks.models import Delivery, Endpoint, EventType


def _no_store(response):
    # The page holds a secret, shown this once: no copy of it in any cache.
    response["Cache-Control"] = "no-store"
    return response


def _save(form, service, **kwargs):
    """Run `service` with the form's data; its refusals land on the form's fields. Returns
    what it returned, or None when it refused."""
    try:
        return service(
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            description=form.cleaned_data["description"],
            **kwargs,
        )
    except ValidationError as error:
        form.add_error(None, error)
        return None


@admin_required
def endpoint_list(request):
    """The endpoints and the form to add one; a new endpoint's secret is shown once, here."""
    form = EndpointForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        created = _save(form, services.endpoint_create, by=request.user)
    status = 400 if request.method == "POST" and created is None else 200
    context = {
        "endpoints": selectors.endpoint_list(),
        "form": EndpointForm() if created else form,
        "created": created,
        "event_types": EventType.choices,
    }
    response = render(request, "webhooks/endpoint_list.html", context, status=status)
    return _no_store(response) if created else response


def endpoint_view(view):
    """An admin's view of one endpoint, given the endpoint (404 for an id of none)."""

    @wraps(view)
    @admin_required
    def wrapper(request, endpoint_id, **kwargs):
        endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
        return view(request, endpoint, **kwargs)

    return wrapper


def _detail(request, endpoint, *, form=None, new_secret="", status=200):
    context = {
        "endpoint": endpoint,
        "form": form
        or EndpointForm(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "events": endpoint.events,
            }
        ),
        "page": selectors.endpoint_delivery_page(
            endpoint=endpoint, page_number=request.GET.get("page")
        ),
        "new_secret": new_secret,
    }
    response = render(request, "webhooks/endpoint_detail.html", context, status=status)
    return _no_store(response) if new_secret else response


@endpoint_view
def endpoint_detail(request, endpoint):
    """The endpoint's settings (editable) and its delivery log, newest attempt first."""
    if request.method != "POST":
        return _detail(request, endpoint)
    form = EndpointForm(request.POST)
    if form.is_valid() and _save(form, services.endpoint_update, endpoint=endpoint):
        messages.success(request, "Endpoint saved.")
        return redirect("webhook_endpoint_detail", endpoint_id=endpoint.pk)
    endpoint.refresh_from_db()
    return _detail(request, endpoint, form=form, status=400)


def endpoint_action(view):
    """A POST on one endpoint by an admin. The endpoint is looked up before the method is
    checked: an id of nothing answers 404 whatever the method, as a missing page does."""

    @endpoint_view
    @wraps(view)
    def wrapper(request, endpoint, **kwargs):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return view(request, endpoint, **kwargs)

    return wrapper


@endpoint_action
def endpoint_disable(request, endpoint):
    services.endpoint_disable(endpoint=endpoint, reason=f"Disabled by {request.user.email}.")
    messages.success(request, "Endpoint disabled: it receives nothing until enabled again.")
    return redirect("webhook_endpoint_detail", endpoint_id=endpoint.pk)


@endpoint_action
def endpoint_enable(request, endpoint):
    services.endpoint_enable(endpoint=endpoint)
    messages.success(request, "Endpoint enabled. Replay the failed messages if it missed any.")
    return redirect("webhook_endpoint_detail", endpoint_id=endpoint.pk)


@endpoint_action
def endpoint_rotate(request, endpoint):
    """Rendered, not redirected: the new secret is shown once, in this response."""
    secret = services.endpoint_secret_rotate(endpoint=endpoint)
    return _detail(request, endpoint, new_secret=secret)


@endpoint_view
def endpoint_delete(request, endpoint):
    if request.method != "POST":  # the confirmation page
        return render(request, "webhooks/endpoint_delete.html", {"endpoint": endpoint})
    services.endpoint_delete(endpoint=endpoint)
    messages.success(request, f"The endpoint {endpoint.url} was deleted, with its delivery log.")
    return redirect("webhook_endpoint_list")


@endpoint_action
def endpoint_test(request, endpoint):
    services.endpoint_test_send(endpoint=endpoint, by=request.user)
    messages.success(request, "A test event is on its way: its attempt shows in the log below.")
    return redirect("webhook_endpoint_detail", endpoint_id=endpoint.pk)


@endpoint_action
def deliveries_replay_failed(request, endpoint):
    try:
        count = services.deliveries_replay_failed(endpoint=endpoint)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        if count:
            messages.success(
                request, f"{count} failed message{'s' if count > 1 else ''} sent again."
            )
        else:
            messages.info(request, "No failed message to send again.")
    return redirect("webhook_endpoint_detail", endpoint_id=endpoint.pk)


@endpoint_action
def delivery_replay(request, endpoint, delivery_id):
    delivery = get_object_or_404(Delivery, pk=delivery_id, endpoint=endpoint)
    try:
        services.delivery_replay(delivery=delivery)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, "The message is sent again: its attempt shows below.")
    return redirect("webhook_endpoint_detail", endpoint_id=endpoint.pk)
