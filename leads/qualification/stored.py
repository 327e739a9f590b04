"""What a qualification leaves on a lead: the engine's conclusion as Lead columns, an admin's
corrections on top of it, and the lead's labels back in FORMAT.md's shape for the export.

Pure functions over plain dicts of Lead field values, so they are tested without a database.
"""

from decimal import Decimal

from leads.qualification.base import (
    DEFAULT_SQL_MIN_BUYING_SIGNALS,
    Budget,
    Finding,
    Qualification,
    qualification_status,
)

BOXES = ("budget", "authority", "need", "timing")
# The Lead columns a qualification writes, besides qualified_at.
QUALIFICATION_FIELDS = (
    "qualification_status",
    "disqualification",
    "disqualification_reason",
    "budget_status",
    "budget_amount",
    "budget_currency",
    "budget_period",
    "authority",
    "need",
    "timing",
    "qualification_engine",
    "qualification_engine_version",
    "qualification_detail",
)
# A box an admin corrected, and the Lead column its correction overrides.
CORRECTED_COLUMNS = {
    "budget": "budget_status",
    "authority": "authority",
    "need": "need",
    "timing": "timing",
    "disqualification": "disqualification",
}


def _finding_detail(finding: Finding) -> dict:
    return {
        "value": finding.value,
        "confidence": round(float(finding.confidence), 2),
        "evidence": list(finding.evidence),
    }


def qualification_detail(q: Qualification) -> dict:
    """The engine's whole conclusion as JSON: Lead.qualification_detail."""
    budget = _finding_detail(q.budget)
    budget.update(amount=q.budget.amount, currency=q.budget.currency, period=q.budget.period)
    return {
        "disqualified": q.disqualified,
        "disqualification_reason": q.disqualification_reason,
        "disqualification_evidence": list(q.disqualification_evidence),
        "budget": budget,
        "authority": _finding_detail(q.authority),
        "need": _finding_detail(q.need),
        "timing": _finding_detail(q.timing),
        "brief": dict(q.brief),
        "status": q.status,
        # Set when the chosen engine failed and another answered (base.Qualification).
        "fallback_from": q.fallback_from,
        "fallback_reason": q.fallback_reason,
    }


def lead_fields_from_qualification(q: Qualification) -> dict:
    """Lead column values for an engine's conclusion (the status is left to the caller)."""
    amount = q.budget.amount
    return {
        "disqualification": q.disqualified or "",
        "disqualification_reason": q.disqualification_reason[:300],
        "budget_status": q.budget.value,
        # Through str, so that a float amount is stored as it reads (1234.5, not 1234.4999...).
        "budget_amount": None if amount is None else Decimal(str(amount)).quantize(Decimal("0.01")),
        "budget_currency": q.budget.currency or "",
        "budget_period": q.budget.period or "",
        "authority": q.authority.value,
        "need": q.need.value,
        "timing": q.timing.value,
        "qualification_engine": q.engine,
        "qualification_engine_version": q.engine_version,
        "qualification_detail": qualification_detail(q),
    }


def disqualification_words(code: str) -> str:
    """The reason shown for a disqualification an admin set (the engine words its own)."""
    return f"{code.replace('_', ' ').capitalize()}, as corrected by an admin." if code else ""


def corrections_apply(fields: dict, corrections: dict[str, str]) -> dict:
    """`fields` with the corrected boxes overriding the engine. `corrections` maps a corrected
    field (CORRECTED_COLUMNS) to its latest value."""
    fields = dict(fields)
    for field, value in corrections.items():
        fields[CORRECTED_COLUMNS[field]] = value
        if field == "disqualification":
            fields["disqualification_reason"] = disqualification_words(value)
    if "budget" in corrections and fields["budget_status"] != "confirmed":
        # An amount belongs to a budget that exists: the correction says there is none known.
        fields.update(budget_amount=None, budget_currency="", budget_period="")
    return fields


def status_from_fields(
    fields: dict, *, sql_min_buying_signals: int = DEFAULT_SQL_MIN_BUYING_SIGNALS
) -> str:
    """disqualified / sql / mql for the boxes as they stand on the lead, by the one rule every
    engine follows (base.qualification_status); a blank box counts as unknown."""
    q = Qualification(
        engine="",
        engine_version="",
        disqualified=fields.get("disqualification") or None,
        budget=Budget(fields.get("budget_status") or "unknown"),
        authority=Finding(fields.get("authority") or "unknown"),
        need=Finding(fields.get("need") or "unknown"),
        timing=Finding(fields.get("timing") or "unknown"),
    )
    return qualification_status(q, sql_min_buying_signals=sql_min_buying_signals)


def _number(amount: Decimal | None) -> int | float | None:
    if amount is None:
        return None
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def labels_from_fields(fields: dict) -> dict:
    """FORMAT.md's `expected` for a lead's boxes. The status follows FORMAT.md's rule, not the
    workspace's (which may ask for two buying signals), so that the file validates as it says."""
    amount = _number(fields.get("budget_amount")) if fields.get("budget_currency") else None
    expected = {
        "disqualified": fields.get("disqualification") or None,
        "budget": {
            "status": fields.get("budget_status") or "unknown",
            "amount": amount if amount and amount > 0 else None,
            "currency": fields.get("budget_currency") or None,
            "period": fields.get("budget_period") or None,
        },
        "authority": fields.get("authority") or "unknown",
        "need": fields.get("need") or "unknown",
        "timing": {"bucket": fields.get("timing") or "unknown"},
    }
    expected["status"] = status_from_fields(fields)
    return expected
