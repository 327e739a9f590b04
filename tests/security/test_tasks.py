"""Celery tasks are a way in too: a task runs in the schema it was queued from, and refuses ids
that belong to another workspace."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from tenants.tasks import invitation_send

pytestmark = pytest.mark.django_db


def test_invitation_of_b_is_refused_in_the_schema_of_a(workspace_a, b_invitation, mailoutbox):
    with schema_context(workspace_a.schema_name):
        assert invitation_send(b_invitation.pk) is False

    assert mailoutbox == []
    b_invitation.refresh_from_db()
    assert b_invitation.sent_at is None


def test_invitation_of_b_is_refused_outside_any_workspace(b_invitation, mailoutbox):
    assert connection.schema_name == "public"

    assert invitation_send(b_invitation.pk) is False
    assert mailoutbox == []


def test_invitation_of_b_queued_from_a_is_refused(workspace_a, b_invitation, mailoutbox):
    """Queued (here run in-process) while A's schema is active, the task carries A's schema."""
    with schema_context(workspace_a.schema_name):
        result = invitation_send.apply(args=[b_invitation.pk])

    assert result.get() is False
    assert mailoutbox == []


def test_invitation_of_b_is_sent_in_the_schema_of_b(workspace_b, b_invitation, mailoutbox):
    with schema_context(workspace_b.schema_name):
        assert invitation_send(b_invitation.pk) is True

    assert [message.to for message in mailoutbox] == [[b_invitation.email]]
