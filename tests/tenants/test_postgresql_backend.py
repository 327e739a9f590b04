"""`SET search_path` is sent when the session's path must change, and only then
(tenants/postgresql_backend): never is a query run under another workspace's path. Its prepared
cursors' statements are planned once, and read the workspace selected when they run."""

import contextlib

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from forms_builder.services import form_create, form_publish
from leads.services.conversations import conversation_start
from tenants.postgresql_backend.base import PREPARE_THRESHOLD

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def search_path(on=connection) -> list[str]:
    with on.cursor() as cursor:
        cursor.execute("SHOW search_path")
        return [part.strip().strip('"') for part in cursor.fetchone()[0].split(",")]


def sets_sent(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SET search_path")]


def test_selecting_the_schema_the_session_already_has_sends_no_set(workspace_a):
    connection.set_tenant(workspace_a)
    search_path()
    with CaptureQueriesContext(connection) as queries:
        # What every request does: start in public, then select its workspace.
        connection.set_schema_to_public()
        connection.set_tenant(workspace_a)
        assert search_path() == [workspace_a.schema_name, "public"]
    assert sets_sent(queries) == []


def test_selecting_another_schema_sets_it(workspace_a, workspace_b):
    connection.set_tenant(workspace_a)
    search_path()
    with CaptureQueriesContext(connection) as queries:
        connection.set_tenant(workspace_b)
        assert search_path() == [workspace_b.schema_name, "public"]
        connection.set_schema_to_public()
        assert search_path() == ["public"]
    assert len(sets_sent(queries)) == 2


def test_a_path_undone_by_a_rolled_back_savepoint_is_set_again(workspace_a):
    connection.set_schema_to_public()
    search_path()
    with contextlib.suppress(Boom), transaction.atomic():
        connection.set_tenant(workspace_a)
        assert search_path() == [workspace_a.schema_name, "public"]
        connection.set_schema_to_public()
        raise Boom  # PostgreSQL drops the SET made since the savepoint: the path is public again

    connection.set_tenant(workspace_a)
    assert search_path() == [workspace_a.schema_name, "public"]


@pytest.fixture
def own_connection():
    """A connection of its own, outside the test's transaction, to roll back and close."""
    own = connections.create_connection("default")
    yield own
    own.close()


@pytest.fixture
def conversation_in():
    """Starts a conversation on a "contact" form of the workspace; returns its token."""

    def start(workspace) -> str:
        with schema_context(workspace.schema_name):
            form = form_create(name="Contact")
            form_publish(form=form)
            return conversation_start(form=form).conversation.token

    return start


def test_a_path_undone_by_a_rollback_is_set_again(own_connection, workspace_a):
    own_connection.set_schema_to_public()
    search_path(own_connection)
    own_connection.set_autocommit(False)
    own_connection.set_tenant(workspace_a)
    search_path(own_connection)
    own_connection.set_schema_to_public()
    own_connection.rollback()  # PostgreSQL drops the SET of the transaction: public again

    own_connection.set_tenant(workspace_a)
    assert search_path(own_connection) == [workspace_a.schema_name, "public"]


def test_a_new_connection_is_set_whatever_the_closed_one_had(own_connection, workspace_a):
    own_connection.set_tenant(workspace_a)
    search_path(own_connection)
    own_connection.set_schema_to_public()
    own_connection.close()

    own_connection.set_tenant(workspace_a)
    assert search_path(own_connection) == [workspace_a.schema_name, "public"]


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cursor.fetchall()]


def conversation_tokens_of_form(form_slug: str) -> list[str]:
    with connection.prepared_cursor() as cursor:
        cursor.execute(
            "SELECT c.token FROM leads_conversation c JOIN forms_builder_form f "
            "ON f.id = c.form_id WHERE f.slug = %s ORDER BY c.id",
            [form_slug],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_prepared_cursor_prepares_a_statement_it_keeps_running(workspace_a, conversation_in):
    token = conversation_in(workspace_a)
    connection.set_tenant(workspace_a)

    for _run in range(PREPARE_THRESHOLD):
        assert conversation_tokens_of_form("contact") == [token]
    assert not any("leads_conversation" in s for s in prepared_statements())

    assert conversation_tokens_of_form("contact") == [token]
    assert any("leads_conversation" in s for s in prepared_statements())


def test_a_prepared_statement_reads_the_tables_of_the_workspace_selected_now(
    workspace_a, workspace_b, conversation_in
):
    """PostgreSQL plans a prepared statement again when the search path changes: its text
    names no schema, and must never read the workspace it was prepared in."""
    token_a, token_b = conversation_in(workspace_a), conversation_in(workspace_b)
    connection.set_tenant(workspace_a)
    for _run in range(PREPARE_THRESHOLD + 1):
        assert conversation_tokens_of_form("contact") == [token_a]
    assert any("leads_conversation" in s for s in prepared_statements())

    connection.set_tenant(workspace_b)
    assert conversation_tokens_of_form("contact") == [token_b]
    connection.set_tenant(workspace_a)
    assert conversation_tokens_of_form("contact") == [token_a]


def test_a_prepared_cursor_s_queries_are_counted_as_any_other(workspace_a):
    connection.set_tenant(workspace_a)
    with CaptureQueriesContext(connection) as queries, connection.prepared_cursor() as cursor:
        cursor.execute("SELECT count(*) FROM leads_conversation WHERE status = %s", ["active"])
    assert [q["sql"] for q in queries.captured_queries][-1].startswith("SELECT count(*)")
