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
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, models  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
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
from tenants.models import User, Workspace  # noqa: E402
from tenants.services import workspace_create  # noqa: E402

# What generated leads hold, picked by lead number: a mix the default rules partly match.
JOB_TITLES = ["CEO", "Manager", "Directeur général", "Engineer", "Head of sales", ""]
COMPANY_SIZES = ["1-10", "11-50", "51-200", "201-1000", "1000+", ""]


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _column_defaults(model, given: dict[str, str]) -> tuple[list[str], list[str]]:
    """Every column of `model` but its id, with `given` SQL or a neutral value: the models set
    their defaults in Python, not in the database, so an INSERT … SELECT must name them all."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in given:
            values.append(given[field.column])
        elif field.null:
            values.append("NULL")
        elif isinstance(field, models.JSONField):
            values.append("'{}'::jsonb")
        elif isinstance(field, models.DateTimeField):
            values.append("now()")
        elif isinstance(field, (models.IntegerField, models.DecimalField)):
            values.append("0")
        elif isinstance(field, models.BooleanField):
            values.append("false")
        else:
            values.append("''")
    return columns, values


def leads_build(count: int) -> None:
    columns, values = _column_defaults(
        Lead,
        {
            "email": "'lead' || i || CASE WHEN i % 7 = 0 "
            "THEN '@gmail.com' ELSE '@acme.example' END",
            "full_name": "'Lead ' || i",
            "company": "'Company ' || (i % 5000)",
            "job_title": f"({_sql_array(JOB_TITLES)})[1 + i % {len(JOB_TITLES)}]",
            "company_size": f"({_sql_array(COMPANY_SIZES)})[1 + i % {len(COMPANY_SIZES)}]",
            "created_at": "now() - (i % 1000) * interval '1 hour'",
            "last_activity_at": "now() - (i % 1000) * interval '1 hour'",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Lead._meta.db_table} ({', '.join(columns)}) "
            f"SELECT {', '.join(values)} FROM generate_series(1, {int(count)}) AS i"
        )
        # Every 4th lead saw the pricing page, the next one the blog; every 5th opened 3 e-mails.
        events = LeadEvent._meta.db_table
        cursor.execute(
            f"INSERT INTO {events} (lead_id, visitor_id, kind, url, occurred_at) "
            "SELECT id, '', 'page_view', CASE WHEN id % 4 = 0 "
            "THEN 'https://acme.example/pricing' ELSE 'https://acme.example/blog' END, "
            "now() - (id % 30) * interval '1 day' "
            f"FROM {Lead._meta.db_table} WHERE id % 4 IN (0, 1)"
        )
        cursor.execute(
            f"INSERT INTO {events} (lead_id, visitor_id, kind, url, occurred_at) "
            "SELECT id, '', 'email_open', '', now() - n * interval '1 day' "
            f"FROM {Lead._meta.db_table}, generate_series(1, 3) AS n WHERE id % 5 = 0"
        )
        cursor.execute(f"ANALYZE {Lead._meta.db_table}")
        cursor.execute(f"ANALYZE {events}")


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
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://localhost/"

    call_command("migrate_schemas", interactive=False, verbosity=0)
    slug = f"bench-rescore-{uuid.uuid4().hex[:8]}"
    owner, _ = User.objects.get_or_create(email="bench-rescore@parley.local")
    with override_settings(WORKSPACE_SPARE_SCHEMAS=0):
        workspace = workspace_create(name=slug, slug=slug, owner=owner)
    try:
        with schema_context(workspace.schema_name):
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
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA IF EXISTS "{workspace.schema_name}" CASCADE')
        Workspace.objects.filter(pk=workspace.pk).delete()
        owner.delete()

    print(
        f"leads={args.leads} set_based_s={set_based_s:.2f} per_row_s={per_row_s:.1f} "
        f"ratio={per_row_s / set_based_s:.1f}"
    )


if __name__ == "__main__":
    main()
