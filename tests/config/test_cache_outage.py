"""The cache (config/cache.py) when Redis fails: it answers as an empty cache that keeps nothing,
so rate limits fail open and a request goes on, logs a warning with the running count of
failures, and gives up quickly on a Redis that does not answer."""

import logging
import time

import pytest
from django.core.cache import caches
from django.test import RequestFactory
from django_ratelimit.core import is_ratelimited

from config.cache import cache_failure_count, redis_cache
from tests.outages import closed_port_url

# Two attempts (one immediate retry) of 0.5 s each, and room for a slow shared machine.
GIVES_UP_WITHIN_SECONDS = 1.5


@pytest.fixture
def cache_at(settings):
    def point(url):
        settings.CACHES = {"default": redis_cache(url)}  # resets Django's cache handlers
        return caches["default"]

    return point


def test_a_cache_that_is_down_answers_as_an_empty_cache(cache_at, caplog):
    cache = cache_at(closed_port_url())
    failures = cache_failure_count()

    with caplog.at_level(logging.WARNING, logger="config.cache"):
        cache.set("kept", 1)
        assert cache.get("kept", "default") == "default"
        assert cache.add("counter", 1) is True
        with pytest.raises(ValueError):
            cache.incr("counter")
        assert cache.get_many(["kept"]) == {}
        assert cache.has_key("kept") is False
        assert cache.delete("kept") is False

    assert cache_failure_count() == failures + 7
    assert len(caplog.records) == 7
    assert f"({failures + 7} cache failures in this process)" in caplog.records[-1].getMessage()


def test_rate_limits_fail_open_when_the_cache_is_down(cache_at):
    cache_at(closed_port_url())
    request = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1")

    limited = [
        is_ratelimited(request, group="test", key="ip", rate="1/m", increment=True)
        for _ in range(3)
    ]

    assert limited == [False, False, False]


def test_a_cache_that_never_answers_is_given_up_quickly(cache_at, silent_server_url):
    cache = cache_at(silent_server_url)

    started = time.perf_counter()
    assert cache.get("anything", "default") == "default"

    assert time.perf_counter() - started < GIVES_UP_WITHIN_SECONDS
