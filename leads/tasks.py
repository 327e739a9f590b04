from celery import shared_task
from django_tenants.utils import schema_context

from leads.services import conversations_abandon_stale
from tenants.models import Workspace


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
