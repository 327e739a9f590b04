"""Leads and their conversations, in each workspace's own schema."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from forms_builder.models import PERSON_IN_PUBLIC_SCHEMA, Form, FormVersion


class QualificationStatus(models.TextChoices):
    SQL = "sql", "SQL"
    MQL = "mql", "MQL"
    DISQUALIFIED = "disqualified", "Disqualified"


class Disqualification(models.TextChoices):
    SPAM = "spam", "Spam"
    STUDENT = "student", "Student"
    JOB_SEEKER = "job_seeker", "Job seeker"
    VENDOR = "vendor", "Vendor"
    CURIOUS = "curious", "Curious"


class BudgetStatus(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    NONE = "none", "None"
    UNKNOWN = "unknown", "Unknown"


class Authority(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    INFLUENCER = "influencer", "Influencer"
    NO_AUTHORITY = "no_authority", "No authority"
    UNKNOWN = "unknown", "Unknown"


class Need(models.TextChoices):
    IDENTIFIED = "identified", "Identified"
    NONE = "none", "None"
    UNKNOWN = "unknown", "Unknown"


class Timing(models.TextChoices):
    NOW = "now", "Now (30 days)"
    QUARTER = "quarter", "This quarter"
    YEAR = "year", "Within a year"
    LATER = "later", "Later"
    UNKNOWN = "unknown", "Unknown"


class BudgetPeriod(models.TextChoices):
    ONCE = "once", "once"
    MONTH = "month", "a month"
    YEAR = "year", "a year"


class Lead(models.Model):
    """A person who talked to a form. Deduplicated by e-mail (case-insensitive) within the
    workspace: a returning visitor adds a conversation to the same lead."""

    email = models.EmailField(blank=True)
    full_name = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    company_size = models.CharField(max_length=20, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The last turn of the lead's latest conversation, kept here by lead_upsert_from_conversation
    # so that the lead list sorts on an index rather than on an aggregate over conversations.
    last_activity_at = models.DateTimeField(default=timezone.now)

    # What the latest qualification concluded (leads.services.lead_qualify), with an admin's
    # corrections on top, as columns so that leads can be filtered and ordered on them. Blank
    # until the first qualification. The labels are FORMAT.md's (leads/qualification/base.py).
    qualification_status = models.CharField(
        max_length=12, choices=QualificationStatus.choices, blank=True
    )
    disqualification = models.CharField(max_length=12, choices=Disqualification.choices, blank=True)
    disqualification_reason = models.CharField(max_length=300, blank=True)
    budget_status = models.CharField(max_length=10, choices=BudgetStatus.choices, blank=True)
    budget_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    budget_currency = models.CharField(max_length=3, blank=True)
    budget_period = models.CharField(max_length=5, choices=BudgetPeriod.choices, blank=True)
    authority = models.CharField(max_length=14, choices=Authority.choices, blank=True)
    need = models.CharField(max_length=10, choices=Need.choices, blank=True)
    timing = models.CharField(max_length=7, choices=Timing.choices, blank=True)
    qualification_engine = models.CharField(max_length=20, blank=True)
    qualification_engine_version = models.CharField(max_length=20, blank=True)
    qualified_at = models.DateTimeField(null=True, blank=True)
    # The engine's own conclusion in full, before corrections: each box's value, confidence and
    # evidence (the visitor's sentences), the brief, the disqualification (see
    # leads/qualification/stored.py).
    qualification_detail = models.JSONField(default=dict, blank=True)

    # Who the lead is, in points (the workspace's scoring rules; leads/scoring/), and the order in
    # which sales should call, which combines qualification and score (leads/prioritization.py).
    # Both are stored so that the inbox reads them from an index, a million leads or not.
    score = models.IntegerField(default=0)
    priority = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="lead_email_ci_unique"
            )
        ]
        indexes = [
            models.Index(fields=["-created_at"], name="lead_newest_first"),
            models.Index(fields=["-last_activity_at", "-id"], name="lead_last_activity"),
            models.Index(fields=["-priority", "-id"], name="lead_call_queue"),
        ]

    def __str__(self):
        return self.full_name or self.email or f"Lead {self.pk}"


class ConversationStatus(models.TextChoices):
    ACTIVE = "active", "In progress"
    COMPLETED = "completed", "Completed"
    ABANDONED = "abandoned", "Abandoned"


def new_conversation_token() -> str:
    return secrets.token_urlsafe(24)


class Conversation(models.Model):
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="conversations")
    # The version the visitor started with: editing or republishing the form never changes it.
    form_version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(
        Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )
    # The visitor's secret for resuming; it also names the conversation in URLs, never the id.
    token = models.CharField(max_length=40, unique=True, default=new_conversation_token)
    visitor_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.ACTIVE
    )
    # The key of the step waiting for an answer: one of the form's (12 characters) or a discovery
    # follow-up's ("followup:<topic>"); empty once the conversation is over.
    current_step_key = models.CharField(max_length=32, blank=True)
    answers = models.JSONField(default=dict, blank=True)
    hidden_fields = models.JSONField(default=dict, blank=True)
    utm = models.JSONField(default=dict, blank=True)
    referrer = models.URLField(max_length=2000, blank=True)
    landing_page = models.URLField(max_length=2000, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    last_turn_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["status", "last_turn_at"], name="conversation_activity"),
        ]

    def __str__(self):
        return f"Conversation {self.pk} on {self.form}"


class MessageRole(models.TextChoices):
    ASSISTANT = "assistant", "Parley"
    VISITOR = "visitor", "Visitor"


class Message(models.Model):
    """One line of a conversation's transcript, kept exactly as said."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    role = models.CharField(max_length=10, choices=MessageRole.choices)
    text = models.TextField()
    step_key = models.CharField(max_length=32, blank=True)  # as Conversation.current_step_key
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.role}: {self.text[:60]}"


class CorrectedField(models.TextChoices):
    BUDGET = "budget", "Budget"
    AUTHORITY = "authority", "Authority"
    NEED = "need", "Need"
    TIMING = "timing", "Timing"
    DISQUALIFICATION = "disqualification", "Disqualification"


class LeadCorrection(models.Model):
    """An admin's correction of one qualification box of a lead. Kept, never edited: the latest
    one per field overrides the engine on the lead, also when the lead is qualified again, and
    the corrected leads are exported as labelled conversations to measure the engine."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField(max_length=16, choices=CorrectedField.choices)
    # Labels as FORMAT.md spells them; "" for "not disqualified".
    old_value = models.CharField(max_length=16, blank=True)
    new_value = models.CharField(max_length=16, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", null=True, **PERSON_IN_PUBLIC_SCHEMA
    )
    # The person's address when they corrected, still readable once the account is gone.
    corrected_by_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.field}: {self.old_value or '-'} -> {self.new_value or '-'}"
