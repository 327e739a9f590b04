"""How the REST API (/api/v1/) knows its caller: the workspace API key of the request's
`Authorization: Bearer <key>` header, and nothing else (no session, no host, no path). The key
resolves to its workspace here, once, and the request then runs in that workspace's schema.

Configured as DRF's defaults in config/settings.py (REST_FRAMEWORK)."""

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle

from tenants.api_keys import api_key_authenticate
from tenants.models import ApiKey, ApiScope


class ApiKeyAuthentication(BaseAuthentication):
    """`request.auth` is the ApiKey; `request.user` stays anonymous, since a key acts for its
    workspace, not for the person who created it."""

    keyword = b"bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None  # no key: the permission below answers 401
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the key as `Authorization: Bearer <key>`.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            key = ""
        api_key = api_key_authenticate(key=key)
        if api_key is None:
            raise exceptions.AuthenticationFailed("This API key is not valid or was revoked.")
        # The schema stays set for the rest of the request; the next request starts over in the
        # public schema (tenants.middleware.WorkspaceRoutingMiddleware, before anything else).
        connection.set_tenant(api_key.workspace)
        request._request.tenant = api_key.workspace
        return AnonymousUser(), api_key

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without a valid key.
        return 'Bearer realm="api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI document (drf-spectacular) describes the key."""

    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A workspace API key, parley_…, created in Settings → API keys.",
        }


class HasApiKeyScope(BasePermission):
    """Reading needs the key's `read` scope; anything else (POST...) its `write` scope."""

    message = "This API key may not do this (missing scope)."

    def has_permission(self, request, view):
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return False
        needed = ApiScope.READ if request.method in SAFE_METHODS else ApiScope.WRITE
        return needed in api_key.scopes


class ApiKeyThrottle(SimpleRateThrottle):
    """Requests per key, counted in the cache (REST_FRAMEWORK's rate for "api_key"); over it,
    429 with Retry-After."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiKey):
            return None  # refused anyway, before the view runs
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
