"""`SET search_path` is sent when the session's path must change, and only then
(tenants/postgresql_backend): never is a query run under another workspace's path."""

import contextlib

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

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
