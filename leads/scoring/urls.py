"""The scoring page, under /w/<workspace>/leads/scoring/ (members read, admins change)."""

from django.urls import path

from leads.scoring import views

urlpatterns = [
    path("", views.scoring, name="scoring"),
    path("rules/new/", views.scoring_rule_create, name="scoring_rule_create"),
    path("rules/<int:rule_id>/", views.scoring_rule_edit, name="scoring_rule_edit"),
    path("rules/<int:rule_id>/toggle/", views.scoring_rule_toggle, name="scoring_rule_toggle"),
    path("rules/<int:rule_id>/delete/", views.scoring_rule_delete, name="scoring_rule_delete"),
]
