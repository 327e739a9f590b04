"""The speed-to-lead timer (leads/sla.py), read from the lead's own columns."""

from datetime import datetime, timedelta

import pytest

from leads.models import Band, Lead
from leads.sla import TimerState, duration_words, lead_timer

ENTERED = datetime(2026, 11, 24, 9, 0, tzinfo=datetime.now().astimezone().tzinfo)
HOUR = timedelta(hours=1)


def lead(band=Band.HOT, due=ENTERED + HOUR, contacted=None) -> Lead:
    # Not saved: the timer reads columns only.
    return Lead(band=band, band_since=ENTERED, sla_due_at=due, first_contacted_at=contacted)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(-5, "0 s"), (45, "45 s"), (12 * 60, "12 min"), (125 * 60, "2 h 05"), (76 * 3600, "3 d 4 h")],
)
def test_waits_read_as_sales_say_them(seconds, words):
    assert duration_words(timedelta(seconds=seconds)) == words


def test_a_hot_lead_not_called_yet_counts_down_to_its_deadline():
    timer = lead_timer(lead(), now=ENTERED + timedelta(minutes=23))

    assert (timer.state, timer.text, timer.overdue) == (TimerState.WAITING, "due in 37 min", False)


def test_past_the_deadline_the_lead_is_overdue():
    timer = lead_timer(lead(), now=ENTERED + timedelta(minutes=95))

    assert (timer.state, timer.text, timer.overdue) == (
        TimerState.OVERDUE,
        "overdue by 35 min",
        True,
    )


def test_a_call_within_the_delay_meets_the_service_level_and_stops_the_timer():
    timer = lead_timer(lead(contacted=ENTERED + timedelta(minutes=12)), now=ENTERED + 5 * HOUR)

    assert (timer.state, timer.text) == (TimerState.MET, "called after 12 min")
    assert timer.waited == timedelta(minutes=12)


def test_a_late_call_is_told_apart():
    timer = lead_timer(lead(contacted=ENTERED + 2 * HOUR), now=ENTERED + 5 * HOUR)

    assert (timer.state, timer.text) == (TimerState.LATE, "called after 2 h 00")


def test_an_automated_lead_has_no_deadline_and_is_never_overdue():
    timer = lead_timer(lead(band=Band.AUTOMATED, due=None), now=ENTERED + 30 * HOUR)

    assert (timer.state, timer.text) == (TimerState.NONE, "no call planned · waiting 1 d 6 h")
    assert not timer.overdue
