"""Leads and their conversations, in each workspace's own schema."""

import secrets

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from forms_builder.models import Form, FormVersion


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
    # The key of the step waiting for an answer; empty once the conversation is over.
    current_step_key = models.CharField(max_length=12, blank=True)
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
    step_key = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.role}: {self.text[:60]}"
