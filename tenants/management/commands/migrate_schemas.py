"""`migrate_schemas` (and `migrate`), which also keep the workspace template schema migrated.

New workspaces are cloned from TENANT_BASE_SCHEMA (see settings) instead of running every
migration, so the template must always be at the latest migration. A full run migrates the public
schema, then the template, replaces the spare schemas cloned from the old template
(tenants/spares.py), then migrates every workspace (`--executor=multiprocessing` for many).
"""

from django.conf import settings
from django.db import connection
from django_tenants.management.commands.migrate_schemas import (
    MigrateSchemasCommand as BaseMigrateSchemasCommand,
)
from django_tenants.utils import schema_exists

from tenants.spares import spare_schemas_replace


class Command(BaseMigrateSchemasCommand):
    def handle(self, *args, **options):
        # `--schema=<one schema>` is also how django-tenants fakes a freshly cloned workspace's
        # migrations: such runs leave the template alone.
        if options.get("schema_name"):
            return super().handle(*args, **options)
        if not options.get("tenant"):
            super().handle(*args, **{**options, "shared": True, "tenant": False})
        if not options.get("shared"):
            template = settings.TENANT_BASE_SCHEMA
            if not schema_exists(template):
                with connection.cursor() as cursor:
                    cursor.execute(f'CREATE SCHEMA "{template}"')
            tenant_only = {**options, "shared": False, "tenant": True}
            super().handle(*args, **{**tenant_only, "schema_name": template})
            # Spares are copies of the template as it was, and no later run migrates them (they
            # are not workspaces): replace them all now that the template is migrated. Before the
            # workspaces, so one that took a stale spare a moment ago is migrated with the rest.
            made = spare_schemas_replace()
            if options["verbosity"] >= 1:
                self.stdout.write(f"Spare schemas: {made} cloned from {template}")
            super().handle(*args, **tenant_only)
        return None
