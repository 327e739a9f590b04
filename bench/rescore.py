"""Rescoring every lead of a workspace, set-based (leads/scoring/rescore.py: a few INSERT …
SELECT and one UPDATE per chunk of leads) against a per-row ORM loop (each lead loaded, each
rule evaluated in Python with its own queries, the breakdown and score saved), timed on a sample
and extrapolated to every lead (goal: the set-based rescore at least 20x faster).

    .venv/bin/python bench/rescore.py [--leads 1000000] [--sample 2000]

Uses DATABASE_URL (or the embedded PostgreSQL) and migrates it first. Builds its own workspace
(the template's default rules: +10 CEO, +20 company > 50, +15 pricing, +5 three e-mails opened)
with generate_series, about 1.1 events a lead, and drops it at the end. Checks that both ways
give the sample the same scores. Last line:
`leads=… set_based_s=… per_row_s=… ratio=…`.
"""

import argparse
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from bench.leads_data import (  # noqa: E402
    LEAD_COLUMNS,
    bench_workspace,
    rows_insert,
    tables_analyze,
)
from leads.models import (  # noqa: E402
    EventKind,
    Lead,
    LeadEvent,
    LeadScoreItem,
    RuleKind,
    ScoringRule,
)
from leads.scoring.rescore import leads_rescore  # noqa: E402
from leads.scoring.rules import FREE_WEBMAIL_DOMAINS, PRICING_URL_WORDS, text_fold  # noqa: E402


def leads_build(count: int) -> None:
    rows_insert(Lead, LEAD_COLUMNS, f"generate_series(1, {int(count)}) AS i")
    with connection.cursor() as cursor:
        # Every 4th lead saw the pricing page, the next one the blog; every 5th opened 3 e-mails.
        events = LeadEvent._meta.db_table
        cursor.execute(
            f"INSERT INTO {events} (lead_id, visitor_id, kind, url, referrer, occurred_at) "
            "SELECT id, '', 'page_view', CASE WHEN id % 4 = 0 "
            "THEN 'https://acme.example/pricing' ELSE 'https://acme.example/blog' END, '', "
            "now() - (id % 30) * interval '1 day' "
            f"FROM {Lead._meta.db_table} WHERE id % 4 IN (0, 1)"
        )
        cursor.execute(
            f"INSERT INTO {events} (lead_id, visitor_id, kind, url, referrer, occurred_at) "
            "SELECT id, '', 'email_open', '', '', now() - n * interval '1 day' "
            f"FROM {Lead._meta.db_table}, generate_series(1, 3) AS n WHERE id % 5 = 0"
        )
    tables_analyze(Lead, LeadEvent)


# --- The per-row way: what a naive implementation does for each lead ------------------------


def _matches(rule: ScoringRule, lead: Lead, now) -> tuple[bool, str]:
    p = rule.params
    if rule.kind == RuleKind.JOB_TITLE_MATCHES:
        words = "|".join(re.escape(text_fold(w)) for w in p["words"])
        return bool(re.search(rf"\b({words})\b", text_fold(lead.job_title))), lead.job_title
    if rule.kind == RuleKind.COMPANY_SIZE_AT_LEAST:
        bound = re.match(r"\s*(\d{1,9})", lead.company_size)
        return bool(bound) and int(bound[1]) >= p["headcount"], lead.company_size
    if rule.kind == RuleKind.EMAIL_FREE_WEBMAIL:
        return lead.email.lower().partition("@")[2] in FREE_WEBMAIL_DOMAINS, lead.email
    events = LeadEvent.objects.filter(lead=lead)
    if rule.kind == RuleKind.VISITED_PRICING:
        views = events.filter(kind=EventKind.PAGE_VIEW)
        count = sum(any(w in e.url.lower() for w in PRICING_URL_WORDS) for e in views)
        return count > 0, f"{count} visits"
    if rule.kind == RuleKind.EMAIL_OPENED_AT_LEAST:
        count = events.filter(kind=EventKind.EMAIL_OPEN).count()
        return count >= p["count"], f"{count} e-mails opened"
    raise NotImplementedError(rule.kind)  # the bench's workspace has the default rules only


def rescore_per_row(lead_ids: list[int], now) -> None:
    rules = list(ScoringRule.objects.filter(active=True))
    for lead_id in lead_ids:
        lead = Lead.objects.get(pk=lead_id)
        items = []
        for rule in rules:
            matched, why = _matches(rule, lead, now)
            if matched:
                items.append(
                    LeadScoreItem(
                        lead=lead, rule=rule, points=rule.points, reason=why, computed_at=now
                    )
                )
        LeadScoreItem.objects.filter(lead=lead).delete()
        LeadScoreItem.objects.bulk_create(items)
        lead.score = sum(item.points for item in items)
        lead.save(update_fields=["score"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=2000)
    args = parser.parse_args()
    with bench_workspace("bench-rescore") as (workspace, _), schema_context(workspace.schema_name):
        started = time.perf_counter()
        leads_build(args.leads)
        built_s = time.perf_counter() - started
        print(f"built {args.leads} leads and their events in {built_s:.1f} s")

        started = time.perf_counter()
        leads_rescore()
        set_based_s = time.perf_counter() - started
        expected = dict(Lead.objects.order_by("pk").values_list("pk", "score")[: args.sample])
        print(f"set-based: {set_based_s:.1f} s for {args.leads} leads")

        sample = list(expected)
        Lead.objects.filter(pk__in=sample).update(score=0)
        started = time.perf_counter()
        rescore_per_row(sample, timezone.now())
        sample_s = time.perf_counter() - started
        got = dict(Lead.objects.filter(pk__in=sample).values_list("pk", "score"))
        assert got == expected, "the per-row loop and the set-based rescore disagree"
        per_row_s = sample_s / len(sample) * args.leads
        print(f"per-row: {sample_s:.1f} s for {len(sample)} leads, same scores")

    print(
        f"leads={args.leads} set_based_s={set_based_s:.2f} per_row_s={per_row_s:.1f} "
        f"ratio={per_row_s / set_based_s:.1f}"
    )


if __name__ == "__main__":
    main()
