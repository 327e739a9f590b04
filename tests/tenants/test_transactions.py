import pytest
from django.db import connection, transaction
from django_tenants.utils import schema_context

from tenants.transactions import on_commit_in_current_schema

pytestmark = pytest.mark.django_db


def test_an_after_commit_callback_runs_in_the_schema_it_was_registered_in(
    workspace_a, django_capture_on_commit_callbacks
):
    seen = []
    # Nested on purpose: the schema is left before the outer block commits.
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():  # noqa: SIM117
        with schema_context(workspace_a.schema_name):
            on_commit_in_current_schema(lambda: seen.append(connection.schema_name))
        # The block commits here, back in the public schema.

    assert seen == [workspace_a.schema_name]
    assert connection.schema_name == "public"
