from django.db import connection
from django.db.models import QuerySet

from tenants.models import Invitation, Membership, Role, Workspace


def user_membership_list(*, user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user).select_related("workspace").order_by("workspace__name")
    )


def workspace_member_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("user__email")
    )


def workspace_manager_list(*, workspace: Workspace) -> list:
    """The workspace's active owners and admins, by e-mail: who dispatches leads nobody has
    taken and hears of what goes wrong with the workspace's settings (a disabled webhook)."""
    memberships = (
        Membership.objects.filter(
            workspace=workspace, role__in=[Role.OWNER, Role.ADMIN], user__is_active=True
        )
        .select_related("user")
        .order_by("user__email")
    )
    return [membership.user for membership in memberships]


def workspace_pending_invitation_list(*, workspace: Workspace) -> QuerySet[Invitation]:
    return Invitation.objects.filter(workspace=workspace, accepted_at__isnull=True)


def workspace_owner_count(*, workspace: Workspace) -> int:
    return Membership.objects.filter(workspace=workspace, role=Role.OWNER).count()


def workspace_current() -> Workspace:
    """The workspace whose schema is active. A request and a task run by the worker have it as
    connection.tenant; schema_context (management commands, tests, eager tasks queued from the
    same schema) leaves a stand-in there, so the row is then read by schema name."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Workspace):
        return tenant
    return Workspace.objects.get(schema_name=connection.schema_name)
