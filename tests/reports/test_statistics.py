"""The statistics of the weight suggestions, against numbers worked out by hand."""

import math

import pytest

from reports.statistics import (
    MIN_DECIDED,
    log_odds_ratio,
    points_from_log_odds,
    rate_ratio,
    rule_evidence,
    shrunk,
    wilson_interval,
)


def test_wilson_interval_of_8_out_of_10():
    # p = 0.8, z = 1.96: centre (0.8 + 0.192) / 1.384 = 0.7168, half 0.2266.
    low, high = wilson_interval(8, 10)

    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_interval_stays_within_0_and_1():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(0, 10)[1] == pytest.approx(0.2775, abs=1e-4)
    assert wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_rate_ratio_and_its_log_interval():
    # 20 of 40 won with the rule, 10 of 60 without: 0.5 / 0.1667 = 3. The standard error of
    # its logarithm is sqrt(1/20 - 1/40 + 1/10 - 1/60) = 0.3291.
    ratio, low, high = rate_ratio(20, 40, 10, 60)

    assert ratio == pytest.approx(3.0)
    assert low == pytest.approx(3.0 / math.exp(1.959964 * 0.329140), rel=1e-5)
    assert high == pytest.approx(3.0 * math.exp(1.959964 * 0.329140), rel=1e-5)
    assert (low, high) == (pytest.approx(1.5738, abs=1e-4), pytest.approx(5.7186, abs=1e-4))


def test_a_zero_count_is_corrected_rather_than_infinite():
    # 0 won of 10 with the rule: 0.5 added to every count, 0.5/10.5 against 5.5/20.5.
    ratio, low, high = rate_ratio(0, 10, 5, 20)

    assert ratio == pytest.approx((0.5 / 10.5) / (5.5 / 20.5))
    assert 0 < low < ratio < high


def test_log_odds_ratio_and_its_standard_error():
    # Odds 20:20 with the rule against 10:50 without: ratio 5; se sqrt(1/20+1/20+1/10+1/50).
    estimate, se = log_odds_ratio(20, 40, 10, 60)

    assert estimate == pytest.approx(math.log(5))
    assert se == pytest.approx(math.sqrt(0.22))


def test_shrinking_pulls_a_noisy_estimate_further_towards_zero():
    assert shrunk(1.6094, math.sqrt(0.22)) == pytest.approx(1.6094 / 1.22)
    assert shrunk(1.0, 3.0) == pytest.approx(0.1)
    assert shrunk(1.0, 0.0) == 1.0


def test_points_are_20_for_each_doubling_of_the_odds_and_bounded():
    assert points_from_log_odds(math.log(2)) == 20
    assert points_from_log_odds(math.log(4)) == 40
    assert points_from_log_odds(-math.log(2)) == -20
    assert points_from_log_odds(0.0) == 0
    assert points_from_log_odds(100.0) == 1000
    assert points_from_log_odds(-100.0) == -1000


def test_rule_evidence_with_enough_data_suggests_points():
    evidence = rule_evidence(20, 40, 10, 60)

    assert evidence.enough
    assert (evidence.rate_with, evidence.rate_without) == (0.5, pytest.approx(1 / 6))
    assert evidence.lift == pytest.approx(3.0)
    assert evidence.clear
    # log 5 shrunk to 1.3192, times 20 / log 2 = 38.07.
    assert evidence.log_odds_shrunk == pytest.approx(1.3192, abs=1e-4)
    assert evidence.suggested_points == 38


def test_a_rule_that_changes_nothing_is_not_clear_and_gets_no_points():
    evidence = rule_evidence(10, 20, 10, 20)

    assert evidence.lift == pytest.approx(1.0)
    assert not evidence.clear
    assert evidence.suggested_points == 0


def test_too_few_decided_leads_is_said_with_the_count():
    evidence = rule_evidence(5, 10, 5, MIN_DECIDED - 11)

    assert not evidence.enough
    assert evidence.suggested_points is None
    assert evidence.shortfall == "Too little data: 29 decided leads, 30 needed."


def test_too_few_leads_on_one_side_is_said_with_both_counts():
    evidence = rule_evidence(3, 4, 10, 40)

    assert not evidence.enough
    assert evidence.shortfall == (
        "Too little data: 4 decided leads with the rule's points and 40 without; at least 5 in "
        "each needed."
    )
