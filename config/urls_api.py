"""The REST API, /api/v1/: served on the public URLconf of any host, since the API key alone
names the workspace (tenants/api_auth.py). Each app's endpoints live in its api*.py; the OpenAPI
document and its two readers (Swagger UI, Redoc) are public."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config.api import api_not_found
from forms_builder.api import FormDetailApi, FormListApi
from leads.api import EventCreateApi
from leads.api_conversations import ConversationDetailApi, ConversationListApi
from leads.api_leads import LeadDetailApi, LeadListApi, LeadOutcomesApi

urlpatterns = [
    path("forms/", FormListApi.as_view(), name="api_form_list"),
    path("forms/<int:form_id>/", FormDetailApi.as_view(), name="api_form_detail"),
    path("leads/", LeadListApi.as_view(), name="api_lead_list"),
    path("leads/<int:lead_id>/", LeadDetailApi.as_view(), name="api_lead_detail"),
    path("leads/<int:lead_id>/outcomes/", LeadOutcomesApi.as_view(), name="api_lead_outcomes"),
    path("conversations/", ConversationListApi.as_view(), name="api_conversation_list"),
    path(
        "conversations/<int:conversation_id>/",
        ConversationDetailApi.as_view(),
        name="api_conversation_detail",
    ),
    path("events/", EventCreateApi.as_view(), name="api_event_create"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api_schema"), name="api_redoc"),
    re_path(r"", api_not_found),
]
