"""Celery tasks are a way in too: a task runs in the schema it was queued from, and refuses ids
that belong to another workspace."""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from leads.models import Band, Lead
from leads.prioritization import lead_band_enter
from leads.tasks import (
    lead_hot_alert_task,
    leads_assigned_alert_task,
    leads_overdue_alert_in_workspace,
)
from tenants.tasks import invitation_send
from tests.security.probes import OBJECT_MAKERS

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


def test_alert_tasks_refuse_to_run_outside_any_workspace(mailoutbox):
    assert connection.schema_name == "public"

    assert lead_hot_alert_task(1) is False
    assert leads_assigned_alert_task([1], 1) is False
    assert leads_overdue_alert_in_workspace() == 0
    assert mailoutbox == []


def test_hot_alert_for_a_lead_of_b_queued_from_a_finds_nothing(
    workspace_a, workspace_b, outsider, mailoutbox
):
    """A lead id is read in the schema the task was queued from: B's lead, aimed at from A,
    is a lead A does not have (tests/security/probes.py keeps B's ids out of A)."""
    lead_id = OBJECT_MAKERS["lead_id"](workspace_b, "leads/<int:lead_id>/", {})
    with schema_context(workspace_b.schema_name):
        lead = Lead.objects.get(pk=lead_id)
        lead.save(update_fields=lead_band_enter(lead, Band.HOT, workspace=workspace_b))

    with schema_context(workspace_a.schema_name):
        assert lead_hot_alert_task.apply(args=[lead_id]).get() is False

    assert mailoutbox == []
