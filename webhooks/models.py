"""Webhooks, in each workspace's own schema: the endpoints its admins registered, the events
Parley emitted, and every attempt to deliver one event to one endpoint."""

import base64
import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class EventType(models.TextChoices):
    LEAD_CREATED = "lead.created", "A lead is created"
    LEAD_QUALIFIED = "lead.qualified", "A lead's qualification changes"
    LEAD_UPDATED = (
        "lead.updated",
        "A lead is assigned, corrected, updated by a conversation, or its behaviour changes its "
        "score",
    )
    LEAD_OUTCOME = "lead.outcome", "An outcome is recorded on a lead"
    CONVERSATION_COMPLETED = "conversation.completed", "A conversation is completed"
    # One event for the whole workspace, not one per lead: a rule change may rescore a million.
    LEADS_RESCORED = (
        "leads.rescored",
        "The scoring rules changed and every lead was scored again (one event, with the count "
        "of scores changed)",
    )


# Sent only by the "Send a test event" button, to one endpoint, whatever it subscribed to.
TEST_EVENT = "webhook.test"

SECRET_PREFIX = "whsec_"  # noqa: S105 (the scheme's prefix, not a secret)


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64 (what the
    `standardwebhooks` package and its verifiers in every language expect)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


class Endpoint(models.Model):
    """A URL of the customer's that receives the events it subscribed to, signed with its
    secret. During a rotation the previous secret signs too, until `previous_secret_expires_at`,
    so the receiver can switch to the new one at its own pace."""

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    # EventType values. JSON rather than an array: `events__contains=[type]` finds subscribers.
    events = models.JSONField(default=list)
    # Kept as is: a signature needs the secret itself (unlike an API key, which is only
    # compared, and stored hashed). Shown once, at creation and at each rotation.
    secret = models.CharField(max_length=100, default=new_secret)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # Set when an admin disables it, or when a message failed every retry (a day of them).
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    # Failed attempts since the last success, shown next to the endpoint.
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    created_by_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.url

    @property
    def active(self) -> bool:
        return self.disabled_at is None

    def secrets_valid(self, now=None) -> list[str]:
        """The secrets that sign a message now: the current one, and the previous one during
        the rotation window."""
        now = now or timezone.now()
        valid = [self.secret]
        if (
            self.previous_secret
            and self.previous_secret_expires_at
            and now < (self.previous_secret_expires_at)
        ):
            valid.append(self.previous_secret)
        return valid


def new_message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class Event(models.Model):
    """Something that happened, as sent: its type and payload, frozen when it was emitted. Its
    `message_id` is the `webhook-id` header, the same on every attempt and replay, so that a
    receiver can drop a message it already handled."""

    type = models.CharField(max_length=40)
    payload = models.JSONField()
    message_id = models.CharField(max_length=40, unique=True, default=new_message_id)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.type} {self.message_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Scheduled"
    SENDING = "sending", "Sending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Trigger(models.TextChoices):
    """Why an attempt was made: the retry schedule follows automatic ones only; a replay or a
    test is one attempt."""

    AUTOMATIC = "automatic", "Automatic"
    REPLAY = "replay", "Replay"
    TEST = "test", "Test"


# What the delivery log keeps of a response: enough to see an error page, no more.
RESPONSE_EXCERPT_MAX = 2048


class Delivery(models.Model):
    """One attempt to deliver an event to an endpoint (the delivery log's row). A failed
    automatic attempt schedules the next one as a new row, PENDING until its time."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    attempt = models.PositiveSmallIntegerField(default=1)
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.AUTOMATIC)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    # When it is due (created_at for the first attempt), and when it was actually made.
    scheduled_at = models.DateTimeField(default=timezone.now)
    attempted_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=RESPONSE_EXCERPT_MAX, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # When a failed automatic attempt has a next one: that one's time.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [
            # The delivery log of one endpoint, newest first.
            models.Index(fields=["endpoint", "-id"], name="delivery_endpoint_log"),
            # The attempts of one message to one endpoint ("replay all failed").
            models.Index(fields=["endpoint", "event", "-id"], name="delivery_message"),
            # The sweep of attempts that lost their task: the few not yet made.
            models.Index(
                fields=["scheduled_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="delivery_not_made",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(attempt__gte=1), name="delivery_attempt_from_one"),
        ]

    def __str__(self):
        return f"{self.event.type} to {self.endpoint.url}: attempt {self.attempt}, {self.status}"
