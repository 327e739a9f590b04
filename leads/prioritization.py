"""The call queue's order: whom sales should call first. The rule lives here and nowhere else;
the leads page shows PRIORITY_RULE as written below, and each row says why the lead is where it is.

In words, for a sales manager:

1. Genuine prospects first: a disqualified lead (spam, student, job seeker, vendor, curious)
   comes after every other, whatever its score.
2. Sales-qualified leads (SQL) before marketing-qualified ones (MQL), and those before leads not
   qualified yet.
3. Within each of those, the most urgent first: a decision within 30 days, then this quarter,
   then within a year, then timing unknown, and a project for later last.
4. Then the most complete BANT first: how many of the four the visitor confirmed (a budget, the
   decision maker, an identified need, a known timing).
5. Then the highest score (the workspace's points for who the lead is and what they did).
6. On a tie, the newest lead first.

A workspace may swap 4 and 5 (the score before BANT completeness), never more: the score can
reorder leads of the same status and urgency, but never lift a benchmarking CEO above an urgent,
qualified buyer.

A lead takes the place of a lead "not qualified yet" when it is created, and its real place
when it is first qualified, seconds after its first conversation ends
(leads.services.leads.lead_qualify).

Bands: the queue is cut into four service levels, on status and urgency only (never on the
score, so a rescore never moves a lead to another band):

- Call within the hour: every SQL (an SQL always has a decision within the quarter).
- Call today: MQL deciding within a year.
- Nurture: the other MQL, and leads not qualified yet.
- Automated: disqualified leads; no one calls them.

Each band but the last has a delay set by the workspace (one hour, eight hours and three days
by default, counted from when the lead entered the band): `Lead.sla_due_at`. A lead not
contacted by then is overdue.

The rule is stored as one integer per lead, `Lead.priority`, so that the queue reads an index
(`-priority, -id`) whatever the number of leads. Its decimal digits, most significant first:

    priority = tier * 10^7 + urgency * 10^6 + within
    tier     0 disqualified, 1 not qualified yet, 2 MQL, 3 SQL
    urgency  0 later, 1 unknown, 2 within a year, 3 this quarter, 4 within 30 days
    within   "bant_first" (default):  completeness * 10^5 + score slot
             "score_first":           score slot * 10 + completeness
    completeness  0 to 4 boxes confirmed
    score slot    the score clamped to [SCORE_MIN, SCORE_MAX], plus -SCORE_MIN: 0 to 99,999

So priority is between 0 and 34,999,994 (PRIORITY_MAX) and each part stays inside its own
digits. The same tables of weights build both `lead_priority_compute` (one lead, in Python) and
the SQL expression that `leads_priority_refresh` runs over many leads at once; a test checks
that they agree.
"""

