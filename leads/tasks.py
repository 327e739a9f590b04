import logging

from celery import shared_task
from django.db import OperationalError, connection
from django_tenants.utils import get_public_schema_name, schema_context

from leads.models import Lead
from leads.services import conversations_abandon_stale, lead_qualify
from tenants.models import Workspace

logger = logging.getLogger(__name__)


@shared_task
def conversations_abandon_stale_everywhere() -> int:
    """Celery beat runs this every few minutes: one task per workspace, each in its schema."""
    schemas = list(Workspace.objects.values_list("schema_name", flat=True))
    for schema_name in schemas:
        with schema_context(schema_name):
            # Queued from inside the schema, so the worker runs it there (tenant-schemas-celery).
            conversations_abandon_stale_in_workspace.delay()
    return len(schemas)


@shared_task(acks_late=True)
def conversations_abandon_stale_in_workspace() -> int:
    return conversations_abandon_stale()


@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def lead_qualify_task(lead_id: int) -> bool:
    """Qualify a lead once one of its conversations completed or was abandoned. Queued from
    inside the workspace's schema, so the worker runs it there and the id can only name a lead
    of that workspace; re-running it is harmless (lead_qualify is idempotent)."""
    if connection.schema_name == get_public_schema_name():
        logger.error("Refused to qualify lead %s outside any workspace", lead_id)
        return False
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:  # deleted meanwhile, or an id of no lead of this workspace
        return False
    lead_qualify(lead=lead)
    return True
