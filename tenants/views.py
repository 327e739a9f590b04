from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from leads.prioritization import PRIORITY_SCORE_WEIGHT_HELP
from leads.selectors import workspace_overview
from leads.tasks import leads_priority_refresh_task
from tenants.api_keys import api_key_create, api_key_list, api_key_revoke
from tenants.forms import (
    RETENTION_HELP,
    ApiKeyCreateForm,
    InvitationForm,
    InvitationSignupForm,
    RoleChangeForm,
    SignupForm,
    WorkspaceCreateForm,
    WorkspaceSettingsForm,
)
from tenants.middleware import workspace_path_prefix, workspace_urlconf
from tenants.models import ApiKey, Invitation, Membership, User, Workspace
from tenants.permissions import admin_required
from tenants.selectors import (
    user_membership_list,
    workspace_member_list,
    workspace_pending_invitation_list,
)
from tenants.services import (
    account_signup,
    invitation_create,
    membership_remove,
    membership_role_change,
    user_create,
    workspace_create,
)
from tenants.services import (
    invitation_accept as invitation_accept_service,
)
from tenants.tokens import invitation_from_token
from tenants.transactions import task_queue_on_commit


def _login_account_key(group, request):
    # Log-in matches e-mails case-insensitively, so the per-account count must too, or every
    # spelling of one address ("Ada@", "ADA@") would get its own allowance.
    return request.POST.get("username", "").strip().lower()


# Guessing passwords or flooding sign-ups and reset e-mails is throttled per client address,
# and logins also per targeted account.
def login_rate_limited(view):
    per_address = ratelimit(key="ip", rate="20/m", method="POST")
    per_account = ratelimit(key=_login_account_key, rate="10/m", method="POST")
    return per_address(per_account(view))


password_reset_rate_limited = ratelimit(key="ip", rate="5/m", method="POST")
signup_rate_limited = ratelimit(key="ip", rate="10/m", method="POST")


def _posted(request):
    # `request.POST or None` would leave an empty submission unbound, and so unvalidated.
    return request.POST if request.method == "POST" else None


def rate_limited(request, exception):
    if not request.accepts("text/html") or request.content_type == "application/json":
        return JsonResponse(
            {"error": {"code": "rate_limited", "message": "Too many requests: retry in a minute."}},
            status=429,
            headers={"Retry-After": "60"},
        )
    return HttpResponse(
        render_to_string("429.html", request=request), status=429, headers={"Retry-After": "60"}
    )


def workspace_url(workspace: Workspace, name: str = "dashboard", **kwargs) -> str:
    """A workspace page's path on the main host (/w/<slug>/...), from any schema or request."""
    return reverse(
        name, kwargs=kwargs or None, urlconf=workspace_urlconf(workspace_path_prefix(workspace))
    )


# --- Public pages ---------------------------------------------------------------------------


@signup_rate_limited
def signup(request):
    form = SignupForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, workspace = account_signup(
                email=data["email"],
                password=data["password"],
                full_name=data["full_name"],
                workspace_name=data["workspace_name"],
                workspace_slug=data["workspace_slug"],
            )
        except ValidationError as error:  # a concurrent sign-up took the e-mail or the address
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to Parley! {workspace.name} is ready.")
            return redirect(workspace_url(workspace))
    return render(request, "tenants/signup.html", {"form": form})


