import logging

from celery import current_app, shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import schema_context
from kombu.exceptions import OperationalError as BrokerUnavailable

from tenants.models import Invitation, UnqueuedTask
from tenants.spares import spare_schemas_fill
from tenants.tokens import invitation_token_make

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitation_send(invitation_id: int) -> bool:
    """E-mail an invitation link. Queued from the inviting workspace's request, so the worker runs
    it in that workspace's schema; an id belonging to another workspace is refused, which keeps a
    task from ever acting across workspaces."""
    invitation = (
        Invitation.objects.select_related("workspace", "invited_by")
        .filter(pk=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return False
    if invitation.workspace.schema_name != connection.schema_name:
        logger.error(
            "Refused invitation %s of %s from schema %s",
            invitation_id,
            invitation.workspace.schema_name,
            connection.schema_name,
        )
        return False
    link = f"{settings.PARLEY_BASE_URL}/invitations/{invitation_token_make(invitation)}/"
    context = {
        "invitation": invitation,
        "link": link,
        "valid_days": settings.INVITATION_MAX_AGE_SECONDS // (60 * 60 * 24),
    }
    send_mail(
        subject=f"You are invited to {invitation.workspace.name} on Parley",
        message=render_to_string("tenants/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    return True


@shared_task
def spare_schemas_refill() -> int:
    """Top the pool of spare schemas up after a signup took one. Queued in the public schema
    (tenants/spares.py); returns how many spares it cloned."""
    return spare_schemas_fill()


UNQUEUED_REQUEUE_BATCH = 500


@shared_task
def unqueued_tasks_requeue() -> int:
    """Queue again, each from its own schema, the tasks requests could not hand to the broker
    (tenants/transactions.py, task_queue_on_commit), oldest first; returns how many. Beat runs
    it every minute, so it runs again soon after the broker is back; a broker that fails midway
    leaves the rest for the next run. Rows are locked (SKIP LOCKED) so that two runs never
    queue one task twice."""
    queued = 0
    now = timezone.now()
    with transaction.atomic():
        kept = UnqueuedTask.objects.select_for_update(skip_locked=True)[:UNQUEUED_REQUEUE_BATCH]
        for unqueued in kept:
            task = current_app.tasks.get(unqueued.task_name)
            if task is None:
                logger.error("Dropped %s: no such task", unqueued)
            else:
                countdown = max(0, int((unqueued.not_before - now).total_seconds()))
                try:
                    with schema_context(unqueued.schema_name):
                        task.apply_async(args=unqueued.args, countdown=countdown)
                except BrokerUnavailable:
                    logger.warning("Broker still unavailable: %s left to the next run", unqueued)
                    break
                queued += 1
            unqueued.delete()
    return queued
