"""Celery tasks of the exports: write one export (queued after commit from the workspace's
schema, which tenant-schemas-celery carries), and the hourly deletion of old exports in every
workspace (Celery beat, "expire-lead-exports" in config/settings.py)."""

import logging

from celery import shared_task
from django.db import OperationalError

from exports.models import ExportStatus, LeadExport
from exports.services import lead_export_fail, lead_export_write, lead_exports_expire
from tenants.workspace_tasks import each_workspace_sum, outside_workspaces

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def lead_export_task(export_id: int) -> bool:
    """Write the export; a failure is recorded on it (the page says so) and logged."""
    if outside_workspaces("write an export", export_id):
        return False
    export = LeadExport.objects.filter(
        pk=export_id, status__in=[ExportStatus.PENDING, ExportStatus.RUNNING]
    ).first()
    if export is None:  # written already (a redelivered task), or an id of no export here
        return False
    try:
        lead_export_write(export=export)
    except OperationalError:
        raise  # the database went away: Celery tries again
    except Exception as error:
        logger.exception("Export %s failed", export_id)
        lead_export_fail(export_id=export_id, error=f"{type(error).__name__}: {error}")
        return False
    return True


@shared_task
def lead_exports_expire_everywhere() -> int:
    """Delete exports past their keeping time in each workspace, one after the other (a
    cheap query where there are none); a workspace that fails does not stop the others."""
    return each_workspace_sum(lead_exports_expire, what="Expiring the exports")
