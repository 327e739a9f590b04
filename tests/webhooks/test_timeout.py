"""How long an attempt waits for the receiver: WEBHOOKS_TIMEOUT_SECONDS, 15 s by default, the
low end of what Standard Webhooks recommends (15 to 30 s), so that a receiver doing its work
before it answers has the time to. A receiver still silent after it is a failure, retried."""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from webhooks.models import DeliveryStatus

pytestmark = pytest.mark.django_db


def test_the_timeout_is_at_least_15_seconds_by_default_and_in_the_example_environment():
    assert "WEBHOOKS_TIMEOUT_SECONDS" not in os.environ  # so the value below is the default
    assert django_settings.WEBHOOKS_TIMEOUT_SECONDS >= 15
    example = (Path(django_settings.BASE_DIR) / ".env.example").read_text()
    [value] = re.findall(r"^WEBHOOKS_TIMEOUT_SECONDS=(\S+)$", example, re.MULTILINE)
    assert float(value) >= 15


def test_a_receiver_silent_past_the_timeout_is_a_failure_retried(
    settings, receiver, endpoint, emit, attempts
):
    # The setting is what the socket waits for: shortened so that the test does not wait 15 s.
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    receiver.holding = True

    emit()

    first = attempts()[0]
    assert first.status == DeliveryStatus.FAILED
    assert first.response_code is None
    assert first.error == "No answer within 0.3 s."
    assert 300 <= first.duration_ms < 5000
    assert first.next_attempt_at is not None
