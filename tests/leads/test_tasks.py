from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_builder.services import form_create, form_publish
from leads.models import Conversation, ConversationStatus, Lead
from leads.services.conversations import conversation_start, conversation_turn
from leads.tasks import (
    conversations_abandon_stale_everywhere,
    leads_qualify_missing_everywhere,
    leads_qualify_missing_in_workspace,
)
from tests.leads.conversations import LEAD_B, converse, discovery_form

pytestmark = pytest.mark.django_db


def stale_conversation(workspace):
    with schema_context(workspace.schema_name):
        form = form_create(name="Contact")
        form_publish(form=form)
        conversation = conversation_start(form=form).conversation
        conversation_turn(token=conversation.token, text="We need help")
        Conversation.objects.filter(pk=conversation.pk).update(
            last_turn_at=timezone.now() - timedelta(hours=1)
        )
        return conversation.pk


def test_the_periodic_task_abandons_stale_conversations_in_every_workspace(
    workspace_a, workspace_b
):
    in_a, in_b = stale_conversation(workspace_a), stale_conversation(workspace_b)

    conversations_abandon_stale_everywhere.delay()

    for workspace, pk in ((workspace_a, in_a), (workspace_b, in_b)):
        with schema_context(workspace.schema_name):
            assert Conversation.objects.get(pk=pk).status == ConversationStatus.ABANDONED


def test_the_sweep_qualifies_leads_whose_task_was_lost(workspace_a, workspace_b):
    # Given a finished conversation whose qualification task never ran (a broker outage)
    with schema_context(workspace_a.schema_name):
        form = discovery_form(workspace_a)
    conversation = converse(workspace_a, form, LEAD_B)
    with schema_context(workspace_a.schema_name):
        Lead.objects.filter(pk=conversation.lead_id).update(
            qualified_at=None, qualification_status=""
        )
        Conversation.objects.filter(pk=conversation.pk).update(
            ended_at=timezone.now() - timedelta(minutes=10)
        )

    # When the periodic sweep runs
    leads_qualify_missing_everywhere.delay()

    # Then the lead is qualified, and only it
    with schema_context(workspace_a.schema_name):
        lead = Lead.objects.get(pk=conversation.lead_id)
        assert lead.qualification_status == "sql"
        assert lead.qualified_at is not None
        assert leads_qualify_missing_in_workspace() == 0


def test_the_sweep_leaves_recent_conversations_to_their_own_task(workspace_a):
    with schema_context(workspace_a.schema_name):
        form = discovery_form(workspace_a)
    conversation = converse(workspace_a, form, LEAD_B)
    with schema_context(workspace_a.schema_name):
        Lead.objects.filter(pk=conversation.lead_id).update(qualified_at=None)
        assert leads_qualify_missing_in_workspace() == 0


def test_the_sweep_takes_recent_conversations_when_asked_to_sweep_at_once(workspace_a):
    # Given a conversation that just ended, whose qualification task was lost
    with schema_context(workspace_a.schema_name):
        form = discovery_form(workspace_a)
    conversation = converse(workspace_a, form, LEAD_B)
    with schema_context(workspace_a.schema_name):
        Lead.objects.filter(pk=conversation.lead_id).update(qualified_at=None)

        # When the sweep is asked for conversations of any age
        queued = leads_qualify_missing_in_workspace(older_than_seconds=0)

        # Then its lead is qualified again
        assert queued == 1
        assert Lead.objects.get(pk=conversation.lead_id).qualified_at is not None
