"""The reports on a million leads: the forms summary, one form's funnel (a million
conversations on it, with steps, answers and UTM), the outcome report and the weight
suggestions with their queue preview, each timed (median of a few runs, warm), with the
EXPLAIN of each of their queries with `--explain`.

    .venv/bin/python bench/reports.py [--leads 1000000] [--runs 5] [--explain]

Uses DATABASE_URL (or the embedded PostgreSQL) and migrates it first. Builds its own workspace
with INSERT … SELECT (bench/leads_data.py), scores it with the seed rules (set-based rescore)
and places it in the call queue, and drops it at the end. Last line:
`leads=… forms_s=… funnel_s=… outcomes_s=… suggestions_s=… preview_s=…`.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from bench.leads_data import (  # noqa: E402
    LEAD_COLUMNS,
    bench_workspace,
    rows_insert,
    sql_array,
    sql_pick,
    tables_analyze,
    timed,
)
from forms_builder.models import FormViewDay  # noqa: E402
from forms_builder.services import form_create, form_publish  # noqa: E402
from leads.models import (  # noqa: E402
    Conversation,
    Lead,
    LeadOutcome,
    LeadScoreItem,
    RuleKind,
    ScoringRule,
)
from leads.prioritization import leads_priority_refresh  # noqa: E402
from leads.scoring.rescore import leads_rescore  # noqa: E402
from reports.forms import period_last_days  # noqa: E402
from reports.selectors.funnel import form_funnel, forms_summary  # noqa: E402
from reports.selectors.outcomes import outcome_report  # noqa: E402
from reports.selectors.suggestions import queue_preview, rule_suggestions  # noqa: E402

LEADS = Lead._meta.db_table

# Who the leads are, by lead number i (LEAD_COLUMNS: every 6th a CEO): a qualification mix,
# created within the last 80 days; a fifth decided, CEOs winning half of theirs and the others
# a fifth, so that the CEO rule has a lift to find.
QUALIFICATION_COLUMNS = {
    "qualification_status": sql_pick(["sql", "mql", "mql", "", "", "disqualified"], "(i / 3)"),
    "timing": sql_pick(["now", "quarter", "year", "unknown", "later", ""], "(i / 7)"),
    "budget_status": sql_pick(["confirmed", "unknown", "none", ""], "(i / 11)"),
    "authority": sql_pick(["decision_maker", "influencer", "unknown", ""], "(i / 13)"),
    "need": sql_pick(["identified", "unknown", ""], "(i / 17)"),
    "created_at": "now() - (i % 80) * interval '1 day' - (i % 1440) * interval '1 minute'",
    "outcome": (
        "CASE WHEN random() < 0.2 THEN CASE WHEN random() < "
        "(CASE WHEN i % 6 = 0 THEN 0.5 ELSE 0.2 END) THEN 'won' ELSE 'lost' END "
        "WHEN random() < 0.2 THEN 'contacted' ELSE '' END"
    ),
}
UTM_SOURCES = ["google", "newsletter", "linkedin", "partner", "", "twitter", "webinar"]
UTM_CAMPAIGNS = ["spring", "summer", "retargeting", "", "launch"]


def leads_build(count: int) -> None:
    with timed(f"built {count} leads"):
        rows_insert(
            Lead,
            {**LEAD_COLUMNS, **QUALIFICATION_COLUMNS},
            f"generate_series(1, {int(count)}) AS i",
        )
    with timed("scored them (set-based rescore, the seed rules)"):
        leads_rescore()
    with timed("placed them in the call queue"):
        leads_priority_refresh()
    with timed("gave them band entry, first contact and outcome times"), connection.cursor() as c:
        c.execute(
            f"UPDATE {LEADS} SET band_since = created_at, "
            "sla_due_at = created_at + CASE band WHEN 'hot' THEN interval '1 hour' "
            "WHEN 'today' THEN interval '8 hours' WHEN 'nurture' THEN interval '3 days' END, "
            "first_contacted_at = CASE WHEN outcome <> '' "
            "THEN created_at + random() * interval '12 hours' END, "
            "outcome_at = CASE WHEN outcome <> '' THEN created_at + interval '2 days' END"
        )
    with timed("recorded the won deals"):
        rows_insert(
            LeadOutcome,
            {
                "lead_id": "l.id",
                "kind": "'won'",
                "amount": "1000 + (l.id % 50) * 100",
                "currency": "CASE WHEN l.id % 10 = 0 THEN 'USD' ELSE 'EUR' END",
                "created_at": "l.outcome_at",
            },
            f"{LEADS} AS l WHERE l.outcome = 'won'",
        )


def conversations_build(form) -> None:
    """One conversation per lead on the form: 60 % completed (every question answered), 30 %
    abandoned and 10 % in progress, on a question by lead number, with the earlier questions
    answered; UTM source and campaign in turn."""
    keys = [step["key"] for step in form.published_version.definition["steps"]]
    where = "1 + l.id % " + str(len(keys))  # the question waited on, 1-based
    answered = (
        f"(SELECT COALESCE(jsonb_object_agg(k, 'an answer'), '{{}}'::jsonb) FROM unnest(("
        f"{sql_array(keys)})[1:CASE WHEN l.id % 10 < 6 THEN {len(keys)} ELSE {where} - 1 END]) k)"
    )
    with timed("gave them their conversations"):
        rows_insert(
            Conversation,
            {
                "form_id": str(form.pk),
                "form_version_id": str(form.published_version_id),
                "lead_id": "l.id",
                "token": "'bench-' || l.id",
                "status": "CASE WHEN l.id % 10 < 6 THEN 'completed' "
                "WHEN l.id % 10 < 9 THEN 'abandoned' ELSE 'active' END",
                "current_step_key": f"CASE WHEN l.id % 10 < 6 THEN '' "
                f"ELSE ({sql_array(keys)})[{where}] END",
                "answers": answered,
                "utm": f"jsonb_build_object('utm_source', {sql_pick(UTM_SOURCES, 'l.id')}, "
                f"'utm_campaign', {sql_pick(UTM_CAMPAIGNS, '(l.id / 7)')})",
                "started_at": "l.created_at",
                "last_turn_at": "l.created_at",
                "ended_at": "CASE WHEN l.id % 10 < 9 "
                "THEN l.created_at + (60 + l.id % 600) * interval '1 second' END",
            },
            f"{LEADS} AS l",
        )
    with timed("counted 90 days of views"):
        rows_insert(
            FormViewDay,
            {
                "form_id": str(form.pk),
                "day": "current_date - d",
                "views": "20000 + d * 10",
            },
            "generate_series(0, 89) AS d",
        )
    with timed("analyzed"):
        tables_analyze(Lead, Conversation, LeadOutcome, LeadScoreItem, FormViewDay)


def median_s(run, runs: int) -> float:
    run()  # warm-up: plans and caches
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def explain_each_query(what: str, run) -> None:
    """The plan of each query `run` makes, as PostgreSQL ran it."""
    with CaptureQueriesContext(connection) as captured:
        run()
    for number, query in enumerate(captured.captured_queries, 1):
        if not query["sql"].lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + query["sql"])
            plan = "\n    ".join(row[0] for row in cursor.fetchall())
        print(f"--- {what}, query {number} ({float(query['time']) * 1000:.0f} ms)\n    {plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    with bench_workspace("bench-reports") as (workspace, _), schema_context(workspace.schema_name):
        form = form_create(name="Contact sales")
        form_publish(form=form)
        form.refresh_from_db()
        leads_build(args.leads)
        conversations_build(form)

        period = period_last_days(90)
        ceo = ScoringRule.objects.get(kind=RuleKind.JOB_TITLE_MATCHES)
        suggestions = rule_suggestions()
        suggested = {s.rule.pk: s for s in suggestions}[ceo.pk]
        print(
            f"CEO rule: {suggested.evidence.won_with}/{suggested.evidence.n_with} won with, "
            f"{suggested.evidence.won_without}/{suggested.evidence.n_without} without, "
            f"lift {suggested.evidence.lift:.2f}, {ceo.points} points -> "
            f"{suggested.suggested_points}"
        )
        changes = {ceo.pk: (ceo.points, suggested.suggested_points)}
        weight = workspace.priority_score_weight
        reports = {
            "forms": lambda: forms_summary(period=period),
            "funnel": lambda: form_funnel(form=form, period=period),
            "outcomes": lambda: outcome_report(period=period, workspace=workspace),
            "suggestions": rule_suggestions,
            "preview": lambda: queue_preview(changes=changes, weight=weight),
        }
        if args.explain:
            for what, run in reports.items():
                explain_each_query(what, run)
        figures = {}
        for what, run in reports.items():
            figures[what] = median_s(run, args.runs)
            print(f"{what}: {figures[what] * 1000:.0f} ms (median of {args.runs})", flush=True)

    print(f"leads={args.leads} " + " ".join(f"{k}_s={v:.3f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
