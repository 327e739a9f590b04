"""Billing's Celery tasks: e-mails to a workspace's owners, the meter report of a qualified
lead, and the hourly end of grace periods. They read and write the public schema only, so
whichever schema they were queued from does not matter."""

import logging

from celery import shared_task
from django.core.mail import send_mail
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from billing import stripe_client
from billing.models import QualifiedLeadRecord, UsageAlert
from billing.plans import LIMIT_LABELS
from billing.selectors import workspace_billing_account, workspace_plan
from billing.services import workspace_owner_emails
from billing.webhooks import billing_grace_expire
from tenants.links import workspace_page_url
from tenants.models import Workspace

logger = logging.getLogger(__name__)

SUBJECTS = {
    "plan_started": "{workspace} is on the {plan} plan",
    "payment_failed": "Payment failed for {workspace}: please update the card",
    "downgraded": "{workspace} is back on the Free plan",
    "usage_alert": "{workspace} used {threshold} % of its {limit}",
}


def _queued_for(workspace: Workspace) -> bool:
    """A task queued from a workspace's schema acts on that workspace only; the public schema
    (the webhook, the hourly sweep) acts on any. As tenants.tasks.invitation_send does."""
    if connection.schema_name in (get_public_schema_name(), workspace.schema_name):
        return True
    logger.error("Refused billing task for %s from schema %s", workspace, connection.schema_name)
    return False


def _owners_email(workspace: Workspace, kind: str, **context) -> int:
    recipients = workspace_owner_emails(workspace=workspace)
    if not recipients:
        return 0
    context = {
        "workspace": workspace,
        "plan": workspace_plan(workspace=workspace),
        "account": workspace_billing_account(workspace=workspace),
        "billing_url": workspace_page_url(workspace, "billing"),
        **context,
    }
    subject = SUBJECTS[kind].format(
        workspace=workspace.name,
        plan=context["plan"].name,
        threshold=context.get("threshold", ""),
        limit=context.get("limit_label", ""),
    )
    send_mail(
        subject=subject,
        message=render_to_string(f"billing/email/{kind}.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def billing_email_send(workspace_id: int, kind: str) -> int:
    """E-mail the workspace's owners about its subscription (`kind` names the template)."""
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None or kind not in SUBJECTS or not _queued_for(workspace):
        return 0
    return _owners_email(workspace, kind)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def usage_alert_send(alert_id: int) -> int:
    alert = UsageAlert.objects.select_related("workspace").filter(pk=alert_id).first()
    if alert is None or not _queued_for(alert.workspace):
        return 0
    plan = workspace_plan(workspace=alert.workspace)
    return _owners_email(
        alert.workspace,
        "usage_alert",
        threshold=alert.threshold,
        limit_label=LIMIT_LABELS[alert.limit_name].lower(),
        limit=plan.limits.get(alert.limit_name),
        limit_name=alert.limit_name,
    )


@shared_task(
    autoretry_for=(stripe_client.StripeUnavailable,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def qualified_lead_report(record_id: int) -> bool:
    """Report one qualified lead to Stripe's meter. Retried while Stripe is unreachable; the
    identifier (lead and month) makes Stripe drop a repeat, and a report already made is not
    sent again."""
    record = QualifiedLeadRecord.objects.select_related("workspace").filter(pk=record_id).first()
    if record is None or record.meter_reported_at is not None or not record.meter_identifier:
        return False
    if not _queued_for(record.workspace):
        return False
    account = workspace_billing_account(workspace=record.workspace)
    if not account.stripe_customer_id or not stripe_client.stripe_enabled():
        return False
    stripe_client.meter_event_create(
        customer_id=account.stripe_customer_id,
        identifier=record.meter_identifier,
        timestamp=int(record.created_at.timestamp()),
    )
    QualifiedLeadRecord.objects.filter(pk=record.pk).update(meter_reported_at=timezone.now())
    return True


@shared_task
def billing_grace_expire_task() -> int:
    return billing_grace_expire()
