"""Celery tasks of the webhooks app: one attempt per task, queued after commit from inside the
workspace's schema (tenant-schemas-celery carries it), so an id names an attempt of that
workspace only. Tasks refuse to run in the public schema, where no id names anything."""

import logging

from celery import shared_task
from django.db import OperationalError, connection
from django_tenants.utils import get_public_schema_name, schema_context

from tenants.models import Workspace
from webhooks.deliveries import (
    deliveries_overdue_requeue,
    delivery_attempt,
    endpoint_disabled_mail_send,
)

logger = logging.getLogger(__name__)


def _outside_workspaces(what: str, *ids) -> bool:
    if connection.schema_name != get_public_schema_name():
        return False
    logger.error("Refused to %s outside any workspace %s", what, ids)
    return True


# The retry schedule of a message is the attempts' own (webhooks/deliveries.py); Celery retries
# only a task that could not reach the database, which has not sent anything yet.
@shared_task(
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def webhook_delivery_task(delivery_id: int) -> str:
    """Make one attempt; says what became of it ("" when there was nothing to do: made
    already by a copy of this task, or its endpoint deleted)."""
    if _outside_workspaces("deliver a webhook", delivery_id):
        return ""
    delivery = delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else ""


@shared_task(
    acks_late=True,
    autoretry_for=(OSError, OperationalError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def endpoint_disabled_mail_task(endpoint_id: int) -> bool:
    if _outside_workspaces("tell of a disabled endpoint", endpoint_id):
        return False
    return endpoint_disabled_mail_send(endpoint_id=endpoint_id)


@shared_task
def webhook_deliveries_overdue_everywhere() -> int:
    """Beat's sweep of attempts that lost their task, workspace after workspace (a cheap
    indexed query where there are none); a workspace that fails does not stop the others."""
    queued = 0
    for schema_name in Workspace.objects.values_list("schema_name", flat=True):
        with schema_context(schema_name):
            try:
                queued += deliveries_overdue_requeue()
            except Exception:
                logger.exception("Sweeping the overdue webhook attempts of %s failed", schema_name)
    return queued
