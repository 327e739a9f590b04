"""Production is configured by the environment alone: with the variables README.md lists,
Django's deployment checks pass; without a secret key, Parley refuses to start."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

# Importing settings starts nothing slow here (DATABASE_URL is set, no check touches the
# database), so a minute is only an upper bound for a loaded machine.
COMMAND_TIMEOUT_SECONDS = 60


def _production_env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="parley.example.com",
        # The test run's own database: the checks never connect, but without DATABASE_URL the
        # settings would start the embedded PostgreSQL meant for laptops.
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://parley@127.0.0.1:5432/parley"),
    )
    env.update(overrides)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_SECONDS,
        check=False,
    )


def test_deploy_check_passes_with_production_environment():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


def test_without_a_secret_key_production_refuses_to_start():
    env = _production_env()
    del env["DJANGO_SECRET_KEY"]

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr
