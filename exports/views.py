"""The inbox's "Export CSV" and large exports' pages: any member of the workspace may export
the leads they can see in the inbox, follow an export's progress and download it. Files are
read from the workspace's own storage here only: no URL serves the media folder."""

from functools import wraps

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from exports import selectors, services
from exports.lead_csv import lead_csv_lines
from exports.models import ExportStatus

QUERY_MAX = 2000


def _streamed(leads, schema_name):
    """The CSV's lines, read in the workspace's schema: a streamed body is read after the view
    returned, when the request's schema may have been left."""
    with schema_context(schema_name):
        yield from lead_csv_lines(leads.iterator(chunk_size=services.CHUNK_SIZE))


@require_POST
def lead_export(request):
    """Export the leads the inbox's filters (its query string, in `query`) select: streamed at
    once up to STREAM_MAX leads, otherwise written by a worker while a page shows progress."""
    query = request.POST.get("query", "")[:QUERY_MAX]
    filters, order = selectors.export_filters(
        query=query, user=request.user, workspace=request.tenant
    )
    leads = selectors.lead_export_list(filters=filters, order=order)
    total = leads.count()
    if total > services.STREAM_MAX:
        export = services.lead_export_start(query=query, by=request.user, total=total)
        return redirect("lead_export_detail", export_id=export.pk)
    filename = f"{request.tenant.slug}-leads-{timezone.localdate():%Y-%m-%d}.csv"
    return StreamingHttpResponse(
        _streamed(leads, request.tenant.schema_name),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def export_view(view):
    """A page of one export, given the export. It is looked up before the method is checked:
    an export of another workspace answers exactly as a missing one does, whatever the
    method."""

    @wraps(view)
    def wrapper(request, export_id):
        export = selectors.lead_export_get(export_id=export_id)
        if export is None:
            raise Http404("No such export.")
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return view(request, export)

    return wrapper


@export_view
def lead_export_detail(request, export):
    context = {
        "export": export,
        "running": export.status in (ExportStatus.PENDING, ExportStatus.RUNNING),
        "keep_days": services.EXPORT_KEEP_DAYS,
    }
    return render(request, "exports/lead_export_detail.html", context)


@export_view
def lead_export_download(request, export):
    if export.status != ExportStatus.DONE:
        raise Http404("No such export.")
    try:
        file = default_storage.open(export.file_name, "rb")
    except FileNotFoundError:
        raise Http404("This export's file is gone.") from None
    filename = f"{request.tenant.slug}-leads-{export.created_at:%Y-%m-%d}-{export.pk}.csv"
    response = FileResponse(file, as_attachment=True, filename=filename)
    response["Content-Type"] = "text/csv; charset=utf-8"
    response["Cache-Control"] = "private, no-store"
    return response
