"""What Celery tasks of a workspace share: refusing to run in the public schema, and beat's
sweeps that do the same work in every workspace."""

import logging
from collections.abc import Callable

from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.models import Workspace

logger = logging.getLogger(__name__)


def outside_workspaces(what: str, *ids) -> bool:
    """True (and logged) in the public schema, where an id of a workspace's row names nothing:
    a task queued from a workspace always runs in its schema (tenant-schemas-celery)."""
    if connection.schema_name != get_public_schema_name():
        return False
    logger.error("Refused to %s outside any workspace %s", what, ids)
    return True


def each_workspace_sum(work: Callable[[], int], *, what: str) -> int:
    """Run `work` in every workspace's schema, one after the other, and add up what it returns;
    a workspace that fails is logged and does not stop the others."""
    total = 0
    for schema_name in Workspace.objects.values_list("schema_name", flat=True):
        with schema_context(schema_name):
            try:
                total += work()
            except Exception:
                logger.exception("%s failed in %s", what, schema_name)
    return total
