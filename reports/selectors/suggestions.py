"""Weight suggestions: what the won and lost leads say about each active scoring rule (its
lift and a suggested number of points, reports/statistics.py), and how the call queue would
look with the suggested points, computed without writing anything.

The suggestions use every decided lead the workspace has (won or lost, hidden leads left out),
whatever the period: rules are judged on all the evidence there is.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Round

from leads.models import Lead, LeadScoreItem, Outcome, ScoringRule
from leads.prioritization import lead_priority_expression
from reports.statistics import RuleEvidence, rule_evidence

LEADS = Lead._meta.db_table
ITEMS = LeadScoreItem._meta.db_table

# The head of the call queue shown before and after.
QUEUE_HEAD = 20


@dataclass(frozen=True)
class RuleSuggestion:
    rule: ScoringRule
    evidence: RuleEvidence

    @property
    def suggested_points(self) -> int | None:
        return self.evidence.suggested_points

    @property
    def changes_points(self) -> bool:
        return self.evidence.enough and self.evidence.suggested_points != self.rule.points


def _decided_counts() -> tuple[int, int, dict[int, tuple[int, int]]]:
    """(decided leads, won among them, {rule id: (decided with its points, won among them)}).
    One query."""
    # Only table names are formatted in; every value is a parameter.
    sql = f"""
        WITH decided AS (
            SELECT id, outcome = %s AS won FROM {LEADS}
            WHERE outcome IN (%s, %s) AND NOT over_quota
        )
        SELECT NULL, COUNT(*), COUNT(*) FILTER (WHERE won) FROM decided
        UNION ALL
        SELECT i.rule_id, COUNT(*), COUNT(*) FILTER (WHERE d.won)
        FROM {ITEMS} i JOIN decided d ON d.id = i.lead_id
        GROUP BY i.rule_id
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [Outcome.WON, Outcome.WON, Outcome.LOST])
        rows = cursor.fetchall()
    decided = won = 0
    by_rule = {}
    for rule_id, count, won_count in rows:
        if rule_id is None:
            decided, won = count, won_count
        else:
            by_rule[rule_id] = (count, won_count)
    return decided, won, by_rule


def rule_suggestions() -> list[RuleSuggestion]:
    """Each active rule, in the scoring page's order, with its evidence. Two queries."""
    rules = list(ScoringRule.objects.filter(active=True).order_by("position", "pk"))
    decided, won, by_rule = _decided_counts()
    suggestions = []
    for rule in rules:
        n_with, won_with = by_rule.get(rule.pk, (0, 0))
        evidence = rule_evidence(won_with, n_with, won - won_with, decided - n_with)
        suggestions.append(RuleSuggestion(rule, evidence))
    return suggestions


# --- The queue, before and after ------------------------------------------------------------


@dataclass(frozen=True)
class QueueLead:
    id: int
    name: str
    company: str
    band: str
    score: int
    new_score: int
    # Its place in the head of the queue before (None when it was not in it), and after.
    rank_before: int | None
    rank_after: int

    @property
    def moved(self) -> int | None:
        """Places gained (positive) or lost; None for a lead new to the head."""
        return None if self.rank_before is None else self.rank_before - self.rank_after


@dataclass(frozen=True)
class QueuePreview:
    before: list[QueueLead]
    after: list[QueueLead]
    # Leads whose score the new points change (every lead a changed rule gave points).
    rescored: int
    # Leads that would change band: always 0, since bands depend on status and urgency only
    # (leads/prioritization.py); said on the page rather than assumed.
    band_changes: int = 0


_QUEUE_FIELDS = ("id", "full_name", "email", "company", "band", "score", "priority")


def _new_score_delta(changes: dict[int, tuple[int, int]]):
    """What a lead's score gains with the new points: each item of a changed rule scaled by
    new / old points (a decayed item keeps its share of the rule's points)."""
    scaled = Case(
        *(
            When(
                rule_id=rule_id,
                then=Cast(Round(F("points") * Value(new / old)), IntegerField()) - F("points"),
            )
            for rule_id, (old, new) in changes.items()
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    items = LeadScoreItem.objects.filter(lead=OuterRef("pk"), rule_id__in=list(changes))
    return Subquery(items.values("lead").annotate(delta=Sum(scaled)).values("delta")[:1])


def queue_preview(*, changes: dict[int, tuple[int, int]], weight: str) -> QueuePreview:
    """The head of the call queue now, and as it would be with rules' points changed
    ({rule id: (old points, new points)}; old points are never 0, a rule of 0 points having
    given no lead anything). Four queries, whatever the number of leads: the leads no changed
    rule touches keep their priority and are read from the queue's index; only the others get
    a new priority, computed in the database."""
    visible = Lead.objects.filter(over_quota=False)
    before = list(visible.order_by("-priority", "-id").values(*_QUEUE_FIELDS)[:QUEUE_HEAD])
    touched = Exists(LeadScoreItem.objects.filter(lead=OuterRef("pk"), rule_id__in=list(changes)))
    unchanged = list(
        visible.filter(~touched).order_by("-priority", "-id").values(*_QUEUE_FIELDS)[:QUEUE_HEAD]
    )
    new_score = F("score") + Coalesce(_new_score_delta(changes), Value(0))
    changed = list(
        visible.filter(touched)
        .annotate(new_score=new_score)
        .annotate(new_priority=lead_priority_expression(weight=weight, score=F("new_score")))
        .order_by("-new_priority", "-id")
        .values(*_QUEUE_FIELDS, "new_score", "new_priority")[:QUEUE_HEAD]
    )
    rescored = visible.filter(touched).count()
    for row in unchanged:
        row["new_score"], row["new_priority"] = row["score"], row["priority"]
    after = sorted(unchanged + changed, key=lambda r: (r["new_priority"], r["id"]), reverse=True)
    ranks = {row["id"]: rank for rank, row in enumerate(before, 1)}
    return QueuePreview(
        before=[
            _queue_lead(row, rank, rank, score=row["score"]) for rank, row in enumerate(before, 1)
        ],
        after=[
            _queue_lead(row, ranks.get(row["id"]), rank, score=row["new_score"])
            for rank, row in enumerate(after[:QUEUE_HEAD], 1)
        ],
        rescored=rescored,
    )


def _queue_lead(row: dict, rank_before, rank_after, *, score) -> QueueLead:
    return QueueLead(
        id=row["id"],
        name=row["full_name"] or row["email"] or f"Lead {row['id']}",
        company=row["company"],
        band=row["band"],
        score=row["score"],
        new_score=score,
        rank_before=rank_before,
        rank_after=rank_after,
    )
