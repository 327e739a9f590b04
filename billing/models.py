"""Billing state, in the public schema: which plan each workspace is on, what Stripe says about
its subscription, what it used this month, and every Stripe event received."""

from django.db import models
from django.utils import timezone

from billing.plans import FREE, LIMIT_LABELS
from tenants.models import Workspace


class BillingAccount(models.Model):
    """A workspace's plan and its Stripe customer and subscription. The plan changes only as
    Stripe's webhooks say (billing/webhooks.py); a workspace without a row is on the free plan."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="billing")
    plan = models.CharField(max_length=20, default=FREE)
    stripe_customer_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True)
    # Stripe's status of that subscription, as last fetched (active, past_due, canceled, ...).
    subscription_status = models.CharField(max_length=30, blank=True)
    billing_interval = models.CharField(max_length=10, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    # The first failed payment of the current run of failures, and when the paid plan ends if
    # no payment succeeds by then (settings.BILLING_GRACE_DAYS later).
    payment_failed_at = models.DateTimeField(null=True, blank=True)
    grace_until = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.workspace} on {self.plan}"


class StripeEvent(models.Model):
    """Every webhook event received, by Stripe's id: an event delivered again (Stripe delivers at
    least once) finds its row and is not applied twice."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    # When Stripe created the event (events may arrive out of that order).
    created = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    workspace = models.ForeignKey(
        Workspace, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What applying it did, in words, for whoever looks into a customer's billing.
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self):
        return f"{self.type} {self.event_id}"


class Usage(models.Model):
    """What a workspace used in one calendar month (UTC), counted as it happens."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    conversations = models.PositiveIntegerField(default=0)
    qualified_leads = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "month"], name="usage_workspace_month")
        ]

    def __str__(self):
        return f"{self.workspace} {self.month:%Y-%m}"


class QualifiedLeadRecord(models.Model):
    """A lead of a workspace that became qualified (SQL or MQL) in a month: counted once per
    month however often it is qualified again, and reported once to Stripe's meter on a plan
    with a price per qualified lead (the identifier makes Stripe drop a repeat)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    lead_id = models.BigIntegerField()  # in the workspace's own schema
    created_at = models.DateTimeField(default=timezone.now)
    meter_identifier = models.CharField(max_length=100, blank=True)
    meter_reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "month", "lead_id"], name="qualified_lead_once_a_month"
            )
        ]

    def __str__(self):
        return f"Lead {self.lead_id} of {self.workspace} in {self.month:%Y-%m}"


class UsageAlert(models.Model):
    """An e-mail to the owners that a monthly limit is 80 % or 100 % used: sent once a month."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    limit_name = models.CharField(max_length=20, choices=list(LIMIT_LABELS.items()))
    threshold = models.PositiveSmallIntegerField()  # percent
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "month", "limit_name", "threshold"], name="usage_alert_once"
            )
        ]

    def __str__(self):
        return f"{self.limit_name} at {self.threshold} % for {self.workspace} in {self.month:%Y-%m}"
