"""What the bad-input suites share (their fixtures are in conftest.py): the rows that show
nothing was half-written, and the one check of an error answer."""

import json

from django_tenants.utils import schema_context

from leads.models import (
    Conversation,
    Lead,
    LeadActivity,
    LeadEvent,
    LeadOutcome,
    Message,
)

LEAD_EMAIL = "ada@analytical.example"
NUL = "\x00"
LONE_SURROGATE = "\ud800"


def post_json(client, url: str, body, method: str = "post", **extra):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return getattr(client, method)(url, raw, content_type="application/json", **extra)


def rows_of(workspace) -> dict:
    """Every row a visitor or an API client could write, all columns: equal before and after a
    refused request when nothing was written."""
    with schema_context(workspace.schema_name):
        return {
            model.__name__: list(model.objects.order_by("pk").values_list())
            for model in (Conversation, Message, Lead, LeadActivity, LeadEvent, LeadOutcome)
        }


def assert_error_shape(response, status: int | None = None) -> dict:
    """A 4xx in the JSON error shape ({"error": {"code", "message", "fields"}}); its error."""
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    if status is not None:
        assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    return error
