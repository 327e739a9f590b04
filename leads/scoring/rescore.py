"""Rescoring, set-based: every lead's breakdown and total computed in the database, a few
statements whatever the number of leads. For each active rule, INSERT … SELECT the rows its
query gives (leads/scoring/rules.py) into LeadScoreItem, after deleting the leads' old rows;
then one UPDATE sets Lead.score to the sum of each lead's rows."""

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from leads.models import Lead, LeadScoreItem, RescoreRun, ScoringRule
from leads.scoring.rules import rule_rows

# Leads rescored per transaction when rescoring the whole workspace: short enough that a single
# lead's rescore waits little for the lock below, and the dashboard sees progress; big enough
# that the per-chunk statements cost nothing next to the rows they write.
RESCORE_CHUNK = 100_000


class _Scope:
    """The leads being rescored: a list of ids, or an id range [low, high)."""

    def __init__(self, *, lead_ids=None, low=None, high=None):
        self.lead_ids, self.low, self.high = lead_ids, low, high

    def q(self, field: str) -> Q:
        if self.lead_ids is not None:
            return Q(**{f"{field}__in": self.lead_ids})
        return Q(**{f"{field}__gte": self.low, f"{field}__lt": self.high})

    def sql(self, column: str) -> tuple[str, list]:
        if self.lead_ids is not None:
            return f"{column} = ANY(%s)", [list(self.lead_ids)]
        return f"{column} >= %s AND {column} < %s", [self.low, self.high]


def _rescore_scope(scope: _Scope, rules: list[ScoringRule], now) -> int:
    items = LeadScoreItem._meta.db_table
    leads = Lead._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        # Two rescores of the same leads at once would each delete, then both insert: one at a
        # time per workspace (a chunk lasts seconds at most).
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{connection.schema_name}.rescore"]
        )
        where, params = scope.sql("lead_id")
        # Only our table names and placeholders are formatted into these statements; every
        # value, a rule's words included, goes as a parameter.
        cursor.execute(f"DELETE FROM {items} WHERE {where}", params)  # noqa: S608
        for rule in rules:
            rows = rule_rows(rule, lead_scope=scope.q("pk"), event_scope=scope.q("lead"), now=now)
            if rows.query.is_empty():
                continue
            select, select_params = rows.query.sql_with_params()
            cursor.execute(
                f"INSERT INTO {items} "  # noqa: S608
                "(lead_id, rule_id, points, reason, occurred_at, computed_at) "
                "SELECT s.score_lead, %s, s.score_points, s.score_reason, s.score_at, %s "
                f"FROM ({select}) s WHERE s.score_points <> 0",
                [rule.pk, now, *select_params],
            )
        where, params = scope.sql("l.id")
        # Only leads whose score changes are written: a rescore after a small rule change
        # rewrites few rows of a million. Those get a new updated_at (raw SQL skips auto_now),
        # which the API's incremental sync (updated_since) reads. The count leaves out leads
        # hidden past the plan (billing.selectors.leads_within_quota), which the API neither
        # lists nor counts.
        cursor.execute(
            f"WITH changed AS (UPDATE {leads} AS lead SET score = totals.score, updated_at = %s"  # noqa: S608
            f"  FROM (SELECT l.id, COALESCE(SUM(i.points), 0) AS score FROM {leads} l"
            f"  LEFT JOIN {items} i ON i.lead_id = l.id WHERE {where} GROUP BY l.id) totals"
            "  WHERE lead.id = totals.id AND lead.score <> totals.score RETURNING lead.over_quota"
            ") SELECT COUNT(*) FILTER (WHERE NOT over_quota) FROM changed",
            [timezone.now(), *params],
        )
        return cursor.fetchone()[0]


def _active_rules() -> list[ScoringRule]:
    return list(ScoringRule.objects.filter(active=True))


def leads_rescore(*, lead_ids=None, run: RescoreRun | None = None, now=None) -> int:
    """Recompute the breakdown and score of the given leads, or of every lead of the current
    workspace (in chunks of RESCORE_CHUNK, `run` counting the leads done). Returns how many
    visible leads' scores changed."""
    now = now or timezone.now()
    rules = _active_rules()
    if lead_ids is not None:
        return _rescore_scope(_Scope(lead_ids=list(lead_ids)), rules, now)
    changed = 0
    bounds = Lead.objects.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is not None:
        for low in range(bounds["low"], bounds["high"] + 1, RESCORE_CHUNK):
            scope = _Scope(low=low, high=low + RESCORE_CHUNK)
            changed += _rescore_scope(scope, rules, now)
            if run is not None:
                done = Lead.objects.filter(scope.q("pk")).count()
                RescoreRun.objects.filter(pk=run.pk).update(done=min(run.done + done, run.total))
                run.done += done
    if run is not None:
        RescoreRun.objects.filter(pk=run.pk).update(done=run.total, finished_at=timezone.now())
    return changed


def lead_rescore(*, lead: Lead, now=None) -> Lead:
    """Rescore one lead (its conversation just ended); `lead.score` is the new total."""
    leads_rescore(lead_ids=[lead.pk], now=now)
    lead.score = Lead.objects.values_list("score", flat=True).get(pk=lead.pk)
    return lead
