"""Writes about the scoring rules: each change queues a rescore of every lead of the workspace,
once the change is committed, and the rescore tells integrators once it is done."""

from django.db import transaction

from leads.models import Lead, RescoreRun, RuleChange, ScoringRule
from leads.prioritization import leads_priority_refresh
from leads.scoring.rescore import leads_rescore
from tenants.transactions import task_queue_on_commit
from webhooks.payloads import scoring_rule_payload
from webhooks.services import leads_rescored_webhook_queue


def rescore_queue(*, action: str, rules: list[ScoringRule]) -> RescoreRun:
    """Record a rescore of every lead, with the change to `rules` that calls for it (they are
    read now, so a deleted rule is still named), and queue it after commit; the scoring page
    shows its progress from the run."""
    from leads.tasks import leads_rescore_task  # leads.tasks imports the services

    run = RescoreRun.objects.create(
        total=Lead.objects.count(),
        change={"action": action, "rules": [scoring_rule_payload(rule) for rule in rules]},
    )
    task_queue_on_commit(leads_rescore_task, run.pk)
    return run


def rescore_run_apply(*, run: RescoreRun) -> int:
    """Rescore every lead for the run, move each in the call queue, then tell integrators in
    one `leads.rescored` event rather than one per lead. Returns how many visible leads'
    scores changed."""
    scores_changed = leads_rescore(run=run)
    leads_priority_refresh()
    leads_rescored_webhook_queue(run_id=run.pk, scores_changed=scores_changed)
    return scores_changed


@transaction.atomic
def scoring_rule_save(*, rule: ScoringRule) -> ScoringRule:
    created = rule.pk is None
    if created:
        last = ScoringRule.objects.order_by("-position").values_list("position", flat=True)
        rule.position = (last.first() or 0) + 1
    rule.save()
    rescore_queue(action=RuleChange.CREATED if created else RuleChange.UPDATED, rules=[rule])
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
        rescore_queue(action=RuleChange.UPDATED, rules=rules)
    return rules


@transaction.atomic
def scoring_rule_toggle(*, rule: ScoringRule) -> ScoringRule:
    rule.active = not rule.active
    rule.save(update_fields=["active"])
    rescore_queue(
        action=RuleChange.TURNED_ON if rule.active else RuleChange.TURNED_OFF, rules=[rule]
    )
    return rule


@transaction.atomic
def scoring_rule_delete(*, rule: ScoringRule) -> None:
    rescore_queue(action=RuleChange.DELETED, rules=[rule])  # named before it is gone
    rule.delete()