import functools
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import (
    BigIntegerField,
    Case,
    F,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Greatest, Least
from django.db.models.lookups import GreaterThanOrEqual
from django.utils import timezone

from leads.models import (
    Authority,
    Band,
    BudgetStatus,
    Disqualification,
    Lead,
    Need,
    QualificationStatus,
    Timing,
)
from tenants.models import PriorityScoreWeight
from tenants.selectors import workspace_current

# The one knob a workspace has on the rule (Workspace.priority_score_weight), explained so.
PRIORITY_SCORE_WEIGHT_HELP = (
    "Among leads of the same status (SQL, MQL…) and the same urgency, which comes first: the "
    "lead who confirmed more of budget, authority, need and timing, or the lead with the higher "
    "score. Status and urgency always come before either."
)


PRIORITY_RULE = [
    "Genuine prospects first: disqualified leads (spam, students, job seekers, vendors, the "
    "merely curious) come last, whatever their score.",
    "Sales-qualified leads (SQL) before marketing-qualified ones (MQL), then leads not "
    "qualified yet.",
    "Within each, the most urgent first: a decision within 30 days, this quarter, within a "
    "year, timing unknown, and a project for later last.",
    "Then the most complete BANT: how many of budget, decision maker, need and timing the "
    "visitor confirmed.",
    "Then the highest score.",
    "On a tie, the newest lead first.",
]
PRIORITY_RULE_SCORE_FIRST = "This workspace puts the score before BANT completeness."

# Status tiers. Disqualified is decided by the disqualification column too, so that a lead an
# admin marked as a student ranks last even before its status is recomputed.
TIER_DISQUALIFIED = 0
TIER_BY_STATUS = {QualificationStatus.SQL: 3, QualificationStatus.MQL: 2, "": 1}

# Urgency of the timing box; a blank box is unknown. "Later" is below "unknown": a visitor who
# said their project is 18 months away told us they are not buying now.
URGENCY_BY_TIMING = {
    Timing.NOW: 4,
    Timing.QUARTER: 3,
    Timing.YEAR: 2,
    Timing.UNKNOWN: 1,
    "": 1,
    Timing.LATER: 0,
}

# The four BANT boxes and the values that count as confirmed.
BANT_CONFIRMED = {
    "budget_status": [BudgetStatus.CONFIRMED],
    "authority": [Authority.DECISION_MAKER],
    "need": [Need.IDENTIFIED],
    "timing": [Timing.NOW, Timing.QUARTER, Timing.YEAR, Timing.LATER],  # known, near or not
}

# Scores are points from the workspace's rules, in the tens or hundreds; outside this range they
# count as the bound, so that the score never spills into the digits of completeness.
SCORE_MIN = -10_000
SCORE_MAX = 89_999
SCORE_SLOT = SCORE_MAX - SCORE_MIN + 1  # 100,000

TIER_UNIT = 10**7
URGENCY_UNIT = 10**6
COMPLETENESS_UNIT_BANT_FIRST = SCORE_SLOT  # completeness above the score
SCORE_UNIT_SCORE_FIRST = 10  # score above completeness (0 to 4)

PRIORITY_MAX = 3 * TIER_UNIT + 4 * URGENCY_UNIT + (SCORE_SLOT - 1) * SCORE_UNIT_SCORE_FIRST + 4


def _within(completeness, score_slot, weight: str):
    """How completeness and score share the six lowest digits; works on ints and expressions."""
    if weight == PriorityScoreWeight.SCORE_FIRST:
        return score_slot * SCORE_UNIT_SCORE_FIRST + completeness
    return completeness * COMPLETENESS_UNIT_BANT_FIRST + score_slot


def lead_priority_compute(
    *,
    qualification_status: str = "",
    disqualification: str = "",
    timing: str = "",
    budget_status: str = "",
    authority: str = "",
    need: str = "",
    score: int = 0,
    weight: str = PriorityScoreWeight.BANT_FIRST,
) -> int:
    """The lead's place in the call queue (the higher, the sooner), from its columns."""
    if qualification_status == QualificationStatus.DISQUALIFIED or disqualification:
        tier = TIER_DISQUALIFIED
    else:
        tier = TIER_BY_STATUS.get(qualification_status, 1)
    urgency = URGENCY_BY_TIMING.get(timing, 1)
    boxes = {"budget_status": budget_status, "authority": authority, "need": need, "timing": timing}
    completeness = sum(boxes[name] in confirmed for name, confirmed in BANT_CONFIRMED.items())
    score_slot = min(max(score, SCORE_MIN), SCORE_MAX) - SCORE_MIN
    return tier * TIER_UNIT + urgency * URGENCY_UNIT + _within(completeness, score_slot, weight)


PRIORITY_COLUMNS = [
    "qualification_status",
    "disqualification",
    "timing",
    "budget_status",
    "authority",
    "need",
    "score",
]


def lead_priority_of(lead: Lead, *, weight: str) -> int:
    return lead_priority_compute(
        **{name: getattr(lead, name) for name in PRIORITY_COLUMNS}, weight=weight
    )


def lead_priority_expression(*, weight: str = PriorityScoreWeight.BANT_FIRST, score=None):
    """lead_priority_compute as one SQL expression over the lead's columns; with `score`, an
    expression standing for the score (what the priority would be with another score)."""
    integer = IntegerField()
    tier = Case(
        When(
            Q(qualification_status=QualificationStatus.DISQUALIFIED) | ~Q(disqualification=""),
            then=Value(TIER_DISQUALIFIED),
        ),
        *(
            When(qualification_status=status, then=Value(value))
            for status, value in TIER_BY_STATUS.items()
        ),
        default=Value(1),
        output_field=integer,
    )
    urgency = Case(
        *(When(timing=timing, then=Value(value)) for timing, value in URGENCY_BY_TIMING.items()),
        default=Value(1),
        output_field=integer,
    )
    completeness = sum(
        (
            Case(When(**{f"{name}__in": confirmed}, then=Value(1)), default=Value(0))
            for name, confirmed in BANT_CONFIRMED.items()
        ),
        start=Value(0),
    )
    score = F("score") if score is None else score
    score_slot = Greatest(Least(score, Value(SCORE_MAX)), Value(SCORE_MIN)) - Value(SCORE_MIN)
    big = BigIntegerField()
    return (
        tier * Value(TIER_UNIT, output_field=big)
        + urgency * Value(URGENCY_UNIT, output_field=big)
        + _within(completeness, score_slot, weight)
    )


# The lowest priority of each band, highest band first. The floors fall on the status and
# urgency digits only.
BAND_FLOORS = (
    (Band.HOT, 3 * TIER_UNIT),
    (Band.TODAY, 2 * TIER_UNIT + URGENCY_BY_TIMING[Timing.YEAR] * URGENCY_UNIT),
    (Band.NURTURE, 1 * TIER_UNIT),
    (Band.AUTOMATED, 0),
)


def band_of(priority: int) -> str:
    return next(band for band, floor in BAND_FLOORS if priority >= floor)


def band_priority_range(band: str) -> tuple[int, int | None]:
    """The priorities of a band's leads, [low, high), high None for the top band: filtering on
    them reads the call queue's index."""
    ceiling = None
    for name, floor in BAND_FLOORS:
        if name == band:
            return floor, ceiling
        ceiling = floor
    raise ValueError(f"Unknown band {band!r}.")


def band_expression(priority, values: dict | None = None):
    """band_of as SQL, over a priority expression; with `values` (band -> expression), the
    band's value instead of its name."""
    return Case(
        *(
            When(
                GreaterThanOrEqual(priority, Value(floor)),
                then=values[band] if values is not None else Value(band),
            )
            for band, floor in BAND_FLOORS
        ),
        output_field=None if values is not None else Lead._meta.get_field("band"),
    )


def band_sla(workspace, band: str) -> timedelta | None:
    """How soon the workspace wants a lead of the band called; None for no service level."""
    minutes = {
        Band.HOT: workspace.sla_hot_minutes,
        Band.TODAY: workspace.sla_today_minutes,
        Band.NURTURE: workspace.sla_nurture_minutes,
    }.get(band)
    return timedelta(minutes=minutes) if minutes else None


def lead_band_enter(lead: Lead, band: str, *, workspace, now: datetime | None = None) -> list[str]:
    """Put the lead in `band` from `now`: a new service level, a new timer. Returns the fields
    set, for the caller's save."""
    now = now or timezone.now()
    sla = band_sla(workspace, band)
    lead.band = band
    lead.band_since = now
    lead.sla_due_at = now + sla if sla else None
    lead.overdue_notified_at = None
    return ["band", "band_since", "sla_due_at", "overdue_notified_at"]


def _workspace_weight() -> str:
    return workspace_current().priority_score_weight


def leads_priority_refresh(*, lead_ids: Iterable[int] | None = None, weight: str = "") -> int:
    """Recompute `priority` in the database, in one UPDATE, for the given leads or every lead
    of the active workspace; rows already right are not written. Call it after anything that
    changes the score or the workspace's weight. Returns how many leads changed."""
    workspace = workspace_current()
    expression = lead_priority_expression(weight=weight or workspace.priority_score_weight)
    leads = Lead.objects.all()
    if lead_ids is not None:
        leads = leads.filter(pk__in=list(lead_ids))
    leads = leads.alias(computed=expression).exclude(priority=F("computed"))
    # Rows that keep their place are not written: a rescore of a million leads where a few
    # moved rewrites those few (and their index entries) only. A score never moves a lead to
    # another band, so only leads never placed (priority 0) may change band here; they get
    # a new timer as lead_band_enter gives it.
    now = timezone.now()
    band = band_expression(expression)
    due_field = Lead._meta.get_field("sla_due_at")
    due = band_expression(
        expression,
        values={
            name: Value(now + band_sla(workspace, name), output_field=due_field)
            if band_sla(workspace, name)
            else Value(None, output_field=due_field)
            for name, _ in BAND_FLOORS
        },
    )
    band_changes = ~Q(band=band)
    # update() skips auto_now: updated_at is set here so that the API's incremental sync
    # (updated_since) sees the lead move.
    return leads.update(
        updated_at=now,
        priority=expression,
        band=band,
        band_since=Case(When(band_changes, then=Value(now)), default=F("band_since")),
        sla_due_at=Case(When(band_changes, then=due), default=F("sla_due_at")),
        overdue_notified_at=Case(
            When(band_changes, then=Value(None)), default=F("overdue_notified_at")
        ),
    )


def lead_place(lead: Lead, *, workspace, now: datetime | None = None) -> tuple[list[str], str]:
    """Set the lead's priority from its columns, and its band when the priority moved it to
    another one; nothing is saved. Returns the fields changed and the band the lead entered
    ("" when it stayed in its band)."""
    priority = lead_priority_of(lead, weight=workspace.priority_score_weight)
    if priority == lead.priority:
        return [], ""
    lead.priority = priority
    band = band_of(priority)
    if band == lead.band:
        return ["priority"], ""
    return ["priority", *lead_band_enter(lead, band, workspace=workspace, now=now)], band


def lead_priority_store(*, lead: Lead, workspace=None) -> str:
    """lead_place, saved, on a lead already in memory (and locked by the caller). Writes
    nothing when nothing changed, which keeps lead_qualify idempotent down to its queries.
    Returns the band the lead entered, "" when it stayed in its band."""
    fields, entered = lead_place(lead, workspace=workspace or workspace_current())
    if fields:
        lead.save(update_fields=[*fields, "updated_at"])
    return entered


# --- Why is this lead here? -------------------------------------------------------------------

URGENCY_WORDS = {
    Timing.NOW: "urgent (within 30 days)",
    Timing.QUARTER: "urgent (this quarter)",
    Timing.YEAR: "within a year",
    Timing.LATER: "not before next year",
}


def lead_priority_reasons(lead: Lead) -> list[str]:
    """The row's "why is this lead here?": status, urgency, BANT completeness and score, in the
    order the rule weighs them, e.g. ["SQL", "urgent (this quarter)", "3/4 BANT", "45 points"].
    `lead` is a Lead or any row with its PRIORITY_COLUMNS."""
    points = "1 point" if lead.score == 1 else f"{lead.score} points"
    return [
        *_standing_words(
            lead.qualification_status,
            lead.disqualification,
            lead.timing,
            lead.budget_status,
            lead.authority,
            lead.need,
        ),
        points,
    ]


# Every inbox page words fifty rows, out of the 11,520 combinations of these columns' choices:
# each combination is worded once per process.
@functools.lru_cache(maxsize=16_384)
def _standing_words(
    qualification_status: str,
    disqualification: str,
    timing: str,
    budget_status: str,
    authority: str,
    need: str,
) -> tuple[str, str, str]:
    """Status, urgency and BANT completeness, as lead_priority_reasons words them."""
    if qualification_status == QualificationStatus.DISQUALIFIED or disqualification:
        reason = Disqualification(disqualification).label.lower() if disqualification else ""
        status = f"disqualified ({reason})" if reason else "disqualified"
    elif qualification_status:
        status = QualificationStatus(qualification_status).label
    else:
        status = "not qualified yet"
    boxes = {"budget_status": budget_status, "authority": authority, "need": need, "timing": timing}
    completeness = sum(boxes[name] in confirmed for name, confirmed in BANT_CONFIRMED.items())
    return status, URGENCY_WORDS.get(timing, "timing unknown"), f"{completeness}/4 BANT"
