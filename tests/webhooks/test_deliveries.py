"""Delivering events to a real local receiver: signed as Standard Webhooks says (checked with
the `standardwebhooks` package's own verifier), retried on the recommended schedule, the
endpoint disabled after the last failure with an e-mail to owners and admins, replays, and
secret rotation."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.webhooks.conftest import PAYLOAD
from webhooks.deliveries import (
    ATTEMPTS_MAX,
    RETRY_DELAYS,
    deliveries_overdue_requeue,
    delivery_attempt,
)
from webhooks.models import RESPONSE_EXCERPT_MAX, Delivery, DeliveryStatus, Endpoint, Trigger
from webhooks.services import (
    deliveries_replay_failed,
    delivery_replay,
    endpoint_secret_rotate,
    endpoint_test_send,
    webhook_emit,
)

pytestmark = pytest.mark.django_db


def test_a_delivery_verifies_with_the_standardwebhooks_verifier(receiver, endpoint, emit):
    event = emit()

    [request] = receiver.requests
    verified = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert verified["type"] == "lead.created"
    assert verified["data"] == PAYLOAD
    assert request.headers["webhook-id"] == event.message_id
    assert request.headers["Content-Type"] == "application/json"


def test_a_delivery_with_another_secret_or_an_edited_body_does_not_verify(receiver, endpoint, emit):
    emit()

    [request] = receiver.requests
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUJD" * 8).verify(request.body, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(request.body.replace(b"ada", b"eve"), request.headers)


def test_a_2xx_answer_is_a_success_and_is_logged(attempts, workspace_a, receiver, endpoint, emit):
    receiver.answer(204)

    emit()

    [attempt] = attempts()
    assert attempt.status == DeliveryStatus.SUCCEEDED
    assert attempt.response_code == 204
    assert attempt.attempted_at is not None
    assert attempt.duration_ms is not None
    assert attempt.next_attempt_at is None


def test_a_failure_is_retried_on_the_schedule_until_it_succeeds(
    attempts, workspace_a, receiver, endpoint, emit
):
    receiver.answer(500, b"database down", times=2)

    event = emit()

    first, second, third = attempts()
    assert [a.attempt for a in (first, second, third)] == [1, 2, 3]
    assert [a.status for a in (first, second, third)] == ["failed", "failed", "succeeded"]
    assert first.response_code == 500
    assert first.response_excerpt == "database down"
    assert first.error == "HTTP 500: only a 2xx answer is a success."
    # Each retry is scheduled the recommended delay after the failure before it.
    assert second.scheduled_at - first.attempted_at == pytest.approx(
        RETRY_DELAYS[1], abs=timedelta(seconds=1)
    )
    assert third.scheduled_at - second.attempted_at == pytest.approx(
        RETRY_DELAYS[2], abs=timedelta(seconds=1)
    )
    assert first.next_attempt_at == second.scheduled_at
    # The same message every time: a receiver drops what it already handled by webhook-id.
    assert {r.headers["webhook-id"] for r in receiver.requests} == {event.message_id}
    with schema_context(workspace_a.schema_name):
        assert Endpoint.objects.get(pk=endpoint.pk).consecutive_failures == 0


def test_the_schedule_spans_about_a_day():
    assert ATTEMPTS_MAX == 8
    assert timedelta(hours=24) < sum(RETRY_DELAYS, timedelta()) < timedelta(hours=30)


def test_after_the_last_failure_the_endpoint_is_disabled_and_admins_are_emailed(
    attempts, workspace_a, owner, admin, member, receiver, endpoint, emit, mailoutbox
):
    receiver.answer(503, times=ATTEMPTS_MAX)

    emit()

    attempts = attempts()
    assert [a.attempt for a in attempts] == list(range(1, ATTEMPTS_MAX + 1))
    assert {a.status for a in attempts} == {DeliveryStatus.FAILED}
    assert attempts[-1].next_attempt_at is None
    with schema_context(workspace_a.schema_name):
        endpoint.refresh_from_db()
    assert endpoint.disabled_at is not None
    assert "failed all 8 attempts" in endpoint.disabled_reason
    assert endpoint.consecutive_failures == ATTEMPTS_MAX
    [message] = mailoutbox
    assert set(message.to) >= {owner.email, admin.email}
    assert member.email not in message.to
    assert endpoint.url in message.body
    assert f"/w/{workspace_a.slug}/settings/webhooks/{endpoint.pk}/" in message.body


def test_a_disabled_endpoint_gets_no_new_event(workspace_a, receiver, endpoint, emit):
    with schema_context(workspace_a.schema_name):
        Endpoint.objects.filter(pk=endpoint.pk).update(disabled_at=timezone.now())

    assert emit() is None
    assert receiver.requests == []


def test_an_attempt_scheduled_before_the_endpoint_was_disabled_is_not_sent(
    workspace_a, receiver, endpoint
):
    with schema_context(workspace_a.schema_name):
        event = webhook_emit(event_type="lead.created", payload=PAYLOAD)  # not committed: queued
        Endpoint.objects.filter(pk=endpoint.pk).update(disabled_at=timezone.now())
        delivery = delivery_attempt(delivery_id=Delivery.objects.get(event=event).pk)

    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error == "Not sent: the endpoint is disabled."
    assert receiver.requests == []


def test_an_attempt_is_made_once_however_often_its_task_runs(workspace_a, receiver, endpoint):
    """The broker may hand a task out twice (a countdown past its visibility timeout)."""
    with schema_context(workspace_a.schema_name):
        event = webhook_emit(event_type="lead.created", payload=PAYLOAD)
        delivery_id = Delivery.objects.get(event=event).pk

        assert delivery_attempt(delivery_id=delivery_id).status == DeliveryStatus.SUCCEEDED
        assert delivery_attempt(delivery_id=delivery_id) is None

    assert len(receiver.requests) == 1


def test_redirects_are_not_followed(attempts, workspace_a, receiver, endpoint, emit):
    receiver.answer(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    emit()

    first = attempts()[0]
    assert first.status == DeliveryStatus.FAILED
    assert first.response_code == 302
    assert [r.path for r in receiver.requests] == ["/hooks", "/hooks"]  # the retry, not a hop


def test_only_an_excerpt_of_the_answer_is_kept(attempts, workspace_a, receiver, endpoint, emit):
    receiver.answer(200, b"x" * 100_000)

    emit()

    [attempt] = attempts()
    assert attempt.response_excerpt == "x" * RESPONSE_EXCERPT_MAX


def test_an_unreachable_endpoint_is_a_failure_with_its_reason(
    workspace_a, loopback_allowed, django_capture_on_commit_callbacks
):
    with schema_context(workspace_a.schema_name):
        endpoint = Endpoint.objects.create(url="http://127.0.0.1:9/closed", events=["lead.created"])
        event = webhook_emit(event_type="lead.created", payload=PAYLOAD)
        attempt = delivery_attempt(delivery_id=Delivery.objects.get(event=event).pk)

    assert attempt.status == DeliveryStatus.FAILED
    assert attempt.response_code is None
    assert attempt.error.startswith("Could not connect")
    assert endpoint.url == "http://127.0.0.1:9/closed"


# --- Replays -----------------------------------------------------------------------------------


def test_replaying_a_failed_delivery_sends_the_same_message_once_more(
    workspace_a, receiver, endpoint, emit, django_capture_on_commit_callbacks
):
    receiver.answer(500, times=ATTEMPTS_MAX)
    emit()
    with schema_context(workspace_a.schema_name):
        Endpoint.objects.filter(pk=endpoint.pk).update(disabled_at=None)
        last = Delivery.objects.filter(endpoint=endpoint).order_by("-pk").first()

        with django_capture_on_commit_callbacks(execute=True):
            replay = delivery_replay(delivery=last)

        replay.refresh_from_db()
    assert replay.trigger == Trigger.REPLAY
    assert replay.attempt == ATTEMPTS_MAX + 1
    assert replay.status == DeliveryStatus.SUCCEEDED
    assert receiver.requests[-1].body == receiver.requests[0].body
    assert receiver.requests[-1].headers["webhook-id"] == receiver.requests[0].headers["webhook-id"]


def test_a_failed_replay_is_not_retried(
    attempts, workspace_a, receiver, endpoint, emit, django_capture_on_commit_callbacks
):
    receiver.answer(500, times=ATTEMPTS_MAX + 1)
    emit()
    with schema_context(workspace_a.schema_name):
        Endpoint.objects.filter(pk=endpoint.pk).update(disabled_at=None)
        with django_capture_on_commit_callbacks(execute=True):
            deliveries_replay_failed(endpoint=endpoint)

    assert len(receiver.requests) == ATTEMPTS_MAX + 1
    assert attempts()[-1].next_attempt_at is None


def test_replay_all_failed_sends_each_failed_message_once_and_leaves_the_delivered(
    workspace_a, receiver, endpoint, emit, django_capture_on_commit_callbacks
):
    receiver.answer(500, times=ATTEMPTS_MAX)
    failed = emit(payload={"n": 1})  # every attempt fails: the endpoint is disabled
    with schema_context(workspace_a.schema_name):
        Endpoint.objects.filter(pk=endpoint.pk).update(disabled_at=None)
    emit(payload={"n": 2})  # delivered at once
    receiver.requests.clear()

    with (
        schema_context(workspace_a.schema_name),
        django_capture_on_commit_callbacks(execute=True),
    ):
        count = deliveries_replay_failed(endpoint=endpoint)

    assert count == 1
    [request] = receiver.requests
    assert request.headers["webhook-id"] == failed.message_id
    with schema_context(workspace_a.schema_name):
        # Replayed with success: nothing is left to replay.
        assert deliveries_replay_failed(endpoint=endpoint) == 0


def test_a_disabled_endpoint_cannot_be_replayed_to(workspace_a, receiver, endpoint, emit):
    from django.core.exceptions import ValidationError

    receiver.answer(500, times=ATTEMPTS_MAX)
    emit()

    with schema_context(workspace_a.schema_name), pytest.raises(ValidationError):
        deliveries_replay_failed(endpoint=endpoint)


def test_a_test_event_reaches_even_a_disabled_endpoint(
    workspace_a, owner, receiver, endpoint, django_capture_on_commit_callbacks
):
    with schema_context(workspace_a.schema_name):
        Endpoint.objects.filter(pk=endpoint.pk).update(disabled_at=timezone.now())
        endpoint.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            endpoint_test_send(endpoint=endpoint, by=owner)

    [request] = receiver.requests
    message = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert message["type"] == "webhook.test"
    assert message["data"]["workspace"] == workspace_a.slug


# --- Secret rotation ---------------------------------------------------------------------------


def test_during_a_rotation_both_secrets_verify_and_after_it_only_the_new_one(
    workspace_a, receiver, endpoint, emit
):
    old = endpoint.secret
    with schema_context(workspace_a.schema_name):
        new = endpoint_secret_rotate(endpoint=endpoint)

    emit()
    [during] = receiver.requests
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(during.body, during.headers)
    assert Webhook(new).verify(during.body, during.headers)

    with schema_context(workspace_a.schema_name):
        Endpoint.objects.filter(pk=endpoint.pk).update(
            previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
        )
    emit()
    after = receiver.requests[-1]
    assert Webhook(new).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after.body, after.headers)


def test_the_body_is_the_standard_webhooks_envelope(receiver, endpoint, emit):
    event = emit()

    body = json.loads(receiver.requests[0].body)
    assert body == {
        "type": "lead.created",
        "timestamp": event.created_at.isoformat(),
        "data": PAYLOAD,
    }


def test_an_attempt_whose_task_was_lost_is_sent_by_the_sweep_once(
    workspace_a, receiver, endpoint, django_capture_on_commit_callbacks
):
    """A broker restart may drop a countdown task: the attempt stays scheduled until the
    beat sweep queues it again. Attempts not yet due, or just due, are left to their task."""
    now = timezone.now()
    with schema_context(workspace_a.schema_name):
        # Emitted without running the commit callbacks: no task was ever queued.
        lost = Delivery.objects.get(event=webhook_emit(event_type="lead.created", payload=PAYLOAD))
        Delivery.objects.filter(pk=lost.pk).update(scheduled_at=now - timedelta(minutes=20))
        due_soon = Delivery.objects.get(
            event=webhook_emit(event_type="lead.updated", payload=PAYLOAD)
        )

        with django_capture_on_commit_callbacks(execute=True):
            assert deliveries_overdue_requeue(now=now) == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert deliveries_overdue_requeue(now=now) == 0
        lost.refresh_from_db()
        due_soon.refresh_from_db()

    assert lost.status == DeliveryStatus.SUCCEEDED
    assert due_soon.status == DeliveryStatus.PENDING
    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["lead.created"]


def test_the_sweep_runs_in_every_workspace_from_beat(settings):
    assert settings.CELERY_BEAT_SCHEDULE["requeue-overdue-webhook-attempts"]["task"] == (
        "webhooks.tasks.webhook_deliveries_overdue_everywhere"
    )
