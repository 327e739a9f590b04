"""Exports' eraser (leads/privacy/erasure.py), registered by ExportsConfig.ready: a CSV file
that holds the erased person goes, file and row. Exports last seven days at most, so reading
the few there are is cheap, and anyone can export again without that person."""

from django.core.files.storage import default_storage

from exports.models import LeadExport
from leads.privacy.erasure import ErasureTarget, eraser_register


def _holds(export: LeadExport, email: str) -> bool:
    if not export.file_name or not default_storage.exists(export.file_name):
        return False
    with default_storage.open(export.file_name, "rb") as file:
        return email.encode() in file.read().lower()


def lead_exports_erase(target: ErasureTarget) -> dict[str, int]:
    holding = [export for export in LeadExport.objects.all() if _holds(export, target.email)]
    for export in holding:
        default_storage.delete(export.file_name)
    _, counts = LeadExport.objects.filter(pk__in=[export.pk for export in holding]).delete()
    return counts


eraser_register("exports.lead_exports", lead_exports_erase)
