"""A receiver that asks to be left alone for a while (`Retry-After`, in seconds or as an HTTP
date, on a 429 Too Many Requests or a 503 Service Unavailable) gets its next attempt no earlier
than it asked, and no earlier than the schedule says; a wait longer than RETRY_AFTER_MAX is cut
to it. The schedule is read from the stored attempts, the retries being run at once."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.http import http_date

from webhooks.deliveries import RETRY_DELAYS
from webhooks.models import DeliveryStatus
from webhooks.sending import RETRY_AFTER_MAX

pytestmark = pytest.mark.django_db

# What separates the moment an attempt is claimed from the moment its answer is recorded.
LATENCY = timedelta(seconds=2)


def _waited(failed, retry) -> timedelta:
    assert failed.next_attempt_at == retry.scheduled_at
    return retry.scheduled_at - failed.attempted_at


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_in_seconds_sets_the_next_attempt(status, receiver, endpoint, emit, attempts):
    receiver.answer(status, headers={"Retry-After": "120"})

    emit()

    first, second = attempts()
    assert first.response_code == status
    waited = _waited(first, second)
    assert timedelta(seconds=120) <= waited < timedelta(seconds=120) + LATENCY
    assert second.status == DeliveryStatus.SUCCEEDED


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_as_an_http_date_sets_the_next_attempt(
    status, receiver, endpoint, emit, attempts
):
    back_at = (timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    receiver.answer(status, headers={"Retry-After": http_date(back_at.timestamp())})

    emit()

    _first, second = attempts()
    assert back_at <= second.scheduled_at < back_at + LATENCY


def test_a_wait_shorter_than_the_schedule_keeps_the_schedule(receiver, endpoint, emit, attempts):
    receiver.answer(500)
    receiver.answer(429, headers={"Retry-After": "1"})

    emit()

    _first, second, third = attempts()
    waited = _waited(second, third)
    assert RETRY_DELAYS[2] <= waited < RETRY_DELAYS[2] + LATENCY


def test_a_wait_longer_than_the_maximum_is_cut_to_it(receiver, endpoint, emit, attempts):
    receiver.answer(503, headers={"Retry-After": str(400 * 24 * 3600)})

    emit()

    first, second = attempts()
    waited = _waited(first, second)
    assert RETRY_AFTER_MAX <= waited < RETRY_AFTER_MAX + LATENCY


@pytest.mark.parametrize(
    "value",
    ["soon", "-30", "1.5", "", "Wed, 31 Feb 2024 25:00:00 GMT", "Mon, 01 Jan 2001 0:0:0 GMT"],
)
def test_an_unreadable_or_past_retry_after_keeps_the_schedule(
    value, receiver, endpoint, emit, attempts
):
    receiver.answer(429, headers={"Retry-After": value})

    emit()

    first, second = attempts()
    waited = _waited(first, second)
    assert RETRY_DELAYS[1] <= waited < RETRY_DELAYS[1] + LATENCY


def test_the_wait_asked_shows_in_the_log(receiver, endpoint, emit, attempts):
    receiver.answer(429, headers={"Retry-After": "120"})

    emit()

    assert "Retry-After" in attempts()[0].error
