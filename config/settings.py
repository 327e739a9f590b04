"""Parley's one settings module, configured by environment variables.

Defaults run on a laptop (DEBUG on, an embedded PostgreSQL, tasks in-process); production sets
DJANGO_DEBUG=false and the variables listed in README.md, and `manage.py check --deploy` holds.
"""

from pathlib import Path

import environ

from config.cache import redis_cache

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# A development key is only acceptable while DEBUG is on: production must provide its own.
if DEBUG:
    SECRET_KEY = env.str(
        "DJANGO_SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production"
    )
else:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY")
# Former keys, while a new one takes over: sessions, reset links and the erasure records' hashes
# (leads/privacy/erasure.py) made with them still check.
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Workspaces may also be reached on "<slug>.<PARLEY_WORKSPACE_DOMAIN>" (e.g. acme.parley.app)
# or on a custom domain; without it, the path prefix /w/<slug>/ is the only way in.
PARLEY_WORKSPACE_DOMAIN = env.str("PARLEY_WORKSPACE_DOMAIN", default="")
PARLEY_BASE_URL = env.str("PARLEY_BASE_URL", default="http://localhost:8000")

# --- Applications ---------------------------------------------------------------------------

SHARED_APPS = [
    # `tenants` first, then django_tenants: their `migrate` commands take precedence, in order.
    "tenants",
    "django_tenants",
    "billing",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    # Swagger UI and Redoc for /api/v1/docs/ and /api/v1/redoc/, served as our static files
    # (no CDN: the pages work offline and load nothing from a third party).
    "drf_spectacular_sidecar",
]

TENANT_APPS = [
    "django.contrib.contenttypes",
    "forms_builder",
    "leads",
    "webhooks",
    "exports",
    "reports",
]

INSTALLED_APPS = list(SHARED_APPS) + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Workspace"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"

# New workspaces are cloned from this schema, which `migrate_schemas` keeps migrated, instead of
# running every migration for every signup (see tenants/management/commands/migrate_schemas.py).
TENANT_BASE_SCHEMA = "workspace_template"
# Schemas cloned from the template ahead of time: signup renames one instead of cloning (about
# 0.15 s) and a Celery task clones a replacement (tenants/spares.py). 0 turns the pool off.
WORKSPACE_SPARE_SCHEMAS = env.int("WORKSPACE_SPARE_SCHEMAS", default=3)
# Set the search_path when the schema changes, not before every query (halves a turn's queries).
TENANT_LIMIT_SET_CALLS = True
# `migrate_schemas --executor=multiprocessing` migrates this many workspaces at once, each
# process with its own database connection.
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("MIGRATE_SCHEMAS_PROCESSES", default=2)
TENANT_CREATION_FAKES_MIGRATIONS = True

AUTH_USER_MODEL = "tenants.User"

