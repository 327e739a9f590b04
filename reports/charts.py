"""What each chart draws, as plain data for json_script: labels and series, the same numbers as
the table beside the chart. static/reports/charts.js reads them and hands them to Chart.js,
which draws labels as text on a canvas; json_script escapes them for the page, so a UTM value a
visitor made up can neither break out of the script element nor run."""

from reports.selectors.funnel import FormFunnel, FormSummary
from reports.selectors.outcomes import Breakdown, FirstContactRow

# Sources drawn on a form's UTM chart (the table lists up to 50).
CHART_SOURCES = 10


def _chart(kind: str, labels: list[str], series: list[tuple[str, list]], **options) -> dict:
    return {
        "type": kind,
        "labels": labels,
        "series": [{"label": label, "data": data} for label, data in series],
        **options,
    }


def _percent(rate) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def forms_chart(rows: list[FormSummary]) -> dict:
    return _chart(
        "bar",
        [row.name for row in rows],
        [
            ("Views", [row.views for row in rows]),
            ("Starts", [row.starts for row in rows]),
            ("Completions", [row.completions for row in rows]),
        ],
    )


def funnel_chart(funnel: FormFunnel) -> dict:
    return _chart(
        "bar",
        ["Views", "Starts", "Completions"],
        [("Conversations", [funnel.views, funnel.starts, funnel.completions])],
    )


def drop_off_chart(funnel: FormFunnel) -> dict:
    labels = [
        f"{step.number}. {step.label}" if step.number else step.label for step in funnel.steps
    ]
    return _chart(
        "bar",
        [label[:60] for label in labels],
        [
            ("Reached", [step.reached for step in funnel.steps]),
            ("Left here", [step.left for step in funnel.steps]),
        ],
        horizontal=True,
    )


def qualification_chart(funnel: FormFunnel) -> dict:
    return _chart(
        "doughnut",
        [share.label for share in funnel.qualification],
        [("Leads", [share.count for share in funnel.qualification])],
    )


def disqualification_chart(funnel: FormFunnel) -> dict:
    return _chart(
        "bar",
        [share.label for share in funnel.disqualification],
        [("Disqualified leads", [share.count for share in funnel.disqualification])],
    )


def sources_chart(funnel: FormFunnel) -> dict:
    rows = funnel.sources[:CHART_SOURCES]
    labels = [
        " / ".join(part or "(none)" for part in (row.source, row.campaign))[:60] for row in rows
    ]
    return _chart(
        "bar",
        labels,
        [
            ("Starts", [row.starts for row in rows]),
            ("Completions", [row.completions for row in rows]),
            ("Qualified", [row.qualified for row in rows]),
        ],
    )


def win_rate_chart(breakdown: Breakdown, currency: str) -> dict:
    series = [("Win rate (%)", [_percent(row.win_rate) for row in breakdown.rows])]
    if currency:
        revenue = [float(row.revenue.get(currency, 0)) for row in breakdown.rows]
        series.append((f"Revenue ({currency})", revenue))
    return _chart("bar", [row.label for row in breakdown.rows], series, second_axis=bool(currency))


def first_contact_chart(rows: list[FirstContactRow]) -> dict:
    shown = [row for row in rows if row.target is not None or row.contacted]
    minutes = [
        None if row.median_seconds is None else round(row.median_seconds / 60, 1) for row in shown
    ]
    targets = [
        None if row.target is None else round(row.target.total_seconds() / 60, 1) for row in shown
    ]
    return _chart(
        "bar",
        [row.label for row in shown],
        [("Median minutes to first contact", minutes), ("Target (minutes)", targets)],
    )
