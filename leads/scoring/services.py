"""Writes about the scoring rules: each change queues a rescore of every lead of the workspace,
once the change is committed."""

from django.db import transaction

from leads.models import Lead, RescoreRun, ScoringRule
from tenants.transactions import on_commit_in_current_schema


def rescore_queue() -> RescoreRun:
    """Record a rescore of every lead and queue it after commit; the scoring page shows its
    progress from the run."""
    from leads.tasks import leads_rescore_task  # leads.tasks imports the services

    run = RescoreRun.objects.create(total=Lead.objects.count())
    on_commit_in_current_schema(lambda: leads_rescore_task.delay(run.pk), robust=True)
    return run


@transaction.atomic
def scoring_rule_save(*, rule: ScoringRule) -> ScoringRule:
    if rule.pk is None:
        last = ScoringRule.objects.order_by("-position").values_list("position", flat=True)
        rule.position = (last.first() or 0) + 1
    rule.save()
    rescore_queue()
    return rule


@transaction.atomic
def scoring_rules_points_set(*, points: dict[int, int]) -> list[ScoringRule]:
    """Give rules new points (rule id → points), with one rescore for them all; ids the
    workspace does not hold are ignored. Returns the rules changed."""
    rules = list(ScoringRule.objects.select_for_update().filter(pk__in=list(points)))
    for rule in rules:
        rule.points = points[rule.pk]
        rule.save(update_fields=["points"])
    if rules:
        rescore_queue()
    return rules


@transaction.atomic
def scoring_rule_toggle(*, rule: ScoringRule) -> ScoringRule:
    rule.active = not rule.active
    rule.save(update_fields=["active"])
    rescore_queue()
    return rule


@transaction.atomic
def scoring_rule_delete(*, rule: ScoringRule) -> None:
    rule.delete()
    rescore_queue()