MIDDLEWARE = [
    "tenants.middleware.WorkspaceRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenants.middleware.WorkspaceMembershipMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "config.urls"
WORKSPACE_URLCONF = "config.urls_workspace"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tenants.context_processors.workspace",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

if "DATABASE_URL" in env:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    from config.embedded_postgres import embedded_database_url

    DATABASES = {"default": env.db_url_config(embedded_database_url(BASE_DIR / "var" / "postgres"))}
# django-tenants' backend, minus the SET search_path a session that has the right path already
# does not need (tenants/postgresql_backend/base.py).
DATABASES["default"]["ENGINE"] = "tenants.postgresql_backend"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery --------------------------------------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")

# Redis when there is one (config/cache.py: a Redis that fails answers as an empty cache);
# cache keys carry the schema name, so one workspace can never read another's cached values.
if REDIS_URL:
    CACHES = {"default": redis_cache(REDIS_URL)}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "KEY_FUNCTION": "django_tenants.cache.make_key",
        }
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in-process so a laptop needs no Redis.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged after it ran, so a worker killed mid-task has it redelivered.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis has no acknowledgements of its own: a message a worker took waits in kombu's "unacked"
# set until the worker acknowledges it, and goes back to its queue only once it is older than
# the visibility timeout. That is the only way back for the tasks of a worker killed outright
# (SIGKILL, the OOM killer on the main process, a lost machine): with kombu's default of an
# hour, a lead would wait that long for its qualification. It must stay above the longest task
# and the longest retry countdown (retry_backoff_max, 600 s at most; a message waiting for its
# countdown is held unacknowledged, so a shorter timeout would run it twice), hence 15 minutes.
# Every worker looks for such messages every 10 s rather than kombu's 100 s (10 s x throttle 10):
# one small sorted-set read under a lock. bench/load.py sets a short timeout to see it happen.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=15 * 60),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    # A publish on a connection the broker dropped without closing it would wait forever;
    # above kombu's BRPOP timeout (1 s), which a worker's reads wait for.
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Queuing happens inside requests (tenants/transactions.py, task_queue_on_commit): with the broker
# down, a request gives up on a task within seconds and keeps it for requeue-unqueued-tasks,
# rather than waiting out kombu's default retries (3 x 4 s connects, with back-off). One retry
# still replaces a connection the broker dropped when it restarted.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0,
    "interval_max": 0,
}
CELERY_BEAT_SCHEDULE = {
    # Tasks a request could not queue (the broker was down): queued again once it is back.
    "requeue-unqueued-tasks": {
        "task": "tenants.tasks.unqueued_tasks_requeue",
        "schedule": 60.0,
    },
    "abandon-stale-conversations": {
        "task": "leads.tasks.conversations_abandon_stale_everywhere",
        "schedule": 300.0,
    },
    "qualify-missing-leads": {
        "task": "leads.tasks.leads_qualify_missing_everywhere",
        "schedule": 600.0,
    },
    # Leads past their service level without a first call: e-mail their assignee (or the
    # workspace's owners and admins) once per band.
    "alert-overdue-leads": {
        "task": "leads.tasks.leads_overdue_alert_everywhere",
        "schedule": 300.0,
    },
    # Transcripts and events past each workspace's retention period (off by default).
    "apply-retention-periods": {
        "task": "leads.tasks.retention_apply_everywhere",
        "schedule": 24 * 3600.0,
    },
    # Webhook attempts whose task was lost (a broker restart): queued again, sent once.
    "requeue-overdue-webhook-attempts": {
        "task": "webhooks.tasks.webhook_deliveries_overdue_everywhere",
        "schedule": 300.0,
    },
    # CSV exports are kept 7 days, then deleted with their file (exports/services.py).
    "expire-lead-exports": {
        "task": "exports.tasks.lead_exports_expire_everywhere",
        "schedule": 3600.0,
    },
    "billing-grace-periods": {
        "task": "billing.tasks.billing_grace_expire_task",
        "schedule": 3600.0,
    },
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- Qualification engines -----------------------------------------------------------------

# The OpenAI engine exists only with a key; without one, every workspace uses the offline engine.
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
# Any OpenAI-compatible endpoint; tests point it at a local fake server.
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="https://api.openai.com/v1")
OPENAI_MODEL = env.str("OPENAI_MODEL", default="gpt-4o-mini")
# Per attempt; a call takes at most about timeout x (retries + 1) plus back-off before the
# offline engine answers instead.
OPENAI_TIMEOUT_SECONDS = env.float("OPENAI_TIMEOUT_SECONDS", default=8.0)
OPENAI_MAX_RETRIES = env.int("OPENAI_MAX_RETRIES", default=2)

# --- Billing (Stripe) ------------------------------------------------------------------------

