"""A workspace's pages, served in its schema under /w/<slug>/ (or at the root of its own host).
Every view here is members-only unless marked `workspace_public`."""

from django.urls import include, path

from leads import public_views as leads_public_views
from tenants import views as tenant_views

urlpatterns = [
    # Public: published forms and their conversations, for visitors (no login). First, as the
    # busiest: a visitor's every turn is resolved here.
    path("f/", include("forms_builder.public_urls")),
    # Public: page views sent by embed.js from the customer's site (no login, no cookie).
    path("track/", leads_public_views.track, name="track"),
    path("", tenant_views.dashboard, name="dashboard"),
    path("members/", tenant_views.member_list, name="member_list"),
    path(
        "members/<int:membership_id>/role/",
        tenant_views.member_role_change,
        name="member_role_change",
    ),
    path("members/<int:membership_id>/remove/", tenant_views.member_remove, name="member_remove"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        tenant_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("leave/", tenant_views.workspace_leave, name="workspace_leave"),
    path("settings/", tenant_views.workspace_settings, name="workspace_settings"),
    path("settings/api-keys/", tenant_views.api_keys, name="api_keys"),
    path(
        "settings/api-keys/<int:api_key_id>/revoke/",
        tenant_views.api_key_revoke_view,
        name="api_key_revoke",
    ),
    path("settings/privacy/", include("leads.privacy.urls")),
    path("settings/webhooks/", include("webhooks.urls")),
    path("forms/", include("forms_builder.urls")),
    path("leads/", include("leads.urls")),
    path("exports/", include("exports.urls")),
    path("billing/", include("billing.urls")),
    path("reports/", include("reports.urls")),
]
