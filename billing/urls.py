"""A workspace's billing pages, under /w/<workspace>/billing/: members read, owners change."""

from django.urls import path

from billing import views

urlpatterns = [
    path("", views.billing_page, name="billing"),
    path("checkout/", views.checkout_start, name="billing_checkout"),
    path("portal/", views.portal_open, name="billing_portal"),
]
