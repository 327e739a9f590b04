"""Reads about billing: a workspace's plan and account, this month's usage against the plan's
limits, and which leads the inbox may show."""

from dataclasses import dataclass

from django.db.models import QuerySet

from billing.models import BillingAccount, Usage
from billing.plans import (
    CONVERSATIONS,
    FORMS,
    LIMIT_LABELS,
    MEMBERS,
    MONTHLY_LIMITS,
    PLANS,
    QUALIFIED_LEADS,
    Plan,
    plan_get,
)
from billing.stripe_client import stripe_enabled
from tenants.models import Workspace


def workspace_billing_account(*, workspace: Workspace) -> BillingAccount:
    """The workspace's billing account; a workspace that never paid has none yet and reads as an
    unsaved account on the free plan."""
    account = BillingAccount.objects.filter(workspace=workspace).first()
    return account or BillingAccount(workspace=workspace)


def account_has_subscription(account: BillingAccount) -> bool:
    """A subscription Stripe still bills: changes then go through the Customer Portal."""
    return bool(account.stripe_subscription_id) and account.subscription_status not in (
        "",
        "canceled",
        "incomplete_expired",
    )


def workspace_plan(*, workspace: Workspace) -> Plan:
    return plan_get(workspace_billing_account(workspace=workspace).plan)


def leads_within_quota(queryset: QuerySet) -> QuerySet:
    """The leads of `queryset` the workspace's plan lets it see (the others wait for an
    upgrade, see billing/quotas.py)."""
    return queryset.filter(over_quota=False)


def hidden_lead_count() -> int:
    """How many leads of the current workspace are hidden past its plan's limits."""
    from leads.models import Lead

    return Lead.objects.filter(over_quota=True).count()


@dataclass(frozen=True)
class UsageLine:
    name: str
    label: str
    used: int
    limit: int | None

    @property
    def percent(self) -> int:
        """How full the bar is drawn (capped at 100)."""
        if not self.limit:
            return 0
        return min(100, self.used * 100 // self.limit)

    @property
    def over(self) -> bool:
        return self.limit is not None and self.used > self.limit

    @property
    def near(self) -> bool:
        return self.limit is not None and self.used * 100 >= self.limit * 80


def _month_usage(workspace: Workspace) -> dict[str, int]:
    from billing.quotas import month_start

    usage = Usage.objects.filter(workspace=workspace, month=month_start()).first()
    return {name: getattr(usage, name, 0) for name in MONTHLY_LIMITS}


def workspace_member_count(*, workspace: Workspace) -> int:
    """Members and pending invitations: an invitation takes a seat as soon as it is sent."""
    return (
        workspace.memberships.count()
        + workspace.invitations.filter(accepted_at__isnull=True).count()
    )


def workspace_live_form_count() -> int:
    """Published forms of the current workspace (the ones visitors can talk to)."""
    from forms_builder.models import Form, FormStatus

    return Form.objects.filter(status=FormStatus.PUBLISHED).count()


def workspace_usage(*, workspace: Workspace, plan: Plan) -> list[UsageLine]:
    """Each limit of the plan with what the workspace uses of it; reads the workspace's own
    schema for its forms, so call it with that schema active."""
    used = {
        **_month_usage(workspace),
        MEMBERS: workspace_member_count(workspace=workspace),
        FORMS: workspace_live_form_count(),
    }
    return [
        UsageLine(name, LIMIT_LABELS[name], used[name], plan.limits[name])
        for name in (CONVERSATIONS, QUALIFIED_LEADS, MEMBERS, FORMS)
    ]


@dataclass(frozen=True)
class BillingOverview:
    account: BillingAccount
    plan: Plan
    usage: list[UsageLine]
    hidden_leads: int
    stripe_enabled: bool
    plans: list[Plan]

    @property
    def has_subscription(self) -> bool:
        return account_has_subscription(self.account)


def billing_overview(*, workspace: Workspace) -> BillingOverview:
    account = workspace_billing_account(workspace=workspace)
    plan = plan_get(account.plan)
    return BillingOverview(
        account=account,
        plan=plan,
        usage=workspace_usage(workspace=workspace, plan=plan),
        hidden_leads=hidden_lead_count(),
        stripe_enabled=stripe_enabled(),
        plans=list(PLANS.values()),
    )