@login_required
def workspace_list(request):
    form = WorkspaceCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            workspace = workspace_create(
                name=form.cleaned_data["workspace_name"],
                slug=form.cleaned_data["workspace_slug"],
                owner=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{workspace.name} is ready.")
            return redirect(workspace_url(workspace))
    memberships = user_membership_list(user=request.user)
    return render(
        request, "tenants/workspace_list.html", {"memberships": memberships, "form": form}
    )


def workspace_path_unknown(request):
    """A /w/<slug>/ path that names no workspace, or no page of it, is answered exactly as a
    workspace one may not enter: visitors go to the login page, people get a 404. So neither
    reveals which workspaces exist."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise Http404("No such page.")


@login_required
def workspace_open(request):
    """Where a login lands: the workspace used last, else the first one, else the list."""
    memberships = user_membership_list(user=request.user)
    last_slug = request.session.get("last_workspace_slug")
    membership = memberships.filter(workspace__slug=last_slug).first() or memberships.first()
    if membership is None:
        return redirect("workspace_list")
    return redirect(workspace_url(membership.workspace))


def invitation_accept(request, token):
    invitation = invitation_from_token(token)
    if invitation is None:
        return render(request, "tenants/invitation_invalid.html", status=404)
    if invitation.accepted_at is not None:
        return render(request, "tenants/invitation_invalid.html", {"used": True}, status=410)

    context = {"invitation": invitation}
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                invitation_accept_service(invitation=invitation, user=request.user)
            except ValidationError as error:
                context["error"] = error.messages[0]
            else:
                messages.success(request, f"You joined {invitation.workspace.name}.")
                return redirect(workspace_url(invitation.workspace))
        return render(request, "tenants/invitation_accept.html", context)

    if User.objects.filter(email__iexact=invitation.email).exists():
        context["login_needed"] = True
        return render(request, "tenants/invitation_accept.html", context)

    form = InvitationSignupForm(_posted(request), email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = user_create(
                    email=invitation.email,
                    password=form.cleaned_data["password"],
                    full_name=form.cleaned_data["full_name"],
                )
                invitation_accept_service(invitation=invitation, user=user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome! You joined {invitation.workspace.name}.")
            return redirect(workspace_url(invitation.workspace))
    context["form"] = form
    return render(request, "tenants/invitation_accept.html", context)


# --- Workspace pages (members only, see WorkspaceMembershipMiddleware) ----------------------


def dashboard(request):
    request.session["last_workspace_slug"] = request.tenant.slug
    return render(request, "tenants/dashboard.html", {"overview": workspace_overview()})


def member_list(request):
    form = InvitationForm(_posted(request))
    if request.method == "POST":
        return _invite(request, form)
    return _render_members(request, form)


@admin_required
def _invite(request, form):
    if form.is_valid():
        try:
            invitation = invitation_create(
                workspace=request.tenant,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.membership,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("member_list")
    return _render_members(request, form, status=400)


def _render_members(request, form, status=200):
    context = {
        "members": workspace_member_list(workspace=request.tenant),
        "invitations": workspace_pending_invitation_list(workspace=request.tenant),
        "invite_form": form,
        "role_choices": RoleChangeForm.base_fields["role"].choices,
    }
    return render(request, "tenants/members.html", context, status=status)


@require_POST
@admin_required
def member_role_change(request, membership_id):
    membership = get_object_or_404(Membership, pk=membership_id, workspace=request.tenant)
    form = RoleChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles offered.")
        return redirect("member_list")
    try:
        membership_role_change(
            membership=membership, role=form.cleaned_data["role"], acting=request.membership
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, f"{membership.user.email} is now {membership.get_role_display()}."
        )
    return redirect("member_list")


@require_POST
@admin_required
def member_remove(request, membership_id):
    membership = get_object_or_404(Membership, pk=membership_id, workspace=request.tenant)
    try:
        membership_remove(membership=membership, acting=request.membership)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"{membership.user.email} was removed.")
    return redirect("member_list")


@require_POST
@admin_required
def invitation_revoke(request, invitation_id):
    invitation = get_object_or_404(
        Invitation, pk=invitation_id, workspace=request.tenant, accepted_at__isnull=True
    )
    invitation.delete()
    messages.success(request, f"The invitation to {invitation.email} was revoked.")
    return redirect("member_list")


@require_POST
def workspace_leave(request):
    try:
        membership_remove(membership=request.membership, acting=request.membership)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect("member_list")
    messages.success(request, f"You left {request.tenant.name}.")
    return redirect("workspace_list")


def workspace_settings(request):
    form = WorkspaceSettingsForm(_posted(request), instance=request.tenant)
    if request.method == "POST":
        return _workspace_settings_save(request, form)
    context = {
        "form": form,
        "priority_score_weight_help": PRIORITY_SCORE_WEIGHT_HELP,
        "retention_help": RETENTION_HELP,
    }
    return render(request, "tenants/settings.html", context)


@admin_required
def _workspace_settings_save(request, form):
    if form.is_valid():
        form.save()
        if "priority_score_weight" in form.changed_data:
            # Every lead's place in the call queue moves: one set-based UPDATE, by a worker.
            task_queue_on_commit(leads_priority_refresh_task)
        messages.success(request, "Settings saved.")
        return redirect("workspace_settings")
    return render(request, "tenants/settings.html", {"form": form}, status=400)


# --- API keys (admins only) -----------------------------------------------------------------


def _render_api_keys(request, form, created=None, status=200):
    context = {"api_keys": api_key_list(workspace=request.tenant), "form": form, "created": created}
    response = render(request, "tenants/api_keys.html", context, status=status)
    if created is not None:
        # The page holds the full key, shown this once: no copy of it in any cache.
        response["Cache-Control"] = "no-store"
    return response


@admin_required
def api_keys(request):
    form = ApiKeyCreateForm(_posted(request))
    if request.method != "POST":
        return _render_api_keys(request, form)
    if not form.is_valid():
        return _render_api_keys(request, form, status=400)
    created = api_key_create(
        workspace=request.tenant,
        name=form.cleaned_data["name"],
        scopes=form.cleaned_data["scopes"],
        created_by=request.user,
    )
    # Rendered, not redirected: the key is shown once, in this response, and kept nowhere.
    return _render_api_keys(request, ApiKeyCreateForm(), created=created)


def api_key_revoke_view(request, api_key_id):
    # Looked up before the role is checked: another workspace's key answers as a missing one.
    api_key = get_object_or_404(ApiKey, pk=api_key_id, workspace=request.tenant)
    return _api_key_revoke(request, api_key)


@admin_required
def _api_key_revoke(request, api_key):
    if request.method != "POST":  # the confirmation page
        return render(request, "tenants/api_key_revoke.html", {"api_key": api_key})
    api_key_revoke(api_key=api_key)
    messages.success(request, f"The key “{api_key.name}” was revoked: it no longer works.")
    return redirect("api_keys")