# Without a secret key billing is off: every workspace is on the free plan and the billing page
# says how to turn it on (README, "Billing").
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
# The signing secret of the webhook endpoint (whsec_...); events without a valid signature are
# refused, and with no secret every event is.
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
# Tests point the official client at a local fake Stripe server.
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com")
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
# A signature older than this is refused (Stripe's own default): a replayed event is stale. One
# stamped further ahead of our clock is refused too, as is an event created after that.
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env.int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", default=300)
# After a failed payment the paid plan is kept this long, then the workspace goes back to free.
BILLING_GRACE_DAYS = env.int("BILLING_GRACE_DAYS", default=7)
# STRIPE_PRICE_<PLAN>_<INTERVAL>=price_... names a price by hand (e.g. STRIPE_PRICE_STARTER_MONTHLY,
# STRIPE_PRICE_RESULTS_PER_QUALIFIED_LEAD); otherwise prices are found by their lookup key
# parley_<plan>_<interval>, which `manage.py stripe_sync_plans` creates (billing/plans.py).
STRIPE_PRICE_IDS = {
    "parley_" + name.removeprefix("STRIPE_PRICE_").lower(): value
    for name, value in env.ENVIRON.items()
    if name.startswith("STRIPE_PRICE_") and value
}

# --- Webhooks -------------------------------------------------------------------------------

# Endpoints on private, link-local or reserved addresses are always refused (SSRF); loopback
# (localhost, 127.0.0.1) only while this is on: by default in development (DEBUG), never in
# production unless set.
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=DEBUG)
# How long one attempt waits to connect and then for each read of the answer. Standard Webhooks
# recommends 15 to 30 s, so that a receiver may do its work before it answers.
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=15.0)

# --- Authentication -------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/workspaces/open/"
LOGOUT_REDIRECT_URL = "/login/"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3
INVITATION_MAX_AGE_SECONDS = 60 * 60 * 24 * 7

# django-ratelimit counts in the cache above; behind a proxy, the real client address comes
# from the proxy's header (set RATELIMIT_IP_META_KEY accordingly).
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="REMOTE_ADDR")
RATELIMIT_VIEW = "tenants.views.rate_limited"
# All visitors of one form together: high enough for a busy launch, low enough to stop a flood.
PARLEY_RATE_PER_FORM = env.str("PARLEY_RATE_PER_FORM", default="6000/m")

# --- REST API (/api/v1/) --------------------------------------------------------------------

# Workspace API keys only (tenants/api_auth.py): no session, so no CSRF; JSON in and out, and
# errors in one shape (config/api.py).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tenants.api_auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.api_auth.HasApiKeyScope"],
    "DEFAULT_THROTTLE_CLASSES": ["tenants.api_auth.ApiKeyThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env.str("PARLEY_API_RATE_PER_KEY", default="600/min")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["config.api_parser.JsonParser"],
    "EXCEPTION_HANDLER": "config.api.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.api.ApiAutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Parley API",
    "DESCRIPTION": (
        "Leads qualified, scored and prioritized from website conversations, for CRMs and "
        "other integrations. Authenticate with a workspace API key: "
        "`Authorization: Bearer parley_…` (Settings → API keys). Lists are cursor pages "
        '(`?cursor=…&limit=…`, answer `{"data": […], "next_cursor": …}`); errors are '
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The document and its pages are public (they describe, they hold no data); a key sent to
    # them is neither needed nor checked.
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Request and response bodies as separate components: a PATCH's input is not its output.
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name per choice set, where fields of the same name hold different sets.
    "ENUM_NAME_OVERRIDES": {
        "FormStatusEnum": "forms_builder.models.FormStatus",
        "StepKindEnum": "forms_builder.models.StepKind",
        "ConversationStatusEnum": "leads.models.ConversationStatus",
        "OutcomeKindEnum": "leads.models.Outcome",
        "EventKindEnum": "leads.models.EventKind",
        "QualificationStatusEnum": ["sql", "mql", "disqualified"],
    },
}

# --- E-mail ---------------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Parley <no-reply@localhost>")
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))

# --- Internationalisation, static files -----------------------------------------------------

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django_tenants.files.storage.TenantFileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded files live under MEDIA_ROOT/<schema_name>/ (django-tenants' storage) and are only
# served through a workspace view that checks membership, never as a public directory.
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
MEDIA_URL = "/media/"

# --- Security -------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_DOMAIN = env.str("SESSION_COOKIE_DOMAIN", default=None)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # The embedded PostgreSQL narrates every start and stop at INFO, and the stripe client every
    # request; only their problems matter.
    "loggers": {"pgserver": {"level": "WARNING"}, "stripe": {"level": "WARNING"}},
}
