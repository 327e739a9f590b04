"""Settings for bench/turn.py's server: Parley's own, plus a bare endpoint to compare with and
no rate limits (the bench is one address sending far more than any visitor)."""

from config.settings import *  # noqa: F403

WHITENOISE_AUTOREFRESH = True  # no collectstatic for a bench run

ROOT_URLCONF = "bench.bench_urls"
RATELIMIT_ENABLE = False
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
LOGGING = {"version": 1, "disable_existing_loggers": True}

# bench/load.py gives its server and worker a queue of their own, so a run neither takes nor
# leaves anything in the queue another process of the same Redis database uses.
CELERY_TASK_DEFAULT_QUEUE = env.str("PARLEY_BENCH_QUEUE", default="celery")  # noqa: F405
