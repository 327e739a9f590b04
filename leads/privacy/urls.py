"""Data & privacy, under /w/<workspace>/settings/privacy/ (admins only).

Every request carries the contact's address in a POST body, never in the URL: addresses in
URLs end up in access logs, browser history and Referer headers."""

from django.urls import path

from leads.privacy import views

urlpatterns = [
    path("", views.privacy, name="privacy"),
    path("export/", views.contact_export_download, name="privacy_export"),
    path("erase/", views.contact_erase_confirm, name="privacy_erase"),
]
