"""What the isolation suite aims at: every workspace URL pattern, listed from
config/urls_workspace.py so a new workspace page is attacked without anyone adding a test for it,
with its parameters naming real objects of the workspace under attack."""

import re
import uuid
from importlib import import_module

from django.conf import settings
from django.urls import URLPattern, URLResolver
from django.urls.resolvers import RoutePattern

from tenants.models import Role
from tests.factories import InvitationFactory, MembershipFactory

# --- Workspace URL patterns ------------------------------------------------------------------

_ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _workspace_routes(patterns, prefix=""):
    for entry in patterns:
        if not isinstance(entry.pattern, RoutePattern):
            raise AssertionError(
                f"{entry.pattern} is a regular expression: write it with path() so the isolation "
                "suite in tests/security/ can fill in its parameters."
            )
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _workspace_routes(entry.url_patterns, route)
        else:
            assert isinstance(entry, URLPattern)
            yield route


WORKSPACE_ROUTES = list(_workspace_routes(import_module(settings.WORKSPACE_URLCONF).urlpatterns))


def route_parameters(route: str) -> list[tuple[str, str]]:
    """(converter, name) of each parameter of a route, e.g. [("int", "membership_id")]."""
    return [(m["converter"] or "str", m["name"]) for m in _ROUTE_PARAMETER.finditer(route)]


def route_fill(route: str, values: dict) -> str:
    return _ROUTE_PARAMETER.sub(lambda m: str(values[m["name"]]), route)


# --- Objects of a workspace, by the URL parameter that names them -----------------------------


def _membership_id(workspace) -> int:
    # A plain member, so that an attack that got through would succeed (an owner is protected
    # by the last-owner rule, which would mask a missing workspace check).
    return MembershipFactory(workspace=workspace, role=Role.MEMBER).pk


def _invitation_id(workspace) -> int:
    return InvitationFactory(workspace=workspace).pk


# A workspace URL with an object id in it needs an entry here: the suite then creates such an
# object in workspace B and aims A's member at it. Objects of a workspace's own schema must be
# created inside schema_context(workspace.schema_name).
OBJECT_MAKERS = {
    "membership_id": _membership_id,
    "invitation_id": _invitation_id,
}


def route_values(route: str, workspace) -> dict:
    """Parameter values for a route, each naming a real object of `workspace`."""
    values = {}
    for converter, name in route_parameters(route):
        if name in OBJECT_MAKERS:
            values[name] = OBJECT_MAKERS[name](workspace)
        elif converter == "uuid":
            values[name] = uuid.uuid4()
        elif converter in ("str", "slug", "path"):
            values[name] = "probe"
        else:
            raise AssertionError(
                f"Add a maker for <{converter}:{name}> of {route!r} to OBJECT_MAKERS in "
                "tests/security/probes.py, so the suite can aim at a real object."
            )
    return values


# --- Response bodies --------------------------------------------------------------------------

_CSRF_TOKEN = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


def body_without_tokens(response) -> bytes:
    """A page's body with its CSRF tokens (masked afresh on each render) blanked out."""
    return _CSRF_TOKEN.sub(b'name="csrfmiddlewaretoken" value=""', response.content)
