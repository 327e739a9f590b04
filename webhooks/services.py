"""Writes of the webhooks app: an admin's endpoints (create, edit, disable and enable, rotate
the secret, delete), emitting events to them, replaying deliveries and sending a test event.
Attempts themselves are made by webhooks/deliveries.py, from a Celery task."""

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tenants.selectors import workspace_current
from tenants.transactions import on_commit_in_current_schema, task_queue_on_commit
from webhooks.addresses import AddressRefused, url_check
from webhooks.models import (
    TEST_EVENT,
    Delivery,
    DeliveryStatus,
    Endpoint,
    Event,
    EventType,
    Trigger,
    new_secret,
)
from webhooks.selectors import endpoint_failed_deliveries, endpoints_subscribed

# After a rotation the previous secret still signs for this long, so that receivers can move
# to the new one without losing a message.
ROTATION_WINDOW = timedelta(hours=24)
# "Replay all failed" takes at most this many messages per click: each is a task and a POST.
REPLAY_MAX = 500


# --- Endpoints -------------------------------------------------------------------------------


def _endpoint_check(url: str, events: Iterable[str]) -> list[str]:
    errors = {}
    try:
        url_check(url)
    except AddressRefused as refused:
        errors["url"] = refused.message
    events = list(dict.fromkeys(events))
    if not events:
        errors["events"] = "Choose at least one event."
    elif unknown := [event for event in events if event not in EventType.values]:
        errors["events"] = f"Unknown event: {', '.join(unknown)}."
    if errors:
        raise ValidationError(errors)
    return events


def endpoint_create(*, url: str, events: Iterable[str], description: str = "", by) -> Endpoint:
    """Register an endpoint; the caller shows its secret this once."""
    events = _endpoint_check(url, events)
    return Endpoint.objects.create(
        url=url,
        events=events,
        description=description.strip(),
        created_by_email=by.email if by else "",
    )


def endpoint_update(
    *, endpoint: Endpoint, url: str, events: Iterable[str], description: str = ""
) -> Endpoint:
    endpoint.events = _endpoint_check(url, events)
    endpoint.url = url
    endpoint.description = description.strip()
    endpoint.save(update_fields=["url", "events", "description"])
    return endpoint


def endpoint_disable(*, endpoint: Endpoint, reason: str) -> None:
    """No more messages go to it; attempts already scheduled find it disabled and stop."""
    endpoint.disabled_at = timezone.now()
    endpoint.disabled_reason = reason[:300]
    endpoint.save(update_fields=["disabled_at", "disabled_reason"])


def endpoint_enable(*, endpoint: Endpoint) -> None:
    endpoint.disabled_at = None
    endpoint.disabled_reason = ""
    endpoint.consecutive_failures = 0
    endpoint.save(update_fields=["disabled_at", "disabled_reason", "consecutive_failures"])


def endpoint_secret_rotate(*, endpoint: Endpoint, now=None) -> str:
    """A new secret signs from now on; the current one keeps signing too for ROTATION_WINDOW
    (a message then carries both signatures). Returns the new secret, to show once."""
    now = now or timezone.now()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + ROTATION_WINDOW
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint.secret


def endpoint_delete(*, endpoint: Endpoint) -> None:
    """Delete it with its delivery log; attempts still scheduled find nothing to do."""
    endpoint.delete()


# --- Emitting --------------------------------------------------------------------------------


def deliveries_queue(deliveries: Iterable[Delivery]) -> None:
    """Queue each attempt once the caller's transaction commits, at its scheduled time.
    Robust: a broker that cannot take a task is logged, never fails the change that emitted."""
    from webhooks.tasks import webhook_delivery_task  # webhooks.tasks imports the services

    now = timezone.now()
    for delivery in deliveries:
        countdown = max(0, int((delivery.scheduled_at - now).total_seconds()))
        task_queue_on_commit(webhook_delivery_task, delivery.pk, countdown=countdown)


@transaction.atomic
def webhook_emit(
    *, event_type: str, payload: dict, endpoints: list[Endpoint] | None = None
) -> Event | None:
    """Record an event and queue its first attempt to each active endpoint subscribed to it
    (or to `endpoints`). Nothing is stored when no endpoint wants it; returns the event."""
    if endpoints is None:
        endpoints = list(endpoints_subscribed(event_type=event_type))
    if not endpoints:
        return None
    event = Event.objects.create(type=event_type, payload=payload)
    deliveries = Delivery.objects.bulk_create(
        Delivery(endpoint=endpoint, event=event, scheduled_at=event.created_at)
        for endpoint in endpoints
    )
    deliveries_queue(deliveries)
    return event


def leads_webhook_emit(*, event_type: str, lead_ids: Iterable[int], extra: dict | None = None):
    """Emit `event_type` for each lead, its payload read from the lead as committed now, with
    `extra` beside it. Hidden leads (past the plan) emit nothing. One query when no endpoint
    listens, which is most workspaces."""
    from webhooks.payloads import lead_payload, payload_leads  # reads leads, which emit

    endpoints = list(endpoints_subscribed(event_type=event_type))
    if not endpoints:
        return []
    workspace = workspace_current()
    return [
        webhook_emit(
            event_type=event_type,
            payload={"lead": lead_payload(lead, workspace=workspace), **(extra or {})},
            endpoints=endpoints,
        )
        for lead in payload_leads(lead_ids)
    ]


