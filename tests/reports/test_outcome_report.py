"""The outcome report on hand-made leads: win rate (won / (won + lost)) and revenue by band,
qualification, each BANT box and score range, and the median time to first contact by band
against its service level."""

from datetime import timedelta
from decimal import Decimal

import pytest

from leads.models import (
    Authority,
    Band,
    BudgetStatus,
    Disqualification,
    LeadOutcome,
    Need,
    Outcome,
    QualificationStatus,
    Timing,
)
from reports.forms import period_last_days
from reports.selectors.outcomes import outcome_report
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

HOT, TODAY, NURTURE, AUTOMATED = Band.HOT, Band.TODAY, Band.NURTURE, Band.AUTOMATED
SQL, MQL = QualificationStatus.SQL, QualificationStatus.MQL


@pytest.fixture
def decided(in_a, now):
    """Six leads of the last days won or lost (three won: 1,000 and 2,000 EUR, 300 USD), and
    three that do not count: undecided, too old, hidden."""
    entered = now - timedelta(days=3)

    def lead(outcome, *, band, score, contact_minutes=None, amounts=(), created=entered, **bant):
        made = LeadFactory(
            band=band,
            score=score,
            outcome=outcome,
            created_at=created,
            band_since=created,
            first_contacted_at=(
                created + timedelta(minutes=contact_minutes) if contact_minutes else None
            ),
            sla_due_at=created + timedelta(minutes={HOT: 60, TODAY: 480}.get(band, 4320)),
            **bant,
        )
        for amount, currency in amounts:
            LeadOutcome.objects.create(
                lead=made, kind=Outcome.WON, amount=Decimal(amount), currency=currency
            )
        if outcome == Outcome.LOST:
            LeadOutcome.objects.create(lead=made, kind=Outcome.LOST, lost_reason="no_budget")
        return made

    confirmed = {
        "budget_status": BudgetStatus.CONFIRMED,
        "authority": Authority.DECISION_MAKER,
        "need": Need.IDENTIFIED,
    }
    with in_a():
        # Won twice: the latest deal's amount counts.
        lead(
            Outcome.WON,
            band=HOT,
            score=30,
            qualification_status=SQL,
            timing=Timing.NOW,
            contact_minutes=30,
            amounts=[("500", "EUR"), ("1000", "EUR")],
            **confirmed,
        )
        lead(
            Outcome.LOST,
            band=HOT,
            score=5,
            qualification_status=SQL,
            timing=Timing.QUARTER,
            budget_status=BudgetStatus.UNKNOWN,
            authority=Authority.INFLUENCER,
            need=Need.IDENTIFIED,
            contact_minutes=90,
        )
        lead(
            Outcome.WON,
            band=TODAY,
            score=120,
            qualification_status=MQL,
            timing=Timing.YEAR,
            contact_minutes=600,
            amounts=[("2000", "EUR")],
            **confirmed,
        )
        lead(Outcome.LOST, band=NURTURE, score=-5, qualification_status=MQL)
        lead(
            Outcome.LOST,
            band=AUTOMATED,
            score=0,
            qualification_status=QualificationStatus.DISQUALIFIED,
            disqualification=Disqualification.STUDENT,
        )
        lead(
            Outcome.WON,
            band=HOT,
            score=12,
            qualification_status=SQL,
            budget_status=BudgetStatus.NONE,
            contact_minutes=45,
            amounts=[("300", "USD")],
        )
        # Not counted: no decision yet, arrived before the period, hidden past the plan's limit.
        lead(Outcome.CONTACTED, band=HOT, score=50, qualification_status=SQL, contact_minutes=5)
        lead(
            Outcome.WON,
            band=HOT,
            score=50,
            created=now - timedelta(days=100),
            amounts=[("9999", "EUR")],
        )
        hidden = lead(Outcome.WON, band=HOT, score=50, amounts=[("9999", "EUR")])
        hidden.over_quota = True
        hidden.save(update_fields=["over_quota"])


def _report(in_a, workspace, days=30):
    with in_a():
        return outcome_report(period=period_last_days(days), workspace=workspace)


def _table(report, name):
    (breakdown,) = [b for b in report.breakdowns if b.name == name]
    return [(row.value, row.won, row.lost, row.win_rate, row.revenue) for row in breakdown.rows]


