"""What the API really answers is what its OpenAPI document says. Every GET operation of the
served document is called with a key of workspace A, for every object of A that its path names,
with something in every table of A (a contact made as visitors, tracking, an e-mail tool and
sales make one, an outcome an API key recorded, a conversation without referrer), each list
walked page by page; openapi-core checks each answer against the document.

An operation this file cannot call fails it: one whose path parameter names no model in
PATH_OBJECTS, one that does not answer 200, or a list that answers no row to check. A new GET
endpoint gets its model here (and its rows in `key_of_a_full`)."""

import pytest
import yaml
from django.db.models import Model
from django_tenants.utils import schema_context
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

from forms_builder.models import Form
from leads.models import Conversation, Lead
from leads.services.conversations import conversation_start
from tenants.api_auth import ApiKeyThrottle
from tests.api import api_call

pytestmark = pytest.mark.django_db

# A path parameter -> the model whose objects (all of workspace A's) it is called with.
PATH_OBJECTS: dict[str, type[Model]] = {
    "form_id": Form,
    "lead_id": Lead,
    "conversation_id": Conversation,
}
# Small pages, so that walking a list also checks a next_cursor that is not null.
PAGE_SIZE = 2


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


@pytest.fixture
def key_of_a_full(
    client, workspace_a, make_contact, api_key_of, monkeypatch, django_capture_on_commit_callbacks
) -> str:
    """A read-write key of workspace A, where every table holds something."""
    monkeypatch.setattr(ApiKeyThrottle, "THROTTLE_RATES", {"api_key": "100000/min"})
    contact = make_contact(workspace_a)
    key = api_key_of(workspace_a, name="CRM sync")
    # Recorded by the key: its actor is "api:CRM sync", not an e-mail.
    won = api_call(
        client,
        "post",
        f"/api/v1/leads/{contact.lead.id}/outcomes/",
        key,
        {"kind": "won", "amount": "6000.00", "currency": "EUR"},
    )
    assert won.status_code == 201, won.content
    # A visitor who came with no referrer and no landing page (both blank).
    with schema_context(workspace_a.schema_name), django_capture_on_commit_callbacks(execute=True):
        conversation_start(form=contact.pending.form, visitor_id="visitor-direct")
    return key


def get_operations(document: dict) -> list[str]:
    return sorted(path for path, operations in document["paths"].items() if "get" in operations)


def urls_of(path: str, workspace) -> list[str]:
    """`path` with its parameters filled, once per object of the workspace it may name."""
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    unknown = [name for name in names if name not in PATH_OBJECTS]
    assert not unknown, f"GET {path}: no objects for {unknown}; add them to PATH_OBJECTS"
    assert len(names) <= 1, f"GET {path}: teach urls_of to fill several parameters"
    if not names:
        return [path]
    (name,) = names
    with schema_context(workspace.schema_name):
        ids = list(PATH_OBJECTS[name].objects.values_list("id", flat=True))
    assert ids, f"GET {path}: workspace A has no {PATH_OBJECTS[name].__name__}"
    return [path.replace(f"{{{name}}}", str(object_id)) for object_id in ids]


def answers_as_documented(openapi: OpenAPI, response) -> None:
    assert response.status_code == 200, (response.wsgi_request.get_full_path(), response.content)
    openapi.validate_response(
        DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
    )


def is_a_list(operation: dict) -> bool:
    return "cursor" in {parameter["name"] for parameter in operation.get("parameters", [])}


def test_every_get_operation_answers_as_the_document_says(
    client, document, key_of_a_full, workspace_a
):
    openapi = OpenAPI.from_dict(document)
    called = []

    for path in get_operations(document):
        for url in urls_of(path, workspace_a):
            if not is_a_list(document["paths"][path]["get"]):
                answers_as_documented(openapi, api_call(client, "get", url, key_of_a_full))
                called.append(url)
                continue
            rows, cursor = 0, None
            while True:
                query = {"limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
                response = api_call(client, "get", url, key_of_a_full, data=query)
                answers_as_documented(openapi, response)
                rows += len(response.json()["data"])
                cursor = response.json()["next_cursor"]
                if cursor is None:
                    break
            assert rows, f"GET {url}: no row to check; give workspace A some"
            called.append(url)

    assert {"/api/v1/leads/", "/api/v1/conversations/", "/api/v1/forms/"} <= set(called)
