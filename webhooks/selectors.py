"""Reads of the webhooks app: the endpoints, who listens to an event, and an endpoint's
delivery log, each in a constant number of queries."""

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, QuerySet

from webhooks.models import Delivery, DeliveryStatus, Endpoint

DELIVERIES_PER_PAGE = 50


def endpoint_list() -> QuerySet[Endpoint]:
    """Every endpoint, oldest first (each shows its own count of failures in a row)."""
    return Endpoint.objects.order_by("created_at", "pk")


def endpoints_subscribed(*, event_type: str) -> QuerySet[Endpoint]:
    """The active endpoints that asked for `event_type`."""
    return Endpoint.objects.filter(disabled_at__isnull=True, events__contains=[event_type])


def endpoint_delivery_page(*, endpoint: Endpoint, page_number) -> Page:
    """One page of the endpoint's delivery log, newest attempt first, each with its event: two
    queries (the count and the page) whatever the page holds. A page number out of range gives
    the nearest page."""
    deliveries = Delivery.objects.filter(endpoint=endpoint).select_related("event").order_by("-pk")
    return Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(page_number)


def endpoint_failed_deliveries(*, endpoint: Endpoint) -> QuerySet[Delivery]:
    """The latest attempt of each message to the endpoint whose latest attempt failed: what
    "Replay all failed" sends again."""
    later = Delivery.objects.filter(
        endpoint_id=OuterRef("endpoint_id"), event_id=OuterRef("event_id"), pk__gt=OuterRef("pk")
    )
    return (
        Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.FAILED)
        .exclude(Exists(later))
        .order_by("pk")
    )
