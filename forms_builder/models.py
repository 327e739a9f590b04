"""Conversational forms, in each workspace's own schema.

A Form is what admins edit; publishing freezes its settings and steps into a FormVersion, and a
conversation keeps the version it started with, so editing a live form never breaks
conversations in progress.
"""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    FRENCH = "fr", "Français"


class FormStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class StepKind(models.TextChoices):
    SHORT_TEXT = "short_text", "Short text"
    LONG_TEXT = "long_text", "Long text"
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    URL = "url", "URL"
    NUMBER = "number", "Number"
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    YES_NO = "yes_no", "Yes / no"
    COMPANY_SIZE = "company_size", "Company size"
    DATE = "date", "Date"


CHOICE_KINDS = frozenset({StepKind.SINGLE_CHOICE, StepKind.MULTIPLE_CHOICE})

# The ranges a company-size step offers, the same in every language.
COMPANY_SIZE_RANGES = ("1-10", "11-50", "51-200", "201-1000", "1000+")


class LeadField(models.TextChoices):
    """The lead attribute a contact step fills."""

    EMAIL = "email", "E-mail"
    FULL_NAME = "full_name", "Name"
    COMPANY = "company", "Company"
    JOB_TITLE = "job_title", "Job title"
    COMPANY_SIZE = "company_size", "Company size"
    PHONE = "phone", "Phone"
    COUNTRY = "country", "Country"


# People live in the public schema, forms in each workspace's. Deleting a person must not make
# Django cascade into workspace tables that the public schema does not have, so these links are
# plain ids: no database constraint, nothing done on delete (the id then names nobody).
PERSON_IN_PUBLIC_SCHEMA = {"on_delete": models.DO_NOTHING, "db_constraint": False}

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #4f46e5.")


class Form(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    offer_description = models.TextField(
        blank=True,
        help_text="What your company sells, in a few sentences: qualification reads it to judge "
        "whether a visitor's need fits.",
    )
    welcome_message = models.TextField(max_length=1000)
    closing_message = models.TextField(max_length=1000)
    accent_color = models.CharField(max_length=7, default="#4f46e5", validators=[hex_colour])
    hidden_fields = models.JSONField(
        default=list,
        blank=True,
        help_text="Names filled from the page URL (?plan=pro) or the embed code.",
    )
    status = models.CharField(max_length=10, choices=FormStatus.choices, default=FormStatus.DRAFT)
    published_version = models.ForeignKey(
        "FormVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", null=True, **PERSON_IN_PUBLIC_SCHEMA
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self):
        return self.name


def new_step_key() -> str:
    return uuid.uuid4().hex[:12]


class Step(models.Model):
    """One question of a form. Branches jump forward only, so a conversation always ends."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="steps")
    # A stable id that branches point at and versions keep, whatever the step's position.
    key = models.CharField(max_length=12, default=new_step_key, editable=False)
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=StepKind.choices)
    prompt = models.TextField(max_length=1000)
    required = models.BooleanField(default=True)
    options = models.JSONField(default=list, blank=True)
    min_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    lead_field = models.CharField(max_length=20, choices=LeadField.choices, blank=True)
    # [{"equals": "<answer>", "goto": "<step key>" | "end"}], checked in order.
    branches = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["form", "key"], name="step_key_unique_in_form"),
        ]

    def __str__(self):
        return self.prompt[:60]


class FormVersion(models.Model):
    """A published, frozen copy of a form: settings and steps as plain data."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    definition = models.JSONField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", null=True, **PERSON_IN_PUBLIC_SCHEMA
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="form_version_number_unique"),
        ]

    def __str__(self):
        return f"{self.form} v{self.number}"


class FormViewDay(models.Model):
    """How many times a form's chat loaded on a day (its public page or the embed's frame, which
    is the same page): one counter row per form and day, added to in place, never a row per
    view. The reports' funnel starts from it."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="view_days")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["form", "day"], name="form_view_day_once"),
        ]

    def __str__(self):
        return f"{self.form_id} on {self.day}: {self.views}"
