"""Webhooks in the workspace's settings, under /w/<workspace>/settings/webhooks/ (admins)."""

from django.urls import path

from webhooks import views

urlpatterns = [
    path("", views.endpoint_list, name="webhook_endpoint_list"),
    path("<int:endpoint_id>/", views.endpoint_detail, name="webhook_endpoint_detail"),
    path("<int:endpoint_id>/disable/", views.endpoint_disable, name="webhook_endpoint_disable"),
    path("<int:endpoint_id>/enable/", views.endpoint_enable, name="webhook_endpoint_enable"),
    path("<int:endpoint_id>/rotate/", views.endpoint_rotate, name="webhook_endpoint_rotate"),
    path("<int:endpoint_id>/delete/", views.endpoint_delete, name="webhook_endpoint_delete"),
    path("<int:endpoint_id>/test/", views.endpoint_test, name="webhook_endpoint_test"),
    path(
        "<int:endpoint_id>/replay-failed/",
        views.deliveries_replay_failed,
        name="webhook_deliveries_replay_failed",
    ),
    path(
        "<int:endpoint_id>/deliveries/<int:delivery_id>/replay/",
        views.delivery_replay,
        name="webhook_delivery_replay",
    ),
]
