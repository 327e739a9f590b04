"""The form builder, under /w/<workspace>/forms/ (members only; writes need an admin)."""

from django.urls import path

from forms_builder import views

urlpatterns = [
    path("", views.form_list, name="form_list"),
    path("archived/", views.form_list, {"archived": True}, name="form_list_archived"),
    path("<int:form_id>/", views.form_edit, name="form_edit"),
    path("<int:form_id>/duplicate/", views.form_duplicate, name="form_duplicate"),
    path("<int:form_id>/archive/", views.form_archive, name="form_archive"),
    path("<int:form_id>/restore/", views.form_restore, name="form_restore"),
    path("<int:form_id>/publish/", views.form_publish, name="form_publish"),
    path("<int:form_id>/steps/new/", views.step_new, name="step_new"),
    path("<int:form_id>/steps/reorder/", views.steps_reorder, name="steps_reorder"),
    # A step is found by its own id: no form id to keep consistent with it.
    path("steps/<int:step_id>/", views.step_edit, name="step_edit"),
    path("steps/<int:step_id>/delete/", views.step_delete, name="step_delete"),
]
