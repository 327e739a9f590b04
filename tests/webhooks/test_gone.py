"""A receiver that answers 410 Gone wants no more webhooks from Parley (Standard Webhooks): the
endpoint is disabled at once with the reason, no attempt follows, the owners and admins hear of
it by e-mail, and an admin enables it again from the endpoint's page."""

import pytest
from django_tenants.utils import schema_context

from tests.webhooks.conftest import PAYLOAD
from webhooks.deliveries import delivery_attempt
from webhooks.models import Delivery, DeliveryStatus, Endpoint
from webhooks.services import delivery_replay, webhook_emit

pytestmark = pytest.mark.django_db


def _endpoint_now(workspace, endpoint) -> Endpoint:
    with schema_context(workspace.schema_name):
        return Endpoint.objects.get(pk=endpoint.pk)


def test_a_410_answer_disables_the_endpoint_and_is_not_retried(
    workspace_a, receiver, endpoint, emit, attempts
):
    receiver.answer(410, b"this hook was removed")

    emit()

    [attempt] = attempts()
    assert attempt.status == DeliveryStatus.FAILED
    assert attempt.response_code == 410
    assert attempt.next_attempt_at is None
    assert len(receiver.requests) == 1
    endpoint = _endpoint_now(workspace_a, endpoint)
    assert not endpoint.active
    assert "410 Gone" in endpoint.disabled_reason


def test_after_a_410_the_attempts_already_scheduled_are_not_sent(workspace_a, receiver, endpoint):
    """Given two messages scheduled for the endpoint, when the first is answered 410, then
    the second is not sent."""
    receiver.answer(410)
    with schema_context(workspace_a.schema_name):
        # Not committed: no task runs them, the test makes each attempt itself.
        first = webhook_emit(event_type="lead.created", payload=PAYLOAD)
        second = webhook_emit(event_type="lead.updated", payload=PAYLOAD)

        delivery_attempt(delivery_id=Delivery.objects.get(event=first).pk)
        later = delivery_attempt(delivery_id=Delivery.objects.get(event=second).pk)

    assert later.status == DeliveryStatus.FAILED
    assert later.error == "Not sent: the endpoint is disabled."
    assert len(receiver.requests) == 1


def test_the_owners_and_admins_are_emailed_the_reason(
    workspace_a, owner, admin, member, receiver, endpoint, emit, mailoutbox
):
    receiver.answer(410)

    emit()

    [message] = mailoutbox
    assert set(message.to) >= {owner.email, admin.email}
    assert member.email not in message.to
    assert "410 Gone" in message.body
    assert f"/w/{workspace_a.slug}/settings/webhooks/{endpoint.pk}/" in message.body


def test_a_replay_answered_410_disables_it_too(
    workspace_a, receiver, endpoint, emit, attempts, django_capture_on_commit_callbacks
):
    receiver.answer(500)
    receiver.answer(200)
    emit()  # fails, then its retry succeeds
    receiver.answer(410)

    with (
        schema_context(workspace_a.schema_name),
        django_capture_on_commit_callbacks(execute=True),
    ):
        delivery_replay(delivery=attempts()[0])

    assert attempts()[-1].response_code == 410
    assert not _endpoint_now(workspace_a, endpoint).active


def test_the_page_shows_why_and_an_admin_enables_it_again(
    workspace_a, admin_client_a, receiver, endpoint, emit, attempts
):
    receiver.answer(410)
    emit()
    page = f"/w/{workspace_a.slug}/settings/webhooks/{endpoint.pk}/"

    shown = admin_client_a.get(page)

    assert b"disabled" in shown.content
    assert b"410 Gone" in shown.content
    assert f"{page}enable/".encode() in shown.content

    assert admin_client_a.post(f"{page}enable/").status_code == 302

    assert _endpoint_now(workspace_a, endpoint).active
    emit()
    assert attempts()[-1].status == DeliveryStatus.SUCCEEDED
