"""The workspace's retention period (leads/privacy/retention.py and its daily task): transcripts
and events older than it are deleted; the conversation row and the lead stay."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from leads.models import Conversation, EventKind, Lead, LeadEvent, Message
from leads.privacy.retention import retention_apply
from leads.tasks import retention_apply_everywhere
from tests.api import api_call
from tests.leads.privacy.fixtures import BYSTANDER

pytestmark = pytest.mark.django_db


def age(workspace, *, days: int) -> None:
    """Move everything of the workspace `days` into the past, as if it had happened then."""
    past = timezone.now() - timedelta(days=days)
    with schema_context(workspace.schema_name):
        Conversation.objects.update(last_turn_at=past, started_at=past)
        Message.objects.update(created_at=past)
        LeadEvent.objects.update(occurred_at=past)


def test_transcripts_and_events_past_the_period_go_and_the_conversation_and_lead_stay(
    workspace_a, make_contact
):
    old = make_contact(workspace_a)
    age(workspace_a, days=91)
    new = make_contact(workspace_a, BYSTANDER)

    with schema_context(workspace_a.schema_name):
        qualified = Lead.objects.values().get(pk=old.lead.pk)
        done = retention_apply(days=90)

        assert done == {"conversations": 2, "events": 3}
        conversation = Conversation.objects.get(lead=old.lead)
        assert conversation.answers == {}
        assert conversation.transcript_deleted_at is not None
        assert not conversation.messages.exists()
        assert not LeadEvent.objects.filter(lead=old.lead).exists()
        # Where the lead came from, and who it is and how it was qualified, are kept.
        assert conversation.utm["utm_campaign"] == "zqv7-campaign"
        assert conversation.hidden_fields == {"plan": "pro-zqv7"}
        # (Only its updated_at moves: see the sync test below.)
        kept = Lead.objects.values().get(pk=old.lead.pk)
        assert {**kept, "updated_at": None} == {**qualified, "updated_at": None}
        # The newer contact has everything still.
        recent = Conversation.objects.get(lead=new.lead)
        assert recent.answers and recent.messages.exists() and recent.transcript_deleted_at is None
        assert LeadEvent.objects.filter(lead=new.lead).count() == 3


def test_what_a_conversation_claimed_goes_with_its_transcript(workspace_a, make_contact):
    """An unverified conversation's claims are the visitor's words too (leads/claims.py)."""
    old = make_contact(workspace_a)
    with schema_context(workspace_a.schema_name):
        Conversation.objects.filter(lead=old.lead).update(
            unverified=True,
            claims={"contact": {"company": "Zqv7 Corp"}, "qualification": {"need": "identified"}},
        )
    age(workspace_a, days=91)

    with schema_context(workspace_a.schema_name):
        retention_apply(days=90)

        assert Conversation.objects.get(lead=old.lead).claims == {}


def test_the_api_sync_hands_out_again_the_conversation_and_lead_whose_transcript_went(
    client, api_key_of, workspace_a, make_contact
):
    """The deletion is an UPDATE, which skips auto_now: without its own updated_at, a CRM syncing
    `updated_since` would keep the transcript for good."""
    old = make_contact(workspace_a)
    age(workspace_a, days=91)
    new = make_contact(workspace_a, BYSTANDER)
    key = api_key_of(workspace_a)
    with schema_context(workspace_a.schema_name):
        long_ago = timezone.now() - timedelta(days=91)
        Conversation.objects.update(updated_at=long_ago)
        Lead.objects.update(updated_at=long_ago)
        expired = Conversation.objects.get(lead=old.lead)
    last_sync = {"updated_since": (timezone.now() - timedelta(minutes=1)).isoformat()}

    def synced(url, **params) -> list[int]:
        response = api_call(client, "get", url, key, data={**last_sync, **params})
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["data"]]

    assert synced("/api/v1/conversations/") == []
    assert synced("/api/v1/leads/", order="updated") == []

    with schema_context(workspace_a.schema_name):
        retention_apply(days=90)

    # The expired conversation and its lead only; the pending one (no lead yet) went too.
    assert set(synced("/api/v1/conversations/")) == {expired.pk, old.pending.pk}
    assert synced("/api/v1/leads/", order="updated") == [old.lead.pk]
    assert new.lead.pk not in synced("/api/v1/leads/", order="updated")
    read = api_call(client, "get", f"/api/v1/conversations/{expired.pk}/", key).json()
    assert (read["answers"], read["messages"]) == ([], [])


def test_rows_just_inside_the_period_are_kept(workspace_a, make_contact):
    make_contact(workspace_a)
    age(workspace_a, days=89)

    with schema_context(workspace_a.schema_name):
        assert retention_apply(days=90) == {"conversations": 0, "events": 0}
        assert Message.objects.exists() and LeadEvent.objects.count() == 3


def test_deletion_goes_in_batches_until_nothing_is_left_and_runs_again_for_nothing(workspace_a):
    long_ago = timezone.now() - timedelta(days=400)
    with schema_context(workspace_a.schema_name):
        LeadEvent.objects.bulk_create(
            LeadEvent(visitor_id=f"visitor-{n}", kind=EventKind.PAGE_VIEW, occurred_at=long_ago)
            for n in range(7)
        )

        assert retention_apply(days=365, batch_size=2) == {"conversations": 0, "events": 7}
        assert not LeadEvent.objects.exists()
        assert retention_apply(days=365, batch_size=2) == {"conversations": 0, "events": 0}


def test_the_daily_task_applies_each_workspaces_own_period_and_none_where_it_is_off(
    workspace_a, workspace_b, make_contact
):
    make_contact(workspace_a)
    make_contact(workspace_b)
    age(workspace_a, days=200)
    age(workspace_b, days=200)
    workspace_a.retention_days = 180
    workspace_a.save(update_fields=["retention_days"])

    queued = retention_apply_everywhere()

    assert queued == 1  # only the workspace that has a period
    with schema_context(workspace_a.schema_name):
        assert not Message.objects.exists() and not LeadEvent.objects.exists()
    with schema_context(workspace_b.schema_name):
        assert Message.objects.exists() and LeadEvent.objects.count() == 3
        assert not Conversation.objects.filter(transcript_deleted_at__isnull=False).exists()


def test_the_lead_page_says_the_transcript_was_deleted_rather_than_show_an_empty_chat(
    workspace_a, make_contact, owner_client
):
    contact = make_contact(workspace_a)
    age(workspace_a, days=400)
    with schema_context(workspace_a.schema_name):
        retention_apply(days=365)

    page = owner_client.get(f"/w/{workspace_a.slug}/leads/{contact.lead.pk}/")

    assert page.status_code == 200
    assert b"past the workspace's retention period" in page.content
    assert b"Nothing said yet" not in page.content