def lead_webhook_queue(*, event_type: str, lead_ids: Iterable[int], extra: dict | None = None):
    """Emit `event_type` for these leads once the caller's transaction commits, so a change
    rolled back emits nothing and the payload shows what was committed. Robust: webhooks never
    undo the change that emitted them."""
    lead_ids = list(lead_ids)
    on_commit_in_current_schema(
        lambda: leads_webhook_emit(event_type=event_type, lead_ids=lead_ids, extra=extra),
        robust=True,
    )


def conversation_completed_webhook_queue(*, conversation_id: int) -> None:
    """`conversation.completed` once the caller's transaction commits: the conversation and
    its lead, unless the lead is hidden past the plan's limits."""

    def emit():
        from leads.models import Conversation
        from webhooks.payloads import conversation_payload

        if not endpoints_subscribed(event_type=EventType.CONVERSATION_COMPLETED).exists():
            return
        conversation = (
            Conversation.objects.select_related("form", "form_version")
            .filter(pk=conversation_id, lead__isnull=False)
            .first()
        )
        if conversation is None:
            return
        leads_webhook_emit(
            event_type=EventType.CONVERSATION_COMPLETED,
            lead_ids=[conversation.lead_id],
            extra={"conversation": conversation_payload(conversation)},
        )

    on_commit_in_current_schema(emit, robust=True)


def leads_rescored_webhook_queue(*, run_id: int, scores_changed: int) -> None:
    """`leads.rescored` once the caller's transaction commits: the rescore run, what changed
    the rules, the rules now, and how many visible leads' scores changed. Each of those leads
    moved its updated_at, which the API's incremental sync reads: a workspace's million
    leads make one message, not a million."""

    def emit():
        from leads.models import RescoreRun, ScoringRule
        from webhooks.payloads import rescore_payload

        endpoints = list(endpoints_subscribed(event_type=EventType.LEADS_RESCORED))
        if not endpoints:
            return
        run = RescoreRun.objects.get(pk=run_id)
        rules = list(ScoringRule.objects.order_by("position", "pk"))
        webhook_emit(
            event_type=EventType.LEADS_RESCORED,
            payload=rescore_payload(run, rules=rules, scores_changed=scores_changed),
            endpoints=endpoints,
        )

    on_commit_in_current_schema(emit, robust=True)


# --- Replays and tests -----------------------------------------------------------------------


def _endpoint_active_check(endpoint: Endpoint) -> None:
    if not endpoint.active:
        raise ValidationError("Enable the endpoint first: it receives nothing while disabled.")


def _replays_create(endpoint: Endpoint, failed: list[Delivery]) -> list[Delivery]:
    """One new attempt of each failed message, numbered after its latest."""
    latest = dict(
        Delivery.objects.filter(endpoint=endpoint, event_id__in=[d.event_id for d in failed])
        .values("event_id")
        .annotate(last=Max("attempt"))
        .values_list("event_id", "last")
    )
    replays = Delivery.objects.bulk_create(
        Delivery(
            endpoint=endpoint,
            event_id=delivery.event_id,
            attempt=latest[delivery.event_id] + 1,
            trigger=Trigger.REPLAY,
        )
        for delivery in failed
    )
    deliveries_queue(replays)
    return replays


@transaction.atomic
def delivery_replay(*, delivery: Delivery) -> Delivery:
    """Send the delivery's message again, now, once (a replay is not retried)."""
    endpoint = Endpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    _endpoint_active_check(endpoint)
    in_flight = Delivery.objects.filter(
        endpoint=endpoint,
        event_id=delivery.event_id,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING],
    )
    if in_flight.exists():
        raise ValidationError("This message is already scheduled: wait for that attempt.")
    return _replays_create(endpoint, [delivery])[0]


@transaction.atomic
def deliveries_replay_failed(*, endpoint: Endpoint) -> int:
    """Send again every message whose latest attempt failed (at most REPLAY_MAX); returns how
    many."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    _endpoint_active_check(endpoint)
    failed = list(endpoint_failed_deliveries(endpoint=endpoint)[:REPLAY_MAX])
    return len(_replays_create(endpoint, failed)) if failed else 0


@transaction.atomic
def endpoint_test_send(*, endpoint: Endpoint, by) -> Delivery:
    """A `webhook.test` event to this endpoint only, sent at once, once; allowed while it is
    disabled, to check the receiver before enabling it again."""
    workspace = workspace_current()
    event = Event.objects.create(
        type=TEST_EVENT,
        payload={
            "message": "A test event from Parley: your endpoint receives and verifies webhooks.",
            "workspace": workspace.slug,
            "sent_by": by.email if by else None,
        },
    )
    delivery = Delivery.objects.create(
        endpoint=endpoint, event=event, trigger=Trigger.TEST, scheduled_at=event.created_at
    )
    deliveries_queue([delivery])
    return delivery
