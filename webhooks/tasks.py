"""Celery tasks of the webhooks app: one attempt per task, queued after commit from inside the
workspace's schema (tenant-schemas-celery carries it), so an id names an attempt of that
workspace only. Tasks refuse to run in the public schema, where no id names anything."""

from celery import shared_task
from django.db import OperationalError

from tenants.workspace_tasks import each_workspace_sum, outside_workspaces
from webhooks.deliveries import (
    deliveries_overdue_requeue,
    delivery_attempt,
    endpoint_disabled_mail_send,
)


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
    if outside_workspaces("deliver a webhook", delivery_id):
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
    if outside_workspaces("tell of a disabled endpoint", endpoint_id):
        return False
    return endpoint_disabled_mail_send(endpoint_id=endpoint_id)


@shared_task
def webhook_deliveries_overdue_everywhere() -> int:
    """Beat's sweep of attempts that lost their task, workspace after workspace (a cheap
    indexed query where there are none); a workspace that fails does not stop the others."""
    return each_workspace_sum(
        deliveries_overdue_requeue, what="Sweeping the overdue webhook attempts"
    )
