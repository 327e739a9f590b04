"""Public URLs: served from the public schema on the main host (and, after the workspace's own
routes, on workspace hosts too). Workspace pages are in config/urls_workspace.py."""

from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from billing.views import stripe_webhook
from config.health import healthz
from tenants import views as tenant_views
from tenants.forms import EmailAuthenticationForm, PasswordResetRequestForm

urlpatterns = [
    path("", RedirectView.as_view(url="/workspaces/", permanent=False), name="home"),
    path("healthz", healthz, name="healthz"),
    path("signup/", tenant_views.signup, name="signup"),
    path(
        "login/",
        tenant_views.login_rate_limited(
            auth_views.LoginView.as_view(
                authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        tenant_views.password_reset_rate_limited(
            auth_views.PasswordResetView.as_view(form_class=PasswordResetRequestForm)
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("workspaces/", tenant_views.workspace_list, name="workspace_list"),
    path("workspaces/open/", tenant_views.workspace_open, name="workspace_open"),
    path("invitations/<str:token>/", tenant_views.invitation_accept, name="invitation_accept"),
    path("api/v1/", include("config.urls_api")),
    # Stripe's events, authenticated by their signature (billing/webhooks.py).
    path("billing/stripe/webhook/", stripe_webhook, name="stripe_webhook"),
    # Last: any /w/<slug>/ path no workspace route answered (no such workspace, or no such page).
    re_path(r"^w/[^/]+/", tenant_views.workspace_path_unknown),
]
