# syntax=docker/dockerfile:1
# Parley's image: one image for every process (web, worker, beat, migrate); compose.yaml and
# README.md ("Production", "Docker") say which command each runs. Nothing secret is in it: every
# setting comes from the environment at run time.
#
#   docker build -t parley .
#   docker run --env-file .env -p 8000:8000 parley            # gunicorn on port 8000

# --- Build: the dependencies in a virtualenv, and the static files collected --------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
# The dependencies first, in a layer of their own that a code change does not rebuild. The
# project itself is installed for its dependencies only, then removed: the code runs from /app.
COPY pyproject.toml ./
RUN pip install . && pip uninstall --yes parley

COPY . .
# collectstatic needs the production settings to name whitenoise's compressed, hashed storage:
# a throwaway key and an address no one connects to, for this command only (RUN, not ENV, so
# neither stays in the image).
RUN DJANGO_DEBUG=false \
    DJANGO_SECRET_KEY=collectstatic-only-not-a-secret \
    DATABASE_URL=postgres://build@127.0.0.1:1/build \
    python manage.py collectstatic --noinput --verbosity 0

# --- Run ------------------------------------------------------------------------------------------
FROM python:3.11-slim AS run

# WEB_CONCURRENCY is gunicorn's own variable for its number of worker processes: one or two per
# core of the container (README, "Production").
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_DEBUG=false \
    MEDIA_ROOT=/app/var/media \
    WEB_CONCURRENCY=2

RUN groupadd --system --gid 10001 parley \
    && useradd --system --uid 10001 --gid parley --home-dir /app --shell /usr/sbin/nologin parley

COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --from=build --chown=root:root /src /app
# Uploaded files (one folder per workspace) are its only writes; beat keeps its schedule in /tmp.
RUN mkdir -p /app/var/media && chown -R parley:parley /app/var

# By number, so that a cluster's "run as non-root" check can tell without reading /etc/passwd.
USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/config/healthcheck.py"]

CMD ["gunicorn", "config.wsgi:application", "--bind=0.0.0.0:8000", "--access-logfile=-", \
     "--graceful-timeout=30", "--max-requests=2000", "--max-requests-jitter=200"]
