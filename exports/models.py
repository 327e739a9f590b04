"""Exports too large to stream while the browser waits, written by a worker, in each
workspace's own schema. The file lives under MEDIA_ROOT/<schema>/exports/ (django-tenants'
storage) and is served only through exports.views.lead_export_download, to members."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from forms_builder.models import PERSON_IN_PUBLIC_SCHEMA


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Writing"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class LeadExport(models.Model):
    """A CSV export of the leads that matched the inbox's filters when it was asked for."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", null=True, **PERSON_IN_PUBLIC_SCHEMA
    )
    requested_by_email = models.EmailField(blank=True)
    # The inbox's query string, as LeadFilterForm reads it.
    query = models.CharField(max_length=2000, blank=True)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    # The file's name in the workspace's storage, once written.
    file_name = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_at"], name="lead_export_created")]

    def __str__(self):
        return f"Export {self.pk}: {self.done}/{self.total} ({self.status})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)
