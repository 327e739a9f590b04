"""django-tenants' PostgreSQL backend, sending `SET search_path` only when the session's path
must change.

django-tenants forgets the path a session has whenever a schema is selected, so every request
(which starts in the public schema, then selects its workspace's) pays a SET round trip, even on
a kept-alive connection whose path is already the workspace's. Here the path PostgreSQL holds is
remembered across selections, and forgotten wherever PostgreSQL may have dropped it (rollback,
rollback to a savepoint, a closed connection), as django-tenants forgets its own.
"""

from django_tenants.postgresql_backend import base


class DatabaseWrapper(base.DatabaseWrapper):
    # The search_path PostgreSQL holds for this session, when known.
    session_search_path = None

    def set_tenant(self, tenant, include_public=True):
        if self.search_path_set_schemas is not None:
            self.session_search_path = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        if self.session_search_path == self._get_cursor_search_paths():
            self.search_path_set_schemas = self.session_search_path

    def close(self):
        self.session_search_path = None
        super().close()

    def rollback(self):
        self.session_search_path = None
        super().rollback()

    def savepoint_rollback(self, sid):
        self.session_search_path = None
        super().savepoint_rollback(sid)
