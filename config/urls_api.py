"""The REST API, /api/v1/: served on the public URLconf of any host, since the API key alone
names the workspace (tenants/api_auth.py). Each app's endpoints live in its api.py."""

from django.urls import path, re_path

from config.api import api_not_found
from leads.api import EventCreateApi

urlpatterns = [
    path("events/", EventCreateApi.as_view(), name="api_event_create"),
    re_path(r"", api_not_found),
]
