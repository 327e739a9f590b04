"""The workspace's retention period (Workspace.retention_days): transcripts and events older
than it are deleted, every day, by leads.tasks.retention_apply_everywhere.

What "the transcript" is: what the visitor said, kept twice, as the conversation's messages and
as its answers (step by step), and what an unverified conversation claimed from them
(leads/claims.py). All go: the messages are deleted, the answers and claims emptied. The
conversation row stays (form, status, dates, UTM, referrer, landing page, hidden fields, visitor
id: where the lead came from), marked `transcript_deleted_at`, and so does the lead: its contact
fields (copied from the answers when the conversation ended), its qualification (with the
evidence quotes it rests on) and its score, until the next rescore, where rules on answers stop
counting those conversations. Erasing the contact removes the rest. The conversation and its
lead get a new updated_at, so that the API's incremental sync hands both out again, without the
transcript.

Both deletions are set-based, in batches, each in its own short transaction: a workspace turning
retention on for the first time may have years of page views, and one huge DELETE would hold its
locks and bloat the WAL for as long as it runs."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone

from leads.models import Conversation, Lead, LeadEvent, Message

RETENTION_BATCH = 2000


def _conversations_expired_batch(cutoff, now, batch_size: int) -> int:
    with transaction.atomic():
        ids = list(
            Conversation.objects.filter(last_turn_at__lt=cutoff, transcript_deleted_at__isnull=True)
            .order_by()
            .values_list("pk", flat=True)[:batch_size]
        )
        Message.objects.filter(conversation_id__in=ids).delete()
        # update() skips auto_now: updated_at is set here, to the time of the write (not `now`,
        # which a caller may give), so that the API's incremental sync sees the transcript go;
        # the leads' too, since a lead's API read embeds its conversations' transcripts.
        written_at = timezone.now()
        Conversation.objects.filter(pk__in=ids).update(
            answers={}, claims={}, transcript_deleted_at=now, updated_at=written_at
        )
        Lead.objects.filter(
            pk__in=Conversation.objects.filter(pk__in=ids, lead__isnull=False).values("lead_id")
        ).update(updated_at=written_at)
    return len(ids)


def _events_expired_batch(cutoff, batch_size: int) -> int:
    with transaction.atomic():
        expired = LeadEvent.objects.filter(occurred_at__lt=cutoff).order_by().values("pk")
        deleted, _ = LeadEvent.objects.filter(pk__in=Subquery(expired[:batch_size])).delete()
    return deleted


def retention_apply(*, days: int, now=None, batch_size: int = RETENTION_BATCH) -> dict[str, int]:
    """Delete the current workspace's transcripts of conversations whose last turn is more than
    `days` old, and its events that old. Returns how many conversations and events."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    done = {"conversations": 0, "events": 0}
    while batch := _conversations_expired_batch(cutoff, now, batch_size):
        done["conversations"] += batch
        if batch < batch_size:
            break
    while batch := _events_expired_batch(cutoff, batch_size):
        done["events"] += batch
        if batch < batch_size:
            break
    return done
