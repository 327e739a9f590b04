"""The Dockerfile and compose.yaml describe a production-like stack (web, worker, beat, a one-shot
migrate, PostgreSQL, Redis). No container engine runs in CI, so they are read here; .ci/run lints
the Dockerfile with hadolint as well."""

import re
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# Names of settings whose values are secrets.
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|API_KEY")
# A value compose takes from .env (or the shell) rather than from this file.
INTERPOLATED = re.compile(r"^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$")
APP_PROCESSES = ("migrate", "web", "worker", "beat")


def _compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def _services() -> dict:
    return _compose()["services"]


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_the_stack_has_every_process_and_the_servers_it_needs():
    services = _services()

    assert set(services) == {"postgres", "redis", *APP_PROCESSES}
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    for name in APP_PROCESSES:
        assert services[name]["build"] == "."
        assert services[name]["env_file"] == ".env"
    assert "celery -A config worker" in _command(services["worker"])
    assert "celery -A config beat" in _command(services["beat"])
    # web runs the image's own command: gunicorn
    assert "command" not in services["web"]


def test_long_running_servers_have_health_checks():
    services = _services()

    for name in ("postgres", "redis", "web", "worker"):
        assert services[name]["healthcheck"]["test"], name
    assert "/app/config/healthcheck.py" in services["web"]["healthcheck"]["test"]


def test_processes_start_once_the_servers_are_healthy_and_the_migration_succeeded():
    services = _services()
    servers_healthy = {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }

    assert services["migrate"]["depends_on"] == servers_healthy
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"] == {
            **servers_healthy,
            "migrate": {"condition": "service_completed_successfully"},
        }, name


def test_migrate_is_a_one_shot_migration_of_every_schema_in_parallel():
    migrate = _services()["migrate"]

    assert "manage.py migrate_schemas --executor=multiprocessing" in _command(migrate)
    assert migrate["restart"] == "no"


def test_data_lives_in_volumes():
    compose = _compose()
    services = compose["services"]

    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redis-data:/data" in services["redis"]["volumes"]
    assert "media:/app/var/media" in services["web"]["volumes"]
    assert {"postgres-data", "redis-data", "media"} <= set(compose["volumes"])


def test_no_secret_is_written_in_compose():
    for name, service in _services().items():
        for key, value in (service.get("environment") or {}).items():
            value = str(value)
            if SECRET_NAME.search(key):
                assert INTERPOLATED.match(value), f"{name}: {key} is written in compose.yaml"
            # A URL's password, if any, comes from .env too.
            written = re.sub(r"\$\{[^}]*\}", "${}", value)
            assert not re.search(r"://[^/@:]*:(?!\$\{\}@)[^@/]*@", written), (
                f"{name}: {key} holds a password"
            )


def test_the_example_environment_leaves_every_secret_empty():
    for line in (ROOT / ".env.example").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.partition("=")
        if SECRET_NAME.search(name):
            assert value == "", f"{name} has a value in .env.example"


def _dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_the_image_runs_as_a_user_that_is_not_root_with_a_health_check():
    dockerfile = _dockerfile()

    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*config/healthcheck\.py", dockerfile, re.MULTILINE)
    assert re.search(r'^CMD \["gunicorn", "config\.wsgi:application"', dockerfile, re.MULTILINE)
    assert all(base == "python:3.11-slim" for base in re.findall(r"^FROM (\S+)", dockerfile, re.M))


def test_the_image_keeps_no_secret():
    dockerfile = _dockerfile()

    declared = re.findall(r"^(?:ENV|ARG)\s+(.+?)(?<!\\)$", dockerfile, re.MULTILINE | re.DOTALL)
    names = re.findall(r"\b([A-Z][A-Z0-9_]*)=", " ".join(declared))
    assert [name for name in names if SECRET_NAME.search(name)] == []
    # .env (the real secrets) never reaches the build context.
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ".env" in ignored
