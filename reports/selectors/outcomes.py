"""The outcome report: for the leads that arrived in a period and were won or lost since, the
win rate (won / (won + lost)) and the revenue by band, by qualification status, by each BANT
box's value and by score range; and how soon each band's leads were first reached, against
the workspace's service level. It tells a workspace whether its qualification and scoring
predict wins.

Each lead counts with its latest outcome (Lead.outcome) and, when won, the amount of its
latest "won" record. Hidden leads (captured past the plan's limits) are left out: nobody can
work them. Two queries whatever the number of leads.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise

from django.db import connection

from leads.models import (
    Authority,
    Band,
    BudgetStatus,
    Lead,
    LeadOutcome,
    Need,
    Outcome,
    QualificationStatus,
    Timing,
)
from leads.prioritization import band_sla
from reports.forms import Period

LEADS = Lead._meta.db_table
OUTCOMES = LeadOutcome._meta.db_table

# Score ranges: below 0, then [0, 10), [10, 25), [25, 50), [50, 100), 100 and more. Fixed,
# so that two periods or two workspaces compare; they fit the seed rules' +5 to +20.
SCORE_EDGES = (0, 10, 25, 50, 100)

UNKNOWN_LABEL = "Not known yet"
NOT_QUALIFIED = "not_qualified"


def _score_labels() -> dict[str, str]:
    labels = {"0": f"Below {SCORE_EDGES[0]}"}
    for number, (low, high) in enumerate(pairwise(SCORE_EDGES), 1):
        labels[str(number)] = f"{low} to {high - 1}"
    labels[str(len(SCORE_EDGES))] = f"{SCORE_EDGES[-1]} and more"
    return labels


def _labels(choices, *, blank: str = UNKNOWN_LABEL) -> dict[str, str]:
    return {"": blank, **{value: str(label) for value, label in choices}}


# Each breakdown of the report: its name, title, and its values in the order shown.
DIMENSIONS = {
    "band": ("Band", _labels(Band.choices)),
    "status": (
        "Qualification",
        {
            QualificationStatus.SQL: "SQL",
            QualificationStatus.MQL: "MQL",
            QualificationStatus.DISQUALIFIED: "Disqualified",
            NOT_QUALIFIED: "Not qualified yet",
        },
    ),
    "budget": ("Budget", _labels(BudgetStatus.choices)),
    "authority": ("Authority", _labels(Authority.choices)),
    "need": ("Need", _labels(Need.choices)),
    "timing": ("Timing", _labels(Timing.choices)),
    "score": ("Score", _score_labels()),
}


@dataclass
class OutcomeRow:
    value: str
    label: str
    won: int = 0
    lost: int = 0
    # Currency → amount won, biggest first.
    revenue: dict[str, Decimal] = field(default_factory=dict)

    @property
    def decided(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> float | None:
        return self.won / self.decided if self.decided else None


@dataclass
class Breakdown:
    name: str
    title: str
    rows: list[OutcomeRow]


@dataclass(frozen=True)
class FirstContactRow:
    band: str
    label: str
    contacted: int
    median_seconds: float | None
    target: timedelta | None
    within_target: int

    @property
    def within_target_rate(self) -> float | None:
        if self.target is None or not self.contacted:
            return None
        return self.within_target / self.contacted

    @property
    def median_meets_target(self) -> bool | None:
        if self.target is None or self.median_seconds is None:
            return None
        return self.median_seconds <= self.target.total_seconds()


@dataclass
class OutcomeReport:
    total: OutcomeRow
    breakdowns: list[Breakdown]
    first_contact: list[FirstContactRow]
    # The currency most revenue was won in, which the charts draw (the tables show every one).
    main_currency: str = ""


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _outcome_counts(period: Period) -> list[tuple]:
    """(dimension, value, currency, won, lost, revenue) for the decided leads of the period:
    each lead is read once, and counted once in each breakdown."""
    # Only table names are formatted in; every value is a parameter.
    sql = f"""
        WITH decided AS (
            SELECT l.band,
                   CASE WHEN l.qualification_status = %s OR l.disqualification <> '' THEN %s
                        WHEN l.qualification_status = '' THEN %s
                        ELSE l.qualification_status END AS status,
                   l.budget_status, l.authority, l.need, l.timing,
                   width_bucket(l.score, %s::integer[])::text AS score,
                   l.outcome = %s AS won, w.amount, COALESCE(w.currency, '') AS currency
            FROM {LEADS} l
            -- The lead's own condition inside: lost leads skip the lookup (a one-time filter).
            LEFT JOIN LATERAL (
                SELECT o.amount, o.currency FROM {OUTCOMES} o
                WHERE l.outcome = %s AND o.lead_id = l.id AND o.kind = %s
                ORDER BY o.created_at DESC, o.id DESC LIMIT 1
            ) w ON true
            WHERE l.outcome IN (%s, %s) AND NOT l.over_quota
              AND l.created_at >= %s AND l.created_at < %s
        )
        SELECT d.dimension, d.value, decided.currency,
               COUNT(*) FILTER (WHERE decided.won), COUNT(*) FILTER (WHERE NOT decided.won),
               COALESCE(SUM(decided.amount), 0)
        FROM decided CROSS JOIN LATERAL (VALUES
            ('all', ''), ('band', decided.band), ('status', decided.status),
            ('budget', decided.budget_status), ('authority', decided.authority),
            ('need', decided.need), ('timing', decided.timing), ('score', decided.score)
        ) AS d(dimension, value)
        GROUP BY 1, 2, 3
    """  # noqa: S608
    won, lost = Outcome.WON, Outcome.LOST
    params = [QualificationStatus.DISQUALIFIED, QualificationStatus.DISQUALIFIED, NOT_QUALIFIED]
    params += [list(SCORE_EDGES), won, won, won, won, lost, period.start, period.end]
    return _rows(sql, params)


def _first_contact(period: Period, workspace) -> list[FirstContactRow]:
    """Per band, the leads of the period first reached, the median time from entering the band
    to that first contact, and how many were reached within the band's service level. A lead
    that changed band after it was reached has no such time in its current band: left out."""
    sql = f"""
        SELECT band, COUNT(*),
               percentile_cont(0.5) WITHIN GROUP (
                   ORDER BY EXTRACT(EPOCH FROM first_contacted_at - band_since)
               ),
               COUNT(*) FILTER (WHERE sla_due_at IS NOT NULL AND first_contacted_at <= sla_due_at)
        FROM {LEADS}
        WHERE created_at >= %s AND created_at < %s AND NOT over_quota
          AND first_contacted_at IS NOT NULL AND first_contacted_at >= band_since
        GROUP BY band
    """  # noqa: S608
    found = {band: row for band, *row in _rows(sql, [period.start, period.end])}
    rows = []
    for band, label in Band.choices:
        contacted, median, within = found.get(band, (0, None, 0))
        rows.append(
            FirstContactRow(
                band=band,
                label=str(label),
                contacted=contacted,
                median_seconds=float(median) if median is not None else None,
                target=band_sla(workspace, band),
                within_target=within,
            )
        )
    return rows


def outcome_report(*, period: Period, workspace) -> OutcomeReport:
    rows: dict[tuple[str, str], OutcomeRow] = {}
    revenue_by_currency: dict[str, Decimal] = {}
    for dimension, value, currency, won, lost, revenue in _outcome_counts(period):
        labels = DIMENSIONS[dimension][1] if dimension in DIMENSIONS else {}
        row = rows.setdefault((dimension, value), OutcomeRow(value, labels.get(value, value)))
        row.won += won
        row.lost += lost
        if currency and revenue:
            row.revenue[currency] = row.revenue.get(currency, Decimal(0)) + revenue
            if dimension == "all":
                revenue_by_currency[currency] = revenue
    breakdowns = []
    for name, (title, labels) in DIMENSIONS.items():
        shown = [
            rows.get((name, value)) or OutcomeRow(value, label) for value, label in labels.items()
        ]
        # Values nobody has (a BANT box's blank, say) are left out, but the known values of a
        # box always show, with 0, so that the table keeps its shape from period to period.
        shown = [row for row in shown if row.decided or row.value != ""]
        for row in shown:
            row.revenue = dict(sorted(row.revenue.items(), key=lambda item: -item[1]))
        breakdowns.append(Breakdown(name, title, shown))
    main_currency = max(revenue_by_currency, key=revenue_by_currency.get, default="")
    return OutcomeReport(
        total=rows.get(("all", ""), OutcomeRow("", "All decided leads")),
        breakdowns=breakdowns,
        first_contact=_first_contact(period, workspace),
        main_currency=main_currency,
    )
