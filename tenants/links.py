"""Absolute links for what is read away from the request that made it: e-mails, above all.

They are built from PARLEY_BASE_URL, never from the request's Host header: workspaces have host
names of their own, so ALLOWED_HOSTS admits a whole domain and a stranger may send any name in it.
A password-reset link built from that header would carry the reset token to the stranger's host.
Workspace pages are linked on the main host (/w/<slug>/...), which works for every member whatever
domains the workspace has; Parley does not verify custom domains, so it never links to them.
"""

from django.conf import settings
from django.urls import reverse

from tenants.middleware import workspace_path_prefix, workspace_urlconf
from tenants.models import Workspace


def absolute_url(path: str) -> str:
    """`path` (from reverse(), starting with "/") on Parley's configured address."""
    return settings.PARLEY_BASE_URL.rstrip("/") + path


def public_page_url(name: str, **kwargs) -> str:
    """A page of the public URLconf (sign-up, log-in, password reset, invitations) as an absolute
    link on Parley's configured address, whichever URLconf the current request routed to."""
    return absolute_url(reverse(name, kwargs=kwargs or None, urlconf=settings.ROOT_URLCONF))


def workspace_page_path(workspace: Workspace, name: str = "dashboard", **kwargs) -> str:
    """A workspace page's path on the main host (/w/<slug>/...), from any schema or request."""
    return reverse(
        name, kwargs=kwargs or None, urlconf=workspace_urlconf(workspace_path_prefix(workspace))
    )


def workspace_page_url(workspace: Workspace, name: str = "dashboard", **kwargs) -> str:
    """A workspace page as an absolute link on Parley's configured address."""
    return absolute_url(workspace_page_path(workspace, name, **kwargs))
