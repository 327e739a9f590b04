"""Reports, under /w/<workspace>/reports/ (members read; admins apply suggested points)."""

from django.urls import path

from reports import views

urlpatterns = [
    path("", views.reports_index, name="reports"),
    path("forms/<int:form_id>/", views.report_form, name="report_form"),
    path("outcomes/", views.report_outcomes, name="report_outcomes"),
    path("suggestions/", views.report_suggestions, name="report_suggestions"),
    path("suggestions/apply/", views.report_suggestions_apply, name="report_suggestions_apply"),
]
