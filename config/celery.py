"""The Celery app. Tenant-aware: a task queued while a workspace's schema is active carries the
schema name in its headers and the worker activates that schema before running it
(tenant-schemas-celery), so a task lands in exactly one workspace."""

import os

from tenant_schemas_celery.app import CeleryApp as TenantAwareCeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = TenantAwareCeleryApp("parley")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
