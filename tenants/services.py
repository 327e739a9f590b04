"""Writes about people and workspaces. Plain functions, keyword-only arguments; they validate,
save and queue side effects after commit. Errors are ValidationError with a message a person
can read, so views show them as form errors."""

import re

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenants.models import (
    RESERVED_WORKSPACE_SLUGS,
    WORKSPACE_SLUG_PATTERN,
    Domain,
    Invitation,
    Membership,
    Role,
    User,
    Workspace,
)
from tenants.selectors import workspace_owner_count
from tenants.transactions import task_queue_on_commit


def workspace_slug_validate(slug: str) -> None:
    if slug in RESERVED_WORKSPACE_SLUGS:
        raise ValidationError(f"“{slug}” is reserved, please choose another address.", "reserved")
    if not re.fullmatch(WORKSPACE_SLUG_PATTERN, slug):
        raise ValidationError(
            "Use 3 to 40 lower-case letters, digits or dashes, starting with a letter and not "
            "ending with a dash.",
            "invalid",
        )
    if Workspace.objects.filter(slug=slug).exists():
        raise ValidationError(f"The address “{slug}” is already taken.", "taken")


def user_create(*, email: str, password: str, full_name: str = "") -> User:
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError("An account with this e-mail already exists.", "email_taken")
    user = User(email=email, full_name=full_name)
    validate_password(password, user=user)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def workspace_create(*, name: str, slug: str, owner: User) -> Workspace:
    """Create a workspace and its schema, cloned from the template schema (fast: no migrations
    run), and make `owner` its owner. Everything rolls back together if any step fails."""
    workspace_slug_validate(slug)
    workspace = Workspace(
        name=name.strip(), slug=slug, schema_name=Workspace.schema_name_for_slug(slug)
    )
    workspace.save(verbosity=0)  # creates the schema by cloning the template
    if settings.PARLEY_WORKSPACE_DOMAIN:
        Domain.objects.create(
            tenant=workspace, domain=f"{slug}.{settings.PARLEY_WORKSPACE_DOMAIN}", is_primary=True
        )
    Membership.objects.create(user=owner, workspace=workspace, role=Role.OWNER)
    return workspace


@transaction.atomic
def account_signup(
    *, email: str, password: str, workspace_name: str, workspace_slug: str, full_name: str = ""
) -> tuple[User, Workspace]:
    user = user_create(email=email, password=password, full_name=full_name)
    workspace = workspace_create(name=workspace_name, slug=workspace_slug, owner=user)
    return user, workspace


@transaction.atomic
def invitation_create(
    *, workspace: Workspace, email: str, role: str, invited_by: Membership
) -> Invitation:
    from billing.quotas import plan_room_ensure
    from billing.selectors import workspace_member_count
    from tenants.tasks import invitation_send

    email = email.strip().lower()
    if role == Role.OWNER and not invited_by.has_role(Role.OWNER):
        raise ValidationError("Only an owner can invite another owner.", "role")
    if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise ValidationError(f"{email} is already a member of this workspace.", "member")
    # Inviting the same address again replaces the pending invitation and sends a fresh link.
    Invitation.objects.filter(workspace=workspace, email=email, accepted_at__isnull=True).delete()
    plan_room_ensure(
        workspace=workspace,
        limit_name="members",
        used=workspace_member_count(workspace=workspace),
    )
    invitation = Invitation.objects.create(
        workspace=workspace, email=email, role=role, invited_by=invited_by.user
    )
    task_queue_on_commit(invitation_send, invitation.pk)
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ValidationError("This invitation has already been used.", "used")
    if invitation.email.lower() != user.email.lower():
        raise ValidationError(
            f"This invitation was sent to {invitation.email}; log in with that address.",
            "wrong_user",
        )
    membership, _ = Membership.objects.get_or_create(
        user=user, workspace=invitation.workspace, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


def _ensure_another_owner_remains(membership: Membership) -> None:
    if membership.role == Role.OWNER and workspace_owner_count(workspace=membership.workspace) <= 1:
        raise ValidationError(
            "A workspace needs at least one owner: make someone else owner first.", "last_owner"
        )


def _ensure_may_manage(target: Membership, acting: Membership) -> None:
    # Admins manage members and admins; only owners touch owners.
    if not acting.has_role(Role.ADMIN):
        raise ValidationError("Only owners and admins can manage members.", "forbidden")
    if target.role == Role.OWNER and not acting.has_role(Role.OWNER):
        raise ValidationError("Only an owner can change another owner.", "forbidden")


@transaction.atomic
def membership_role_change(*, membership: Membership, role: str, acting: Membership) -> Membership:
    # Lock the workspace's memberships so two owners demoting each other cannot both succeed.
    list(Membership.objects.select_for_update().filter(workspace=membership.workspace))
    _ensure_may_manage(membership, acting)
    if role == Role.OWNER and not acting.has_role(Role.OWNER):
        raise ValidationError("Only an owner can make someone an owner.", "forbidden")
    if role != Role.OWNER:
        _ensure_another_owner_remains(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, acting: Membership) -> None:
    list(Membership.objects.select_for_update().filter(workspace=membership.workspace))
    if membership.pk != acting.pk:
        _ensure_may_manage(membership, acting)
    _ensure_another_owner_remains(membership)
    membership.delete()
