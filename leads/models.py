"""Leads and their conversations, in each workspace's own schema."""

import secrets

from django.conf import settings
from django.contrib.postgres.indexes import BrinIndex
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


class Band(models.TextChoices):
    """The call queue cut into service levels (leads/prioritization.py says which leads fall in
    which band; the workspace sets how soon each must be called)."""

    HOT = "hot", "Call within the hour"
    TODAY = "today", "Call today"
    NURTURE = "nurture", "Nurture"
    AUTOMATED = "automated", "Automated"


class Outcome(models.TextChoices):
    """What sales made of a lead, in the order a deal goes; the lead shows the latest."""

    CONTACTED = "contacted", "Contacted"
    MEETING = "meeting", "Meeting booked"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class LostReason(models.TextChoices):
    NO_BUDGET = "no_budget", "No budget"
    COMPETITOR = "competitor", "Chose a competitor"
    NO_DECISION = "no_decision", "No decision"
    TIMING = "timing", "Not the right time"
    UNREACHABLE = "unreachable", "Could not be reached"
    NOT_A_FIT = "not_a_fit", "Not a fit"
    OTHER = "other", "Other"


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
    # As the visitor wrote it (a contact step) or the host page gave it (a `country` hidden field).
    country = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The last turn of the lead's latest conversation, kept here by lead_upsert_from_conversation
    # so that the lead list sorts on an index rather than on an aggregate over conversations.
    last_activity_at = models.DateTimeField(default=timezone.now)

    # What the latest qualification concluded (leads.services.leads.lead_qualify), with an admin's
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

    # The service level the priority puts the lead in, since when, and when it must be called
    # by (band_since plus the workspace's delay for the band; null for a band without one).
    # Kept with the priority by leads/prioritization.py.
    band = models.CharField(max_length=10, choices=Band.choices, default=Band.AUTOMATED)
    band_since = models.DateTimeField(default=timezone.now)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    # When the lead was first reached (any outcome counts): the end of the speed-to-lead timer.
    first_contacted_at = models.DateTimeField(null=True, blank=True)
    # When the assignee (or the workspace) was told the lead is overdue; cleared with a new SLA.
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    # The member who calls the lead.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", null=True, blank=True, **PERSON_IN_PUBLIC_SCHEMA
    )
    assigned_at = models.DateTimeField(null=True, blank=True)

    # The latest outcome recorded (LeadOutcome keeps them all).
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)

    # Captured past the plan's limits (billing/quotas.py): kept, but hidden from the inbox behind
    # an "upgrade to see them" notice until the workspace upgrades.
    over_quota = models.BooleanField(default=False)

    # What an integration keeps on the lead through the API (a CRM id, a deal stage): string keys
    # to scalar values, bounded by the API (leads/api_leads.py); shown read-only on its page.
    custom_fields = models.JSONField(default=dict, blank=True)

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
            # "My leads": one member's queue.
            models.Index(fields=["assignee", "-priority", "-id"], name="lead_assignee_queue"),
            # The overdue sweep and filter: leads still waiting for a first contact.
            models.Index(
                fields=["sla_due_at"],
                condition=Q(first_contacted_at__isnull=True, sla_due_at__isnull=False),
                name="lead_waiting_sla",
            ),
            # The hidden leads the inbox's notice counts (few, when any).
            models.Index(fields=["id"], condition=Q(over_quota=True), name="lead_over_quota"),
            # The API's incremental sync: leads changed since a time, oldest change first, in
            # keyset pages (leads/api_leads.py); without it every page sorts the whole table.
            models.Index(fields=["updated_at", "id"], name="lead_updated"),
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
    # Unique by a constraint (Meta): `unique=True` would add a LIKE index, which exact lookups
    # never use and every turn's write would keep up to date.
    token = models.CharField(max_length=40, default=new_conversation_token)
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
    # Started past the plan's monthly conversations (billing/quotas.py): stored all the same, and
    # a lead it creates is hidden until the workspace upgrades.
    over_quota = models.BooleanField(default=False)
    # Joined a lead that another conversation made, on an e-mail the visitor typed, which
    # proves nothing about who they are: its answers only fill the lead's blank contact fields
    # and its qualification only ever raises the lead (leads/claims.py).
    unverified = models.BooleanField(default=False)
    # What an unverified conversation claimed and the lead did not take, for a person to judge
    # on the lead page: {"contact": {lead field: value}, "qualification": its own conclusion,
    # as Lead column values (leads.claims.claimed_qualification)}.
    claims = models.JSONField(default=dict, blank=True)
    # When the workspace's retention deleted the transcript (messages and answers; see
    # leads/privacy/retention.py): the lead page says so rather than show an empty chat, and the
    # daily sweep skips the conversation from then on.
    transcript_deleted_at = models.DateTimeField(null=True, blank=True)
    # Any change (a turn, its end or abandonment, its lead): the API's incremental sync reads it.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["token"], name="conversation_token_unique")]
        indexes = [
            # The API's incremental sync, as lead_updated for leads.
            models.Index(fields=["updated_at", "id"], name="conversation_updated"),
            models.Index(fields=["status", "last_turn_at"], name="conversation_activity"),
            # Whose page view is this? (leads/services/events.py, at every tracked page view)
            models.Index(
                fields=["visitor_id"], condition=~Q(visitor_id=""), name="conversation_visitor"
            ),
            # The retention sweep's "last turn older than N days" among the transcripts it has
            # not deleted yet (leads/privacy/retention.py).
            models.Index(
                fields=["last_turn_at"],
                condition=Q(transcript_deleted_at__isnull=True),
                name="conversation_transcript_kept",
            ),
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


class EventKind(models.TextChoices):
    PAGE_VIEW = "page_view", "Page view"
    EMAIL_OPEN = "email_open", "E-mail opened"
    EMAIL_CLICK = "email_click", "E-mail clicked"


class LeadEvent(models.Model):
    """Something a visitor or lead did outside a conversation: a page view (embed.js) or an
    e-mail opened or clicked (the events endpoint). Behaviour rules of the scoring read them;
    a visitor's events get their lead once the visitor identifies."""

    lead = models.ForeignKey(
        Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    visitor_id = models.CharField(max_length=64, blank=True)
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    url = models.URLField(max_length=2000, blank=True)
    # Where a page view came from (the previous page, or another site).
    referrer = models.URLField(max_length=2000, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # What every behaviour rule asks: this lead's events of a kind, newest first.
            models.Index(fields=["lead", "kind", "occurred_at"], name="lead_event_lead_kind"),
            # Tying a visitor's earlier events to the lead they turned into.
            models.Index(fields=["visitor_id"], name="lead_event_visitor"),
            # The retention sweep's "older than N days" (leads/privacy/retention.py). BRIN: events
            # arrive roughly in time order, so a few pages of index cover millions of rows and
            # cost the tracking endpoint's inserts next to nothing, where a B-tree would not.
            BrinIndex(fields=["occurred_at"], name="lead_event_occurred_brin"),
        ]

    def __str__(self):
        return f"{self.kind} {self.url}".strip()


class RuleKind(models.TextChoices):
    # Who the lead is.
    JOB_TITLE_MATCHES = "job_title_matches", "Job title contains one of these words"
    COMPANY_SIZE_AT_LEAST = "company_size_at_least", "Company has at least this many people"
    EMAIL_FREE_WEBMAIL = "email_free_webmail", "E-mail is a free webmail address"
    ANSWER_EQUALS = "answer_equals", "An answer equals"
    HIDDEN_FIELD_EQUALS = "hidden_field_equals", "A hidden field equals"
    COUNTRY_IN = "country_in", "Country is one of"
    # What the lead did.
    VISITED_URL_CONTAINS = "visited_url_contains", "Visited a page whose address contains"
    VISITED_PRICING = "visited_pricing", "Visited the pricing page"
    VISITS_AT_LEAST_IN_DAYS = "visits_at_least_in_days", "Visited at least N pages in D days"
    EMAIL_OPENED_AT_LEAST = "email_opened_at_least", "Opened at least N e-mails"
    EMAIL_CLICKED = "email_clicked", "Clicked a link in an e-mail"
    REPLIED_TO_STEP = "replied_to_step", "Answered a form step"


BEHAVIOUR_RULE_KINDS = frozenset(
    {
        RuleKind.VISITED_URL_CONTAINS,
        RuleKind.VISITED_PRICING,
        RuleKind.VISITS_AT_LEAST_IN_DAYS,
        RuleKind.EMAIL_OPENED_AT_LEAST,
        RuleKind.EMAIL_CLICKED,
        RuleKind.REPLIED_TO_STEP,
    }
)


class ScoringRule(models.Model):
    """One line of the workspace's scoring: a condition on the lead (its kind and params, see
    leads/scoring.py) and the points it gives. Behaviour rules may decay: their points fade
    linearly to 0 over `decay_days` after the latest matching event."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=30, choices=RuleKind.choices)
    params = models.JSONField(default=dict, blank=True)
    points = models.IntegerField()
    decay_days = models.PositiveIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name


class LeadScoreItem(models.Model):
    """One line of a lead's score breakdown: which rule gave how many points, why, and when.
    Rewritten for the lead at every rescore; Lead.score is their sum."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="score_items")
    rule = models.ForeignKey(ScoringRule, on_delete=models.CASCADE, related_name="+")
    points = models.IntegerField()
    reason = models.CharField(max_length=300)
    # The latest event a behaviour rule matched (what its decay counts from); null otherwise.
    occurred_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-points", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "rule"], name="lead_score_item_once"),
        ]

    def __str__(self):
        return f"{self.points:+d} {self.reason}"


class RescoreRun(models.Model):
    """A rescore of every lead of the workspace after its rules changed, with its progress for
    the scoring page."""

    created_at = models.DateTimeField(default=timezone.now)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What changed the rules, as the `leads.rescored` webhook tells it: {"action": a
    # RuleChange, "rules": the rules it touched, as they were then (a deleted one included)}.
    change = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Rescore {self.pk}: {self.done}/{self.total}"


class RuleChange(models.TextChoices):
    """What an admin did to the scoring rules that called for a rescore (RescoreRun.change)."""

    CREATED = "created"
    UPDATED = "updated"
    TURNED_ON = "turned_on"
    TURNED_OFF = "turned_off"
    DELETED = "deleted"


class LeadOutcome(models.Model):
    """One outcome recorded on a lead, with who and when; never edited. The reports read them."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(max_length=10, choices=Outcome.choices)
    # A won deal's amount, in the currency given.
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    lost_reason = models.CharField(max_length=12, choices=LostReason.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", null=True, **PERSON_IN_PUBLIC_SCHEMA
    )
    recorded_by_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["kind", "created_at"], name="lead_outcome_kind")]

    def __str__(self):
        return self.get_kind_display()


class ActivityKind(models.TextChoices):
    ASSIGNED = "assigned", "Assigned"
    UNASSIGNED = "unassigned", "Unassigned"
    BAND_CHANGED = "band_changed", "Band changed"
    HOT_ALERT = "hot_alert", "Hot lead alert sent"
    OVERDUE_ALERT = "overdue_alert", "Overdue alert sent"
    # A member took a value an unverified conversation claimed (leads/claims.py).
    CLAIM_ACCEPTED = "claim_accepted", "Claimed value taken"


class LeadActivity(models.Model):
    """Something that happened to a lead on the sales side and has no record of its own
    (conversations, events, corrections and outcomes do): for the lead's timeline."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=14, choices=ActivityKind.choices)
    detail = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", null=True, **PERSON_IN_PUBLIC_SCHEMA
    )
    actor_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["lead", "created_at"], name="lead_activity_lead")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.detail}".rstrip(": ")


class ErasureRecord(models.Model):
    """That a contact was erased (leads/privacy/erasure.py), kept without naming them: when, by
    which admin, how many rows of each table went, and a keyed hash of the address, so that a
    request about the same address is recognized without the address being kept."""

    erased_at = models.DateTimeField(default=timezone.now)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", null=True, **PERSON_IN_PUBLIC_SCHEMA
    )
    # The admin's address when they erased, still readable once the account is gone.
    erased_by_email = models.EmailField(blank=True)
    # HMAC-SHA256 of the lower-cased address, keyed by the server's secret and the workspace
    # (leads.privacy.erasure.contact_email_hash): not reversible by trying addresses without
    # the secret, and different in each workspace.
    email_hash = models.CharField(max_length=64, db_index=True)
    # {"leads.Lead": 1, "leads.Message": 14, ...}: what each eraser deleted.
    deleted_counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-erased_at", "-pk"]

    def __str__(self):
        return f"Erasure {self.pk} on {self.erased_at:%Y-%m-%d}"

    @property
    def rows_deleted(self) -> int:
        return sum(self.deleted_counts.values())
