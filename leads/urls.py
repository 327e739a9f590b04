"""Leads in the dashboard, under /w/<workspace>/leads/ (members only)."""

from django.urls import include, path

from leads import views

urlpatterns = [
    path("", views.lead_list, name="lead_list"),
    path("assign/", views.leads_assign, name="leads_assign"),
    path("<int:lead_id>/", views.lead_detail, name="lead_detail"),
    path("<int:lead_id>/corrections/", views.lead_correct, name="lead_correct"),
    path("<int:lead_id>/assign/", views.lead_assign, name="lead_assign"),
    path("<int:lead_id>/claims/", views.lead_claim_accept, name="lead_claim_accept"),
    path("<int:lead_id>/outcomes/", views.lead_outcome_record, name="lead_outcome_record"),
    path("scoring/", include("leads.scoring.urls")),
    path("export/labelled.jsonl", views.lead_export_labelled, name="lead_export_labelled"),
]
