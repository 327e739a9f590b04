from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_builder.services import form_create, form_publish
from leads.models import Conversation, ConversationStatus
from leads.services import conversation_start, conversation_turn
from leads.tasks import conversations_abandon_stale_everywhere

pytestmark = pytest.mark.django_db


def stale_conversation(workspace):
    with schema_context(workspace.schema_name):
        form = form_create(name="Contact")
        form_publish(form=form)
        conversation = conversation_start(form=form).conversation
        conversation_turn(conversation=conversation, text="We need help")
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
