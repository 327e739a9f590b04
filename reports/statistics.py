"""The statistics behind the weight suggestions, as plain functions of counts (no database),
so that each is checked against numbers worked out by hand.

For a scoring rule, the decided leads (won or lost) split in two groups: those the rule gave
points ("with") and the others ("without"). From the four counts come the win rate of each
group with its Wilson interval, the lift (the ratio of the two win rates) with its log-ratio
interval, and the rule's effect on the odds of winning, shrunk towards none when the data is
thin, which becomes a suggested number of points.
"""

import math
from dataclasses import dataclass

# 95 % intervals.
Z_95 = 1.959963984540054

# Below these counts the suggestion says "too little data" instead of a number: with fewer
# than 30 decided leads any rate swings by tens of points from one deal to the next, and a
# group of fewer than 5 leads has no rate worth comparing.
MIN_DECIDED = 30
MIN_GROUP = 5

# How points map to odds, as credit scorecards do ("points to double the odds"): a rule whose
# leads win at twice the odds of the others is worth this many points. 20 keeps suggestions on
# the scale of the seed rules (+10 to +20).
POINTS_TO_DOUBLE_ODDS = 20

# The prior belief that a rule does nothing, as a normal distribution of its log odds ratio
# with this standard deviation: an effect measured on few leads (a wide standard error) is
# pulled towards 0, one measured on many is left nearly as measured. It is the one-rule case of
# a ridge-regularized logistic regression.
PRIOR_SD = 1.0

# As the rule form allows (leads/scoring/forms.py).
POINTS_BOUND = 1000


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion: unlike p ± z·se it stays within [0, 1] and
    is sound for small counts and rates near 0 or 1. (0, 1) when there is no trial."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z / (1 + z2 / trials) * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return max(0.0, centre - half), min(1.0, centre + half)


def _corrected(*counts: int) -> tuple[float, ...]:
    """The counts with 0.5 added to each when one is 0 (Haldane-Anscombe), so that ratios
    and their logarithms stay finite."""
    if any(count == 0 for count in counts):
        return tuple(count + 0.5 for count in counts)
    return tuple(float(count) for count in counts)


def rate_ratio(
    won_with: int, n_with: int, won_without: int, n_without: int, z: float = Z_95
) -> tuple[float, float, float]:
    """The lift: win rate with the rule over win rate without, and its interval from the
    standard error of its logarithm (Katz). None of the groups may be empty."""
    a, n1, c, n2 = _corrected(won_with, n_with, won_without, n_without)
    ratio = (a / n1) / (c / n2)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return ratio, ratio * math.exp(-z * se), ratio * math.exp(z * se)


def log_odds_ratio(
    won_with: int, n_with: int, won_without: int, n_without: int
) -> tuple[float, float]:
    """The logarithm of the odds ratio of winning with the rule against without, and its
    standard error (Woolf)."""
    a, b, c, d = _corrected(won_with, n_with - won_with, won_without, n_without - won_without)
    return math.log((a * d) / (b * c)), math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)


def shrunk(estimate: float, se: float, prior_sd: float = PRIOR_SD) -> float:
    """The estimate pulled towards 0 by a normal prior centred on 0: the posterior mean,
    estimate * prior variance / (prior variance + the estimate's variance)."""
    prior = prior_sd * prior_sd
    return estimate * prior / (prior + se * se)


def points_from_log_odds(log_odds: float) -> int:
    """Points worth an effect on the log odds, POINTS_TO_DOUBLE_ODDS per doubling, bounded as
    a rule's points are."""
    points = round(POINTS_TO_DOUBLE_ODDS * log_odds / math.log(2))
    return max(-POINTS_BOUND, min(POINTS_BOUND, points))


@dataclass(frozen=True)
class RuleEvidence:
    """What the decided leads say about one rule."""

    won_with: int
    n_with: int
    won_without: int
    n_without: int
    enough: bool
    # When not enough: why, in words.
    shortfall: str = ""
    rate_with: float | None = None
    rate_with_interval: tuple[float, float] | None = None
    rate_without: float | None = None
    rate_without_interval: tuple[float, float] | None = None
    lift: float | None = None
    lift_interval: tuple[float, float] | None = None
    # The measured effect on the log odds, and the same shrunk towards none.
    log_odds: float | None = None
    log_odds_shrunk: float | None = None
    suggested_points: int | None = None

    @property
    def decided(self) -> int:
        return self.n_with + self.n_without

    @property
    def clear(self) -> bool:
        """Whether the lift's interval leaves out 1: the data tells the rule from no effect."""
        if self.lift_interval is None:
            return False
        low, high = self.lift_interval
        return low > 1 or high < 1


def rule_evidence(won_with: int, n_with: int, won_without: int, n_without: int) -> RuleEvidence:
    counts = {
        "won_with": won_with,
        "n_with": n_with,
        "won_without": won_without,
        "n_without": n_without,
    }
    decided = n_with + n_without
    if decided < MIN_DECIDED:
        shortfall = f"Too little data: {decided} decided lead{'s' if decided != 1 else ''}, "
        return RuleEvidence(**counts, enough=False, shortfall=shortfall + f"{MIN_DECIDED} needed.")
    if min(n_with, n_without) < MIN_GROUP:
        shortfall = (
            f"Too little data: {n_with} decided lead{'s' if n_with != 1 else ''} with the "
            f"rule's points and {n_without} without; at least {MIN_GROUP} in each needed."
        )
        return RuleEvidence(**counts, enough=False, shortfall=shortfall)
    lift, low, high = rate_ratio(won_with, n_with, won_without, n_without)
    log_odds, se = log_odds_ratio(won_with, n_with, won_without, n_without)
    log_odds_shrunk = shrunk(log_odds, se)
    return RuleEvidence(
        **counts,
        enough=True,
        rate_with=won_with / n_with,
        rate_with_interval=wilson_interval(won_with, n_with),
        rate_without=won_without / n_without,
        rate_without_interval=wilson_interval(won_without, n_without),
        lift=lift,
        lift_interval=(low, high),
        log_odds=log_odds,
        log_odds_shrunk=log_odds_shrunk,
        suggested_points=points_from_log_odds(log_odds_shrunk),
    )
