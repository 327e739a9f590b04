# Django's test runner and most tooling call `migrate`: make it the tenant-aware one.
from tenants.management.commands.migrate_schemas import Command  # noqa: F401
