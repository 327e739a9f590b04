"""Every request lands in exactly one schema: a workspace's, or the public one.

Routing, in order:
1. a host name registered as a Domain (a subdomain like acme.parley.app or a customer's own
   domain) selects that workspace, with its pages at the root of the host;
2. otherwise a path starting with /w/<slug>/ selects the workspace with that slug, which works on
   localhost with no DNS and keeps one session cookie for every workspace a person belongs to;
3. anything else is served from the public schema (signup, login, the workspace list).

The REST API (/api/...) is never routed: its API key alone names the workspace, on any host
(tenants/api_auth.py), so its requests start in the public schema with the public URLconf.
"""

import re
from functools import lru_cache
from importlib import import_module
from types import ModuleType
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import Http404, HttpResponseNotFound
from django.urls import include, path, set_urlconf
from django_tenants.middleware.main import TenantMainMiddleware

from tenants.models import Domain, Membership, Workspace
from tenants.routing import workspace_by_slug

API_PATH = "/api/"
WORKSPACE_PATH = re.compile(r"^/w/(?P<slug>[a-z][a-z0-9-]{1,38}[a-z0-9])/")


def _main_hosts() -> frozenset[str]:
    # The hosts that serve Parley itself; only other hosts are looked up as workspace domains,
    # which spares a query on nearly every request.
    hosts = {"localhost", "127.0.0.1", "[::1]", "testserver"}
    hosts.add(urlsplit(settings.PARLEY_BASE_URL).hostname or "")
    return frozenset(hosts)


@lru_cache(maxsize=4096)
def workspace_urlconf(prefix: str) -> ModuleType:
    """The URLconf of a workspace request: its pages under `prefix`, then the public ones (so a
    workspace page can still link to log out or to the workspace list)."""
    public = import_module(settings.ROOT_URLCONF)
    workspace = import_module(settings.WORKSPACE_URLCONF)

    class WorkspaceURLConf(ModuleType):
        urlpatterns = [path(prefix, include(workspace.urlpatterns)), *public.urlpatterns]

        def __getattr__(self, attr):  # handler404 and friends come from the public URLconf
            return getattr(public, attr)

    return WorkspaceURLConf(f"{settings.WORKSPACE_URLCONF}[{prefix}]")


def workspace_path_prefix(workspace: Workspace) -> str:
    return f"w/{workspace.slug}/"


class WorkspaceRoutingMiddleware(TenantMainMiddleware):
    def process_request(self, request):
        # Start every request in the public schema: a pooled connection may still point at the
        # workspace of the previous request.
        connection.set_schema_to_public()
        request.tenant = None
        if request.path_info.startswith(API_PATH):
            return None
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return HttpResponseNotFound()

        workspace, prefix = None, ""
        if hostname not in _main_hosts():
            domain = Domain.objects.select_related("tenant").filter(domain=hostname).first()
            workspace = domain.tenant if domain else None
        if workspace is None:
            match = WORKSPACE_PATH.match(request.path_info)
            if match is None:
                return None
            workspace = workspace_by_slug(match["slug"])
            if workspace is None:
                # No such workspace: the public URLconf answers 404, once the user is known, so
                # the page is the very one a stranger to an existing workspace gets.
                return None
            prefix = workspace_path_prefix(workspace)

        workspace.domain_url = hostname
        request.tenant = workspace
        connection.set_tenant(workspace)
        request.urlconf = workspace_urlconf(prefix)
        set_urlconf(request.urlconf)
        return None


class WorkspaceMembershipMiddleware:
    """Workspace pages are for its members only. Anyone else gets a 404, never a 403, so that a
    workspace's existence and its objects' ids do not leak. Views that visitors may reach (the
    public conversation, later) opt out with `tenants.permissions.workspace_public`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.membership = None
        if request.tenant is None or getattr(view_func, "workspace_public", False):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = (
            Membership.objects.filter(user=request.user, workspace=request.tenant)
            .only("id", "role", "user_id", "workspace_id")
            .first()
        )
        if membership is None:
            raise Http404("No such workspace.")
        request.membership = membership
        return None
