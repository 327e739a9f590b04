"""Making one attempt: claim it, send it (webhooks/sending.py), record what came back, and on a
failure schedule the next attempt (no sooner than the receiver's Retry-After asked), or, after
the last one or on a 410 Gone, disable the endpoint and tell the workspace's owners and admins."""

from datetime import timedelta
from http import HTTPStatus

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from tenants.middleware import workspace_path_prefix, workspace_urlconf
from tenants.selectors import workspace_current, workspace_manager_list
from tenants.transactions import task_queue_on_commit
from webhooks.models import Delivery, DeliveryStatus, Endpoint, Trigger
from webhooks.sending import message_send
from webhooks.services import deliveries_queue, endpoint_disable

# Standard Webhooks' recommended schedule: attempt n is made RETRY_DELAYS[n - 1] after attempt
# n - 1 failed (the first at once), or later when that failed answer's Retry-After asked for
# longer (sending.RETRY_AFTER_MAX at most). Eight attempts over about 27 hours, so a receiver
# down for a night, or a weekend's maintenance window of a day, loses nothing.
RETRY_DELAYS = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
ATTEMPTS_MAX = len(RETRY_DELAYS)

# An attempt claimed this long ago and still "sending" lost its worker (the POST times out
# after WEBHOOKS_TIMEOUT_SECONDS): a redelivered task may take it again.
CLAIM_STALE_AFTER = timedelta(minutes=2)


# An attempt still scheduled this long after its time lost its task (a broker that dropped a
# countdown task, a restart that emptied its queue): the beat sweep below queues it again.
OVERDUE_AFTER = timedelta(minutes=5)
OVERDUE_BATCH = 500


def deliveries_overdue_requeue(*, now=None) -> int:
    """Queue again the attempts of this workspace that are past their time and were never
    made, and those whose worker died while sending. Harmless when the original task is only
    late: the claim lets one copy send. Returns how many were queued."""
    now = now or timezone.now()
    overdue = list(
        Delivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, scheduled_at__lt=now - OVERDUE_AFTER)
            | Q(status=DeliveryStatus.SENDING, attempted_at__lt=now - CLAIM_STALE_AFTER)
        ).order_by("scheduled_at", "pk")[:OVERDUE_BATCH]
    )
    deliveries_queue(overdue)
    return len(overdue)


def _claim(delivery_id: int, now) -> Delivery | None:
    """Take the attempt for this run, or None when it is not due to be made: already made
    (a task redelivered by the broker), or its endpoint deleted. One UPDATE decides, so two
    copies of the task never both send."""
    claimed = (
        Delivery.objects.filter(pk=delivery_id)
        .filter(
            Q(status=DeliveryStatus.PENDING)
            | Q(status=DeliveryStatus.SENDING, attempted_at__lt=now - CLAIM_STALE_AFTER)
        )
        .update(status=DeliveryStatus.SENDING, attempted_at=now)
    )
    if not claimed:
        return None
    return Delivery.objects.select_related("endpoint", "event").get(pk=delivery_id)


def delivery_attempt(*, delivery_id: int, now=None) -> Delivery | None:
    """Make the attempt `delivery_id` names, if it is still to be made; returns it as
    recorded. The POST happens outside any transaction: no row stays locked while the receiver
    takes its time (up to WEBHOOKS_TIMEOUT_SECONDS)."""
    now = now or timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not endpoint.active and delivery.trigger != Trigger.TEST:
        delivery.status = DeliveryStatus.FAILED
        delivery.error = "Not sent: the endpoint is disabled."
        delivery.save(update_fields=["status", "error"])
        return delivery
    result = message_send(
        url=endpoint.url, event=delivery.event, secrets=endpoint.secrets_valid(now), now=now
    )
    delivery.status = DeliveryStatus.SUCCEEDED if result.succeeded else DeliveryStatus.FAILED
    delivery.response_code = result.response_code
    delivery.duration_ms = result.duration_ms
    delivery.response_excerpt = result.excerpt
    delivery.error = result.error
    _delivery_record(delivery, succeeded=result.succeeded, retry_after=result.retry_after)
    return delivery


