"""Role checks for workspace views. Membership itself is enforced for every workspace URL by
`tenants.middleware.WorkspaceMembershipMiddleware`; these narrow it down by role."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from tenants.models import Role


def role_required(minimum: str):
    """Allow members whose role is at least `minimum` (member < admin < owner)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.membership is None or not request.membership.has_role(minimum):
                raise PermissionDenied("Your role in this workspace does not allow this.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


admin_required = role_required(Role.ADMIN)
owner_required = role_required(Role.OWNER)


def workspace_public(view):
    """Mark a workspace view as reachable without membership (e.g. a published form)."""
    view.workspace_public = True
    return view
