"""What happens at each limit of a plan (README, "Billing").

- Conversations (a month): a conversation past the limit is accepted and stored like any other,
  marked over quota; a lead it creates is hidden from the inbox behind an "upgrade to see N more
  leads" notice, until an upgrade reveals it. Visitors never notice anything.
- Qualified leads (a month): a lead that becomes qualified past the limit is qualified and kept,
  and hidden the same way.
- Members and live forms: inviting one more member or publishing one more form is refused with
  a message pointing at the billing page.
- Owners are e-mailed when a monthly limit reaches 80 % and 100 %, once a month each.

A lead qualified on a plan with a price per qualified lead is reported to Stripe's meter, once
per lead and month (billing/tasks.py).
"""

import logging
from datetime import UTC, date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import QualifiedLeadRecord, Usage, UsageAlert
from billing.plans import CONVERSATIONS, LIMIT_LABELS, QUALIFIED_LEADS, Plan
from billing.selectors import workspace_billing_account, workspace_plan
from leads.models import Conversation, Lead, QualificationStatus
from tenants.models import Workspace
from tenants.transactions import task_queue_on_commit

logger = logging.getLogger(__name__)

ALERT_THRESHOLDS = (80, 100)  # percent of a monthly limit


def month_start(now=None) -> date:
    now = timezone.localtime(now or timezone.now(), UTC)
    return now.date().replace(day=1)


def _usage_increment(*, workspace: Workspace, limit_name: str, now=None) -> int:
    """Add one to this month's count of `limit_name` and return the new count. The row is
    locked until the caller's transaction ends, so two visitors at once count 1 and 2."""
    usage, _ = Usage.objects.get_or_create(workspace=workspace, month=month_start(now))
    Usage.objects.filter(pk=usage.pk).update(**{limit_name: F(limit_name) + 1})
    return Usage.objects.values_list(limit_name, flat=True).get(pk=usage.pk)


def _alerts_queue(*, workspace: Workspace, plan: Plan, limit_name: str, used: int, now=None):
    """E-mail the owners the first time this month that `used` reaches 80 % or 100 %."""
    from billing.tasks import usage_alert_send

    limit = plan.limits[limit_name]
    if limit is None:
        return
    for threshold in ALERT_THRESHOLDS:
        if used * 100 < limit * threshold:
            continue
        alert, created = UsageAlert.objects.get_or_create(
            workspace=workspace,
            month=month_start(now),
            limit_name=limit_name,
            threshold=threshold,
        )
        if created:
            task_queue_on_commit(usage_alert_send, alert.pk)


def _is_over(plan: Plan, limit_name: str, used: int) -> bool:
    limit = plan.limits[limit_name]
    return limit is not None and used > limit


def conversation_quota_record(*, conversation: Conversation, workspace: Workspace) -> bool:
    """Count a conversation that just started, and mark it over quota past the month's limit.
    Called once the conversation is saved; any failure here is logged and the conversation
    goes on, counted or not: a visitor is never turned away for billing. Says whether it is
    over quota."""
    try:
        with transaction.atomic():
            used = _usage_increment(workspace=workspace, limit_name=CONVERSATIONS)
            plan = workspace_plan(workspace=workspace)
            _alerts_queue(workspace=workspace, plan=plan, limit_name=CONVERSATIONS, used=used)
            if _is_over(plan, CONVERSATIONS, used):
                Conversation.objects.filter(pk=conversation.pk).update(over_quota=True)
                conversation.over_quota = True
    except Exception:
        logger.exception("Could not count conversation %s of %s", conversation.pk, workspace)
    return conversation.over_quota


QUALIFIED_STATUSES = (QualificationStatus.SQL, QualificationStatus.MQL)


def lead_qualified_record(*, lead: Lead, workspace: Workspace, now=None) -> None:
    """Count a lead that the engine (or an admin) left qualified, once a month: past the month's
    limit it is hidden; on a plan with a price per qualified lead it is reported to Stripe.
    A hidden lead is neither counted nor billed: nobody sees it."""
    from billing.tasks import qualified_lead_report

    if lead.over_quota or lead.qualification_status not in QUALIFIED_STATUSES:
        return
    month = month_start(now)
    record, created = QualifiedLeadRecord.objects.get_or_create(
        workspace=workspace, month=month, lead_id=lead.pk
    )
    if not created:
        return  # qualified again this month: counted and billed already
    used = _usage_increment(workspace=workspace, limit_name=QUALIFIED_LEADS, now=now)
    plan = workspace_plan(workspace=workspace)
    _alerts_queue(workspace=workspace, plan=plan, limit_name=QUALIFIED_LEADS, used=used, now=now)
    if _is_over(plan, QUALIFIED_LEADS, used):
        Lead.objects.filter(pk=lead.pk).update(over_quota=True)
        lead.over_quota = True
        return
    account = workspace_billing_account(workspace=workspace)
    if plan.is_metered and account.stripe_customer_id:
        # The lead and the month name the meter event, so Stripe drops a repeat of it.
        record.meter_identifier = f"parley-{workspace.pk}-lead-{lead.pk}-{month:%Y-%m}"
        record.save(update_fields=["meter_identifier"])
        task_queue_on_commit(qualified_lead_report, record.pk)


def plan_room_ensure(*, workspace: Workspace, limit_name: str, used: int) -> None:
    """Refuse one more member or live form past the plan's limit, saying what to do."""
    plan = workspace_plan(workspace=workspace)
    limit = plan.limits[limit_name]
    if limit is not None and used >= limit:
        label = LIMIT_LABELS[limit_name].lower()
        raise ValidationError(
            f"The {plan.name} plan allows {limit} {label}: an owner can upgrade on the "
            "Billing page.",
            "plan_limit",
        )


def hidden_leads_reveal(*, workspace: Workspace) -> int:
    """Show every lead hidden by the limits of a smaller plan (after an upgrade)."""
    with schema_context(workspace.schema_name):
        # A lead shown again is news to an integration syncing by updated_since: update()
        # skips auto_now, so the time is set here.
        return Lead.objects.filter(over_quota=True).update(
            over_quota=False, updated_at=timezone.now()
        )
