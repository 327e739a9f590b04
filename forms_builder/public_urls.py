"""The public side of forms, under /w/<workspace>/f/ (or /f/ on a workspace's own host). Busiest
first: a conversation has a page view and a start, then a turn per answer."""

from django.urls import path

from forms_builder import public_views

urlpatterns = [
    path(
        "<slug:form_slug>/conversations/<str:token>/turns/",
        public_views.turn_create,
        name="turn_create",
    ),
    path(
        "<slug:form_slug>/conversations/<str:token>/",
        public_views.conversation_detail,
        name="conversation_detail",
    ),
    path(
        "<slug:form_slug>/conversations/",
        public_views.conversation_create,
        name="conversation_create",
    ),
    path("<slug:form_slug>/", public_views.form_page, name="form_page"),
]
