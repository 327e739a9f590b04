"""Reading a receiver's `Retry-After` (RFC 9110 §10.2.3): a number of seconds or an HTTP date.
What a receiver's server writes there is untrusted text: whatever it is, reading it gives
either nothing or a wait between zero and RETRY_AFTER_MAX, and never raises."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from webhooks.sending import RETRY_AFTER_MAX, retry_after_read

NOW = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)


def test_seconds():
    assert retry_after_read("120", now=NOW) == timedelta(seconds=120)
    assert retry_after_read(" 0 ", now=NOW) == timedelta(0)


def test_an_http_date_and_its_obsolete_forms():
    assert retry_after_read("Tue, 08 Dec 2026 03:30:00 GMT", now=NOW) == timedelta(minutes=90)
    assert retry_after_read("Tuesday, 08-Dec-26 03:30:00 GMT", now=NOW) == timedelta(minutes=90)
    assert retry_after_read("Tue Dec  8 03:30:00 2026", now=NOW) == timedelta(minutes=90)


def test_a_date_past_is_no_wait():
    assert retry_after_read("Tue, 08 Dec 2026 01:00:00 GMT", now=NOW) == timedelta(0)


def test_nothing_readable_is_nothing():
    for value in (None, "", "soon", "-5", "1.5", "1e3", "Tue, 32 Dec 2026 03:30:00 GMT"):
        assert retry_after_read(value, now=NOW) is None


def test_a_wait_past_the_maximum_is_the_maximum():
    assert retry_after_read("9" * 5000, now=NOW) == RETRY_AFTER_MAX
    assert retry_after_read("Fri, 31 Dec 9999 23:59:59 GMT", now=NOW) == RETRY_AFTER_MAX


@given(st.text())
def test_any_text_is_nothing_or_a_bounded_wait(value):
    wait = retry_after_read(value, now=NOW)

    assert wait is None or timedelta(0) <= wait <= RETRY_AFTER_MAX


@given(st.integers(min_value=0, max_value=10**40))
def test_any_number_of_seconds_is_that_wait_up_to_the_maximum(seconds):
    assert retry_after_read(str(seconds), now=NOW) == min(
        timedelta(seconds=min(seconds, 10**9)), RETRY_AFTER_MAX
    )
