"""The cache (settings.CACHES): Redis, and when Redis fails, no cache at all rather than an error.

Everything Parley keeps in the cache may be lost: rate-limit counters (django-ratelimit, DRF's
throttle) and Idempotency-Key records (config/api.py). So a Redis that is down, restarting or too
slow answers as an empty cache that keeps nothing, like Django's DummyCache, and the request goes
on: rate limits fail open, an Idempotency-Key is not remembered. Each failure is logged as a
warning with the count of failures of the process so far, which is the metric to alert on."""

import logging
import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

logger = logging.getLogger(__name__)

# A cache call costs well under a millisecond; one that takes this long is given up, so a Redis
# that stopped answering (not refusing: a lost host, a full network) cannot hold a request.
SOCKET_TIMEOUT_SECONDS = 0.5
# redis-py retries three times with back-off by default (about 0.7 s per call against a closed
# port, several calls per request); one immediate retry still replaces a connection Redis
# dropped (a restart) and gives up at once when it is down.
RETRY = Retry(NoBackoff(), 1)


class _Failures:
    count = 0
    lock = threading.Lock()

    @classmethod
    def record(cls, operation: str, error: RedisError) -> None:
        with cls.lock:
            cls.count += 1
            count = cls.count
        logger.warning(
            "Cache unavailable, %s answered as a miss (%d cache failures in this process): %r",
            operation,
            count,
            error,
        )


def cache_failure_count() -> int:
    """How many cache calls of this process failed and were answered as misses."""
    return _Failures.count


class _DegradingClient(RedisCacheClient):
    """Django's Redis client, each call answering as DummyCache would when Redis fails."""

    def add(self, key, value, timeout):
        try:
            return super().add(key, value, timeout)
        except RedisError as error:
            _Failures.record("add", error)
            return True

    def get(self, key, default):
        try:
            return super().get(key, default)
        except RedisError as error:
            _Failures.record("get", error)
            return default

    def set(self, key, value, timeout):
        try:
            super().set(key, value, timeout)
        except RedisError as error:
            _Failures.record("set", error)

    def touch(self, key, timeout):
        try:
            return super().touch(key, timeout)
        except RedisError as error:
            _Failures.record("touch", error)
            return False

    def delete(self, key):
        try:
            return super().delete(key)
        except RedisError as error:
            _Failures.record("delete", error)
            return False

    def get_many(self, keys):
        try:
            return super().get_many(keys)
        except RedisError as error:
            _Failures.record("get_many", error)
            return {}

    def has_key(self, key):
        try:
            return super().has_key(key)
        except RedisError as error:
            _Failures.record("has_key", error)
            return False

    def incr(self, key, delta):
        try:
            return super().incr(key, delta)
        except RedisError as error:
            _Failures.record("incr", error)
            raise ValueError(f"Key '{key}' not found (the cache is unavailable)") from error

    def set_many(self, data, timeout):
        try:
            super().set_many(data, timeout)
        except RedisError as error:
            _Failures.record("set_many", error)

    def delete_many(self, keys):
        try:
            super().delete_many(keys)
        except RedisError as error:
            _Failures.record("delete_many", error)

    def clear(self):
        try:
            return super().clear()
        except RedisError as error:
            _Failures.record("clear", error)
            return False


class DegradingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _DegradingClient
        self._options = {
            "socket_connect_timeout": SOCKET_TIMEOUT_SECONDS,
            "socket_timeout": SOCKET_TIMEOUT_SECONDS,
            "retry": RETRY,
            **self._options,
        }


def redis_cache(location: str) -> dict:
    # Cache keys carry the schema name, so one workspace can never read another's cached values.
    return {
        "BACKEND": "config.cache.DegradingRedisCache",
        "LOCATION": location,
        "KEY_FUNCTION": "django_tenants.cache.make_key",
    }