def _retry_delay(*, attempt_failed: int, retry_after: timedelta | None) -> timedelta:
    """How long after attempt `attempt_failed` failed the next one is made: the schedule's
    delay, or what the receiver asked for when that is longer."""
    return max(RETRY_DELAYS[attempt_failed], retry_after or timedelta(0))


@transaction.atomic
def _delivery_record(
    delivery: Delivery, *, succeeded: bool, retry_after: timedelta | None = None
) -> None:
    endpoint = Endpoint.objects.select_for_update().filter(pk=delivery.endpoint_id).first()
    if endpoint is None:  # deleted while the POST was under way, with its log
        return
    if succeeded:
        endpoint.consecutive_failures = 0
    else:
        endpoint.consecutive_failures = F("consecutive_failures") + 1
    endpoint.save(update_fields=["consecutive_failures"])
    if delivery.response_code == HTTPStatus.GONE:
        # The receiver wants no more webhooks from Parley (Standard Webhooks): no retry, and
        # none of the other messages, whichever kind of attempt heard it.
        if endpoint.active:
            _endpoint_disable_automatically(
                endpoint,
                reason="Its server answered 410 Gone: it wants no more webhooks. "
                "Enable it again once it accepts them.",
            )
    elif not succeeded and delivery.trigger == Trigger.AUTOMATIC:
        if delivery.attempt < ATTEMPTS_MAX:
            delay = _retry_delay(attempt_failed=delivery.attempt, retry_after=retry_after)
            retry = Delivery.objects.create(
                endpoint_id=delivery.endpoint_id,
                event_id=delivery.event_id,
                attempt=delivery.attempt + 1,
                scheduled_at=timezone.now() + delay,
            )
            delivery.next_attempt_at = retry.scheduled_at
            deliveries_queue([retry])
        elif endpoint.active:
            _endpoint_disable_automatically(
                endpoint,
                reason=f"A message failed all {ATTEMPTS_MAX} attempts over about a day: "
                "disabled automatically.",
            )
    delivery.save(
        update_fields=[
            "status",
            "response_code",
            "duration_ms",
            "response_excerpt",
            "error",
            "next_attempt_at",
        ]
    )


def _endpoint_disable_automatically(endpoint: Endpoint, *, reason: str) -> None:
    """Parley disables the endpoint (its receiver said Gone, or a message failed every
    attempt); the owners and admins hear of it by e-mail, with `reason`, once this commits."""
    from webhooks.tasks import endpoint_disabled_mail_task  # webhooks.tasks imports this module

    endpoint_disable(endpoint=endpoint, reason=reason)
    endpoint_id = endpoint.pk
    task_queue_on_commit(endpoint_disabled_mail_task, endpoint_id)


def endpoint_disabled_mail_send(*, endpoint_id: int) -> bool:
    """E-mail the workspace's owners and admins that the endpoint was disabled, with a link to
    its delivery log. False when there is nothing to tell (enabled again meanwhile)."""
    endpoint = Endpoint.objects.filter(pk=endpoint_id, disabled_at__isnull=False).first()
    if endpoint is None:
        return False
    workspace = workspace_current()
    recipients = [user.email for user in workspace_manager_list(workspace=workspace)]
    if not recipients:
        return False
    path = reverse(
        "webhook_endpoint_detail",
        kwargs={"endpoint_id": endpoint.pk},
        urlconf=workspace_urlconf(workspace_path_prefix(workspace)),
    )
    context = {
        "workspace": workspace,
        "endpoint": endpoint,
        "link": settings.PARLEY_BASE_URL.rstrip("/") + path,
    }
    send_mail(
        subject=f"Webhook endpoint disabled in {workspace.name}",
        message=render_to_string("webhooks/email/endpoint_disabled.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
    return True
