"""Reads for the scoring page and a lead's score breakdown."""

from leads.models import Lead, LeadScoreItem, RescoreRun, ScoringRule


def lead_score_breakdown(*, lead: Lead) -> list[LeadScoreItem]:
    """Which rule gave how many points, why and when: biggest first, one query."""
    return list(
        LeadScoreItem.objects.filter(lead=lead).select_related("rule").order_by("-points", "pk")
    )


def rescore_latest() -> RescoreRun | None:
    return RescoreRun.objects.order_by("-created_at", "-pk").first()


def _settings_words(rule: ScoringRule) -> str:
    """A rule's params as a line of the scoring page ("words: CEO, PDG")."""
    parts = []
    for name, value in (rule.params or {}).items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{name}: {shown}")
    return "; ".join(parts)


def scoring_rule_list() -> list[ScoringRule]:
    """The workspace's rules in their order, each with `settings`, its params in words."""
    rules = list(ScoringRule.objects.order_by("position", "pk"))
    for rule in rules:
        rule.settings = _settings_words(rule)
    return rules
