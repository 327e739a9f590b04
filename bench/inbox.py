"""The sales inbox's pages on a million leads: the selector the inbox view calls
(leads.inbox.lead_inbox_page: rows with their annotations, timers, reasons and assignees)
against the bare keyset query on the same index, for the first page and for a page 900,000 rows
deep reached by cursor (goal: at most 1.5 times the bare query).

    .venv/bin/python bench/inbox.py [--leads 1000000] [--deep 900000] [--runs 15]

Uses DATABASE_URL (or the embedded PostgreSQL) and migrates it first. Builds its own workspace
with generate_series: leads with mixed qualifications, scores and assignees, placed in the call
queue by leads_priority_refresh, one conversation each (every 10th lead a second one, on another
form); drops it at the end. Each figure is the median of --runs runs, after one warm-up run;
the runs of the figures of a page alternate, so that a busy moment of the machine (a page takes
a few milliseconds) weighs on the selector and the bare query alike.
The selector's time includes Python's share (making the rows, their timers and reasons, the
cursors); its SQL, compiled on the warm-up run and kept for the same filters as the inbox keeps
it (leads/inbox.py), is also timed alone, and so is a page whose SQL is compiled anew (filters
not seen before). Prints EXPLAIN ANALYZE of both queries, then, last:
`leads=… first_page_ratio=… deep_page_ratio=… queries_per_page=…`.
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
    sql_pick,
    tables_analyze,
    timed,
)
from forms_builder.services import form_create, form_publish  # noqa: E402
from leads.inbox import (  # noqa: E402
    INBOX_ORDERS,
    _statement_kept,  # forgotten, to time a page whose SQL is compiled anew
    lead_inbox_page,
    lead_inbox_statement,
)
from leads.models import Conversation, Lead  # noqa: E402
from leads.pagination import AFTER, cursor_make, cursor_read  # noqa: E402
from leads.prioritization import leads_priority_refresh  # noqa: E402

PAGE = 50
KEYSET = INBOX_ORDERS["priority"]
TABLE = Lead._meta.db_table
RAW_FIRST = f"SELECT * FROM {TABLE} ORDER BY priority DESC, id DESC LIMIT {PAGE}"
RAW_AFTER = (
    f"SELECT * FROM {TABLE} WHERE (priority, id) < (%s, %s) "
    f"ORDER BY priority DESC, id DESC LIMIT {PAGE}"
)

# The qualification of generated leads, each column on its own beat so that they mix.
QUALIFICATION_COLUMNS = {
    "qualification_status": sql_pick(["sql", "mql", "mql", "", "", "disqualified"], "(i / 3)"),
    "timing": sql_pick(["now", "quarter", "year", "unknown", "later", ""], "(i / 7)"),
    "budget_status": sql_pick(["confirmed", "unknown", "none"], "(i / 11)"),
    "authority": sql_pick(["decision_maker", "influencer", "unknown"], "(i / 13)"),
    "need": sql_pick(["identified", "unknown"], "(i / 17)"),
    "score": "(i * 37) % 120 - 10",
    "outcome": sql_pick(["", "", "", "contacted", "meeting", "won", "lost"], "(i / 5)"),
}


def leads_build(count: int, owner_id: int) -> None:
    with timed(f"built {count} leads"):
        rows_insert(
            Lead,
            {
                **LEAD_COLUMNS,
                **QUALIFICATION_COLUMNS,
                # Every third lead is the owner's.
                "assignee_id": f"CASE WHEN i % 3 = 0 THEN {int(owner_id)} END",
            },
            f"generate_series(1, {int(count)}) AS i",
        )
    with timed("placed them in the call queue (leads_priority_refresh)"):
        leads_priority_refresh()
    contact, pricing = (form_create(name=name) for name in ("Contact sales", "Pricing"))
    for form in (contact, pricing):
        form_publish(form=form)
        form.refresh_from_db()
    with timed("gave them their conversations"):
        for form, where in ((contact, "true"), (pricing, "l.id % 10 = 0")):
            rows_insert(
                Conversation,
                {
                    "form_id": str(form.pk),
                    "form_version_id": str(form.published_version_id),
                    "lead_id": "l.id",
                    "token": f"'bench-{form.pk}-' || l.id",
                    "status": sql_pick(["completed", "completed", "abandoned"], "l.id"),
                    "started_at": "l.last_activity_at",
                    "last_turn_at": "l.last_activity_at",
                },
                f"{TABLE} AS l WHERE {where}",
            )
    with timed("analyzed"):
        tables_analyze(Lead, Conversation)


def medians_ms(runs: int, **timed_runs) -> dict[str, float]:
    """The median time of each of `timed_runs` over `runs` rounds, each round running every one
    of them once, in turn, after one warm-up round (plans and caches)."""
    for run in timed_runs.values():
        run()
    samples = {name: [] for name in timed_runs}
    for _ in range(runs):
        for name, run in timed_runs.items():
            started = time.perf_counter()
            run()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(times) * 1000 for name, times in samples.items()}


def sql_rows(sql: str, params) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def raw_page(key: tuple | None) -> list:
    return sql_rows(RAW_FIRST if key is None else RAW_AFTER, key)


def explain(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def deep_cursor_and_key(deep: int):
    """The cursor a "Next" link would carry `deep` rows down, read back as the view reads it,
    and its key. Found once, the slow way (OFFSET), untimed."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT priority, id FROM {TABLE} ORDER BY priority DESC, id DESC "
            f"OFFSET {int(deep) - 1} LIMIT 1"
        )
        key = cursor.fetchone()
    return cursor_read(cursor_make(KEYSET, AFTER, key), KEYSET), key


