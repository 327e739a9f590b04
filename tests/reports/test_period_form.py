"""The period of a report: the last 7, 30 or 90 days (today included) or chosen days; bad input
gets an error on its field and the default period."""

from datetime import date

import pytest

from reports.forms import PeriodForm, period_last_days

TODAY = date(2026, 3, 31)


def period_of(data):
    form = PeriodForm(data)
    return form.chosen_period(today=TODAY), form.errors


def test_no_input_is_the_last_30_days():
    period, errors = period_of({})

    assert (period.first_day, period.last_day, period.days) == (date(2026, 3, 2), TODAY, 30)
    assert not errors


@pytest.mark.parametrize("days", [7, 30, 90])
def test_the_last_days_include_today(days):
    period, errors = period_of({"period": str(days)})

    assert period == period_last_days(days, TODAY)
    assert period.days == days
    assert not errors


def test_chosen_days_are_both_included():
    period, errors = period_of({"period": "custom", "start": "2026-01-01", "end": "2026-01-31"})

    assert (period.first_day, period.last_day, period.days) == (
        date(2026, 1, 1),
        date(2026, 1, 31),
        31,
    )
    assert period.end.date() == date(2026, 2, 1)
    assert not errors


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"period": "365"}, "period", "Choose the last 7, 30 or 90 days, or dates."),
        (
            {"period": "custom", "start": "2026-13-01", "end": "2026-01-31"},
            "start",
            "Give the first day as YYYY-MM-DD.",
        ),
        ({"period": "custom", "end": "2026-01-31"}, "start", "Give the first day of the period."),
        ({"period": "custom", "start": "2026-01-01"}, "end", "Give the last day of the period."),
        (
            {"period": "custom", "start": "2026-02-01", "end": "2026-01-01"},
            "end",
            "The last day is before the first.",
        ),
        (
            {"period": "custom", "start": "2020-01-01", "end": "2026-01-01"},
            "end",
            "A report covers 731 days at most.",
        ),
        (
            {"period": "custom", "start": "9999-12-30", "end": "9999-12-31"},
            "end",
            "Give a last day before 31 December 9999.",
        ),
    ],
)
def test_bad_input_gets_an_error_and_the_default_period(data, field, message):
    period, errors = period_of(data)

    assert errors[field] == [message]
    assert period == period_last_days(30, TODAY)
