import logging
from datetime import timedelta

from celery import shared_task
from django.db import OperationalError, connection
from django.utils import timezone
from django_tenants.utils import schema_context

from leads.models import Lead, RescoreRun
from leads.prioritization import leads_priority_refresh
from leads.privacy.retention import retention_apply
from leads.scoring.rescore import lead_rescore
from leads.scoring.services import rescore_run_apply
from leads.services.alerts import (
    lead_hot_alert_send,
    leads_assigned_alert_send,
    leads_overdue_alert,
)
from leads.services.conversations import conversations_abandon_stale
from leads.services.events import lead_rescore_after_event
from leads.services.leads import lead_qualify
from tenants.models import Workspace
from tenants.workspace_tasks import outside_workspaces

logger = logging.getLogger(__name__)


# A lead whose conversation ended this long ago and is still unqualified lost its task (a
# broker outage when it was queued): the sweep below queues it again.
QUALIFY_SWEEP_AFTER = timedelta(minutes=5)
QUALIFY_SWEEP_BATCH = 500

# A lead's own task meets a database that went away (a failover, a restart) by trying again
# later, backing off up to five minutes, rather than losing the lead's update.
RETRIED_ON_DATABASE_ERRORS = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


def _in_each_workspace(task, workspaces=None) -> int:
    """Queue `task` once per workspace (or per one of `workspaces`), from inside its schema, so
    the worker runs each in that workspace (tenant-schemas-celery). For Celery beat's periodic
    jobs."""
    workspaces = Workspace.objects.all() if workspaces is None else workspaces
    schemas = list(workspaces.values_list("schema_name", flat=True))
    for schema_name in schemas:
        with schema_context(schema_name):
            task.delay()
    return len(schemas)


@shared_task
def conversations_abandon_stale_everywhere() -> int:
    return _in_each_workspace(conversations_abandon_stale_in_workspace)


@shared_task
def leads_qualify_missing_everywhere() -> int:
    return _in_each_workspace(leads_qualify_missing_in_workspace)


@shared_task
def leads_overdue_alert_everywhere() -> int:
    return _in_each_workspace(leads_overdue_alert_in_workspace)


@shared_task(acks_late=True)
def conversations_abandon_stale_in_workspace() -> int:
    return conversations_abandon_stale()


@shared_task(**RETRIED_ON_DATABASE_ERRORS)
def lead_qualify_task(lead_id: int) -> bool:
    """Qualify a lead once one of its conversations completed or was abandoned. Queued from
    inside the workspace's schema, so the worker runs it there and the id can only name a lead
    of that workspace; re-running it is harmless (lead_qualify is idempotent)."""
    if outside_workspaces("qualify a lead", lead_id):
        return False
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:  # deleted meanwhile, or an id of no lead of this workspace
        return False
    # Scored first: the call queue's place, computed when qualifying, reads the score.
    lead_rescore(lead=lead)
    lead_qualify(lead=lead)
    return True


@shared_task(**RETRIED_ON_DATABASE_ERRORS)
def lead_rescore_task(lead_id: int) -> bool:
    """Rescore a lead after a behaviour event came in (a tracked page view, an e-mail event),
    and move it in the call queue accordingly (leads.services.events). Queued from inside the
    workspace's schema, like the qualification; re-running it is harmless."""
    if outside_workspaces("rescore a lead", lead_id):
        return False
    return lead_rescore_after_event(lead_id=lead_id)


@shared_task(acks_late=True)
def leads_qualify_missing_in_workspace(older_than_seconds: float | None = None) -> int:
    """Queue again the qualification of leads whose conversation ended a while ago (by default
    QUALIFY_SWEEP_AFTER) but that were never qualified. Returns how many were queued.

    Besides a broker outage when a conversation ended, this is what recovers a task a worker
    killed outright had just taken from Redis but not yet recorded as taken (kombu pops the
    message, then adds it to its "unacked" set: a kill between the two loses it, and no
    visibility timeout brings it back). `older_than_seconds=0` sweeps at once, as bench/load.py
    does once its queue drained, or an operator after an incident."""
    if older_than_seconds is None:
        cutoff = timezone.now() - QUALIFY_SWEEP_AFTER
    else:
        cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    lead_ids = list(
        Lead.objects.filter(qualified_at__isnull=True, conversations__ended_at__lt=cutoff)
        .values_list("pk", flat=True)
        .distinct()[:QUALIFY_SWEEP_BATCH]
    )
    for lead_id in lead_ids:
        lead_qualify_task.delay(lead_id)
    return len(lead_ids)


@shared_task(acks_late=True)
def leads_priority_refresh_task() -> int:
    """Recompute the call queue's order of every lead of the workspace it was queued from, set
    based (leads.prioritization.leads_priority_refresh), after its weight setting changed."""
    if outside_workspaces("refresh priorities"):
        return 0
    return leads_priority_refresh()


@shared_task(acks_late=True)
def leads_rescore_task(run_id: int) -> bool:
    """Rescore every lead of the workspace after its rules changed (leads/scoring/rescore.py),
    counting progress on the run, and tell integrators once. Queued from inside the
    workspace's schema, like the above."""
    if outside_workspaces("rescore", run_id):
        return False
    run = RescoreRun.objects.filter(pk=run_id, finished_at__isnull=True).first()
    if run is None:
        return False
    rescore_run_apply(run=run)
    return True


# E-mails: a mail server that fails is tried again, with back-off (SMTP errors are OSErrors).
# Each send is idempotent or harmless twice (leads/services/alerts.py).
MAIL_RETRY = {
    "acks_late": True,
    "autoretry_for": (OSError, OperationalError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


@shared_task(**MAIL_RETRY)
def lead_hot_alert_task(lead_id: int) -> bool:
    """E-mail that the lead entered the top band; queued by lead_qualify and lead_correct from
    inside the workspace's schema, so the id names a lead of that workspace only."""
    if outside_workspaces("send a hot-lead alert", lead_id):
        return False
    return lead_hot_alert_send(lead_id=lead_id)


@shared_task(**MAIL_RETRY)
def leads_assigned_alert_task(lead_ids: list[int], assignee_id: int) -> bool:
    if outside_workspaces("send an assignment e-mail", *lead_ids):
        return False
    return leads_assigned_alert_send(lead_ids=lead_ids, assignee_id=assignee_id)


@shared_task(acks_late=True)
def leads_overdue_alert_in_workspace() -> int:
    """The overdue sweep of one workspace (beat runs it everywhere every five minutes); a failed
    run is simply done again by the next one, which finds the same leads still untold."""
    if outside_workspaces("sweep overdue leads"):
        return 0
    return leads_overdue_alert()


@shared_task
def retention_apply_everywhere() -> int:
    """Daily: each workspace with a retention period deletes what is past it."""
    return _in_each_workspace(
        retention_apply_in_workspace, Workspace.objects.filter(retention_days__isnull=False)
    )


@shared_task(acks_late=True)
def retention_apply_in_workspace() -> dict[str, int]:
    """Delete the workspace's transcripts and events older than its retention period
    (leads/privacy/retention.py). The period is read again here: an admin may have turned it
    off since the task was queued. A run that fails is done again the next day; one cut short
    leaves what it did done, in batches."""
    if outside_workspaces("apply a retention period"):
        return {}
    days = (
        Workspace.objects.filter(schema_name=connection.schema_name)
        .values_list("retention_days", flat=True)
        .first()
    )
    if days is None:
        return {}
    return retention_apply(days=days)