def pages_measure(*, deep: int, runs: int) -> dict:
    """For the first page and the deep one: the selector's time, its SQL's time alone, the bare
    query's time, the selector's query count, and both EXPLAIN ANALYZE plans."""
    deep_cursor, deep_key = deep_cursor_and_key(deep)
    figures = {}
    for name, cursor, key in (("first", None, None), ("deep", deep_cursor, deep_key)):

        def selector_page(cursor=cursor):
            return lead_inbox_page(filters={}, cursor=cursor, size=PAGE)

        def selector_page_anew(cursor=cursor):
            _statement_kept.cache_clear()
            return lead_inbox_page(filters={}, cursor=cursor, size=PAGE)

        page = selector_page()
        assert [row.lead.pk for row in page.rows] == [row[0] for row in raw_page(key)], (
            f"the {name} page of the selector and of the bare query differ"
        )
        with CaptureQueriesContext(connection) as queries:
            selector_page()
        statement = lead_inbox_statement(
            filters={}, direction=cursor.direction if cursor else None, size=PAGE
        )
        sql, params = statement.sql, statement.params_for(cursor.key if cursor else ())
        figures[name] = {
            **medians_ms(
                runs,
                selector_ms=selector_page,
                selector_sql_ms=lambda s=sql, p=params: sql_rows(s, p),
                raw_ms=lambda k=key: raw_page(k),
                selector_anew_ms=selector_page_anew,
            ),
            "queries": len(queries),
            "plan": explain(sql, params),
            "raw_plan": explain(RAW_FIRST if key is None else RAW_AFTER, key),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--deep", type=int, default=900_000, help="rows above the deep page")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    with (
        bench_workspace("bench-inbox") as (workspace, owner),
        schema_context(workspace.schema_name),
    ):
        leads_build(args.leads, owner.pk)
        figures = pages_measure(deep=args.deep, runs=args.runs)

    for name, figure in figures.items():
        for plan in ("plan", "raw_plan"):
            assert "lead_call_queue" in figure[plan], f"the {name} page does not read the index"
        print(f"\n--- {name} page, the selector's query (EXPLAIN ANALYZE) ---\n{figure['plan']}")
        print(f"--- {name} page, the bare keyset query ---\n{figure['raw_plan']}")
    print()
    for name, figure in figures.items():
        print(
            f"{name} page: selector {figure['selector_ms']:.2f} ms "
            f"(its SQL alone {figure['selector_sql_ms']:.2f} ms), bare keyset query "
            f"{figure['raw_ms']:.2f} ms, {figure['queries']} queries; with its SQL compiled "
            f"anew (filters not seen before) {figure['selector_anew_ms']:.2f} ms"
        )
    first, deep = figures["first"], figures["deep"]
    assert first["queries"] == deep["queries"]
    # What the ratios below hold beyond the database: making the 50 rows, their timers and
    # reasons, and the cursors, a fixed cost in Python whatever the page's depth.
    print(
        "the selector's SQL alone against the bare query: "
        f"first page {first['selector_sql_ms'] / first['raw_ms']:.2f}x, "
        f"deep page {deep['selector_sql_ms'] / deep['raw_ms']:.2f}x"
    )
    print(
        f"leads={args.leads} first_page_ratio={first['selector_ms'] / first['raw_ms']:.2f} "
        f"deep_page_ratio={deep['selector_ms'] / deep['raw_ms']:.2f} "
        f"queries_per_page={first['queries']}"
    )


if __name__ == "__main__":
    main()