def test_the_totals_count_decided_leads_of_the_period_only(in_a, decided, workspace_a):
    report = _report(in_a, workspace_a)

    assert (report.total.won, report.total.lost, report.total.win_rate) == (3, 3, 0.5)
    assert report.total.revenue == {"EUR": Decimal("3000"), "USD": Decimal("300")}
    assert report.main_currency == "EUR"


def test_win_rate_and_revenue_by_band(in_a, decided, workspace_a):
    assert _table(_report(in_a, workspace_a), "band") == [
        (HOT, 2, 1, 2 / 3, {"EUR": Decimal("1000"), "USD": Decimal("300")}),
        (TODAY, 1, 0, 1.0, {"EUR": Decimal("2000")}),
        (NURTURE, 0, 1, 0.0, {}),
        (AUTOMATED, 0, 1, 0.0, {}),
    ]


def test_win_rate_by_qualification_counts_a_disqualification_as_disqualified(
    in_a, decided, workspace_a
):
    assert _table(_report(in_a, workspace_a), "status") == [
        (SQL, 2, 1, 2 / 3, {"EUR": Decimal("1000"), "USD": Decimal("300")}),
        (MQL, 1, 1, 0.5, {"EUR": Decimal("2000")}),
        ("disqualified", 0, 1, 0.0, {}),
        ("not_qualified", 0, 0, None, {}),
    ]


def test_win_rate_by_each_bant_box(in_a, decided, workspace_a):
    report = _report(in_a, workspace_a)

    assert _table(report, "budget") == [
        ("", 0, 2, 0.0, {}),
        (BudgetStatus.CONFIRMED, 2, 0, 1.0, {"EUR": Decimal("3000")}),
        (BudgetStatus.NONE, 1, 0, 1.0, {"USD": Decimal("300")}),
        (BudgetStatus.UNKNOWN, 0, 1, 0.0, {}),
    ]
    assert [(v, won, lost) for v, won, lost, *_ in _table(report, "authority")] == [
        ("", 1, 2),
        (Authority.DECISION_MAKER, 2, 0),
        (Authority.INFLUENCER, 0, 1),
        (Authority.NO_AUTHORITY, 0, 0),
        (Authority.UNKNOWN, 0, 0),
    ]
    assert [(v, won, lost) for v, won, lost, *_ in _table(report, "timing")] == [
        ("", 1, 2),
        (Timing.NOW, 1, 0),
        (Timing.QUARTER, 0, 1),
        (Timing.YEAR, 1, 0),
        (Timing.LATER, 0, 0),
        (Timing.UNKNOWN, 0, 0),
    ]


def test_win_rate_by_score_range(in_a, decided, workspace_a):
    report = _report(in_a, workspace_a)

    (breakdown,) = [b for b in report.breakdowns if b.name == "score"]
    assert [(row.label, row.won, row.lost) for row in breakdown.rows] == [
        ("Below 0", 0, 1),
        ("0 to 9", 0, 2),
        ("10 to 24", 1, 0),
        ("25 to 49", 1, 0),
        ("50 to 99", 0, 0),
        ("100 and more", 1, 0),
    ]


def test_median_time_to_first_contact_by_band_against_its_target(in_a, decided, workspace_a):
    report = _report(in_a, workspace_a)

    rows = [
        (r.band, r.contacted, r.median_seconds, r.target, r.within_target, r.median_meets_target)
        for r in report.first_contact
    ]
    assert rows == [
        # 30, 45, 90 minutes and the undecided lead's 5: median 37.5 minutes, 3 within the hour.
        (HOT, 4, 37.5 * 60, timedelta(minutes=60), 3, True),
        (TODAY, 1, 600 * 60, timedelta(hours=8), 0, False),
        (NURTURE, 0, None, timedelta(days=3), 0, None),
        (AUTOMATED, 0, None, None, 0, None),
    ]


def test_a_period_with_no_decided_lead_reports_zeros(in_a, workspace_a):
    report = _report(in_a, workspace_a, days=7)

    assert (report.total.decided, report.total.win_rate, report.main_currency) == (0, None, "")
    assert all(row.decided == 0 for b in report.breakdowns for row in b.rows)
