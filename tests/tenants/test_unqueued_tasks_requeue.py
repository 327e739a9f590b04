"""Beat's requeue-unqueued-tasks: the tasks requests could not queue (the broker was down) are
queued again once it is back, each from its own workspace's schema, and forgotten once queued;
while the broker is still down they wait for the next run."""

import pytest
from django.utils import timezone

from tenants.models import Invitation, UnqueuedTask
from tenants.tasks import invitation_send, unqueued_tasks_requeue
from tests.factories import InvitationFactory
from tests.outages import closed_port_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def unsent_invitation(workspace_a, owner):
    invitation = InvitationFactory(workspace=workspace_a, invited_by=owner)
    UnqueuedTask.objects.create(
        task_name=invitation_send.name, args=[invitation.pk], schema_name=workspace_a.schema_name
    )
    return invitation


def test_kept_tasks_are_queued_again_in_their_workspace(unsent_invitation, mailoutbox):
    # Tests run tasks in-process: queuing one runs it, in the schema it is queued from.
    assert unqueued_tasks_requeue() == 1

    assert [mail.to for mail in mailoutbox] == [[unsent_invitation.email]]
    assert Invitation.objects.get(pk=unsent_invitation.pk).sent_at is not None
    assert not UnqueuedTask.objects.exists()


def test_a_task_of_another_workspace_is_refused_there(unsent_invitation, workspace_b, mailoutbox):
    UnqueuedTask.objects.update(schema_name=workspace_b.schema_name)

    unqueued_tasks_requeue()

    assert mailoutbox == []


def test_kept_tasks_wait_while_the_broker_is_still_down(unsent_invitation, broker_at, mailoutbox):
    broker_at(closed_port_url())

    assert unqueued_tasks_requeue() == 0

    assert UnqueuedTask.objects.count() == 1
    assert mailoutbox == []


def test_a_task_that_no_longer_exists_is_dropped(workspace_a):
    UnqueuedTask.objects.create(
        task_name="tenants.tasks.gone",
        args=[],
        schema_name=workspace_a.schema_name,
        not_before=timezone.now(),
    )

    assert unqueued_tasks_requeue() == 0
    assert not UnqueuedTask.objects.exists()


def test_beat_requeues_every_minute(settings):
    entries = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert entries[unqueued_tasks_requeue.name]["schedule"] == 60.0
