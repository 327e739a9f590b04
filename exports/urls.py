"""Exports, under /w/<workspace>/exports/ (members only)."""

from django.urls import path

from exports import views

urlpatterns = [
    path("leads.csv", views.lead_export, name="lead_export"),
    path("<int:export_id>/", views.lead_export_detail, name="lead_export_detail"),
    path("<int:export_id>/download/", views.lead_export_download, name="lead_export_download"),
]
