"""django-tenants' PostgreSQL backend, sending `SET search_path` only when the session's path
must change.

django-tenants forgets the path a session has whenever a schema is selected, so every request
(which starts in the public schema, then selects its workspace's) pays a SET round trip, even on
a kept-alive connection whose path is already the workspace's. Here the path PostgreSQL holds is
remembered across selections, and forgotten wherever PostgreSQL may have dropped it (rollback,
rollback to a savepoint, a closed connection), as django-tenants forgets its own.

It also hands out prepared cursors (`prepared_cursor`) for the few statements a hot path runs on
every request.
"""

from django.db.backends.postgresql.base import ServerBindingCursor
from django_tenants.postgresql_backend import base

# psycopg prepares a statement once it has run this many times on a connection (its default).
PREPARE_THRESHOLD = 5


class DatabaseWrapper(base.DatabaseWrapper):
    # The search_path PostgreSQL holds for this session, when known.
    session_search_path = None
    # Set while prepared_cursor() has Django make its cursor.
    _binding_on_server = False

    def set_tenant(self, tenant, include_public=True):
        if self.search_path_set_schemas is not None:
            self.session_search_path = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        if self.session_search_path == self._get_cursor_search_paths():
            self.search_path_set_schemas = self.session_search_path

    def get_connection_params(self):
        params = super().get_connection_params()
        # Django turns psycopg's prepared statements off (for transaction poolers) unless OPTIONS
        # ask for them. Its own cursors bind on the client and never prepare a statement, so
        # turning them back on, at psycopg's default, touches prepared_cursor's statements only.
        if "prepare_threshold" not in self.settings_dict["OPTIONS"]:
            params["prepare_threshold"] = PREPARE_THRESHOLD
        return params

    def prepared_cursor(self):
        """A cursor binding its parameters on the server, as Django's cursors do not: psycopg then
        prepares a statement from its fifth run on the connection (its `prepare_threshold`), and
        PostgreSQL no longer parses and plans it on every run. PostgreSQL plans a prepared
        statement anew when the search path changes, so one statement text serves every
        workspace's schema. Statements run through it must name their columns (no `*`): a
        migration adding a column would otherwise change a prepared statement's result."""
        self._binding_on_server = True
        try:
            # Django's own path to a cursor: health check, connection, search path, query log.
            return self.cursor()
        finally:
            self._binding_on_server = False

    def create_cursor(self, name=None):
        if self._binding_on_server and name is None:
            return ServerBindingCursor(self.connection)
        return super().create_cursor(name)

    def close(self):
        self.session_search_path = None
        super().close()

    def rollback(self):
        self.session_search_path = None
        super().rollback()

    def savepoint_rollback(self, sid):
        self.session_search_path = None
        super().savepoint_rollback(sid)
