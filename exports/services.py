"""Writes of the exports: start a large export, write its file (a worker, with progress), tell
the person who asked, and delete exports after EXPORT_KEEP_DAYS."""

import secrets
import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from exports.lead_csv import lead_csv_lines
from exports.models import ExportStatus, LeadExport
from exports.selectors import export_filters, lead_export_list
from tenants.middleware import workspace_path_prefix, workspace_urlconf
from tenants.models import User
from tenants.selectors import workspace_current
from tenants.transactions import task_queue_on_commit

# Up to this many leads, the CSV is streamed in the response; more go to a worker, which writes
# a file and e-mails a link (a 100,000-lead export takes long enough to outlive a proxy's
# timeout).
STREAM_MAX = 5000
# The worker counts its progress every this many rows: one small UPDATE each.
PROGRESS_EVERY = 1000
# Rows read from the database at a time (a server-side cursor).
CHUNK_SIZE = 2000
EXPORT_KEEP_DAYS = 7


def lead_export_start(*, query: str, by, total: int) -> LeadExport:
    """Record an export of the leads the inbox's `query` selects, and have a worker write it
    once this commits."""
    from exports.tasks import lead_export_task  # exports.tasks imports the services

    export = LeadExport.objects.create(
        requested_by=by, requested_by_email=by.email, query=query[:2000], total=total
    )
    export_id = export.pk
    task_queue_on_commit(lead_export_task, export_id)
    return export


def lead_export_write(*, export: LeadExport) -> LeadExport:
    """Write the export's file under the workspace's own folder (MEDIA_ROOT/<schema>/exports/),
    counting progress on the export, then e-mail its link to the person who asked."""
    workspace = workspace_current()
    user = User.objects.filter(pk=export.requested_by_id).first()
    filters, order = export_filters(query=export.query, user=user, workspace=workspace)
    leads = lead_export_list(filters=filters, order=order)
    LeadExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING, total=leads.count(), done=0
    )
    done = 0
    with tempfile.TemporaryFile(mode="w+b") as scratch:
        lines = lead_csv_lines(leads.iterator(chunk_size=CHUNK_SIZE))
        scratch.write(next(lines).encode())  # the header
        for done, line in enumerate(lines, start=1):
            scratch.write(line.encode())
            if done % PROGRESS_EVERY == 0:
                LeadExport.objects.filter(pk=export.pk).update(done=done)
        scratch.seek(0)
        # A random part in the name: the file is served only by a view that checks
        # membership, and its name tells nothing to anyone who sees it in a log.
        name = default_storage.save(
            f"exports/leads-{export.pk}-{secrets.token_hex(8)}.csv", File(scratch)
        )
    export.status = ExportStatus.DONE
    export.done = export.total = done
    export.file_name = name
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "done", "total", "file_name", "finished_at"])
    _lead_export_ready_mail(export, workspace)
    return export


def lead_export_fail(*, export_id: int, error: str) -> None:
    LeadExport.objects.filter(pk=export_id).update(
        status=ExportStatus.FAILED, error=error[:300], finished_at=timezone.now()
    )


def lead_export_url(workspace, export: LeadExport) -> str:
    path = reverse(
        "lead_export_detail",
        kwargs={"export_id": export.pk},
        urlconf=workspace_urlconf(workspace_path_prefix(workspace)),
    )
    return settings.PARLEY_BASE_URL.rstrip("/") + path


def _lead_export_ready_mail(export: LeadExport, workspace) -> None:
    if not export.requested_by_email:
        return
    context = {
        "export": export,
        "workspace": workspace,
        "link": lead_export_url(workspace, export),
        "keep_days": EXPORT_KEEP_DAYS,
    }
    send_mail(
        subject=f"Your leads export of {workspace.name} is ready",
        message=render_to_string("exports/email/lead_export_ready.txt", context),
        from_email=None,
        recipient_list=[export.requested_by_email],
    )


def lead_exports_expire(*, now=None) -> int:
    """Delete the workspace's exports older than EXPORT_KEEP_DAYS, files first; returns how
    many."""
    cutoff = (now or timezone.now()) - timedelta(days=EXPORT_KEEP_DAYS)
    expired = list(LeadExport.objects.filter(created_at__lt=cutoff))
    for export in expired:
        if export.file_name:
            default_storage.delete(export.file_name)
    LeadExport.objects.filter(pk__in=[export.pk for export in expired]).delete()
    return len(expired)
