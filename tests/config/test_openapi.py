"""The OpenAPI document: served at /api/v1/schema/ exactly as committed in docs/openapi.yaml
(regenerate it with `.venv/bin/python manage.py spectacular --file docs/openapi.yaml`), with the
bearer key and the error shape, and read in Swagger UI and Redoc served from our own static
files, never a CDN. The three pages are public: they describe the API and hold no data."""

from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


def served(client) -> dict:
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_served_schema_is_the_committed_one(client):
    assert served(client) == yaml.safe_load(COMMITTED.read_text())


def test_the_schema_is_a_valid_openapi_document(client):
    validate(served(client))


def test_the_schema_is_also_served_as_json(client):
    response = client.get("/api/v1/schema/?format=json")

    assert response.status_code == 200
    assert response.json() == served(client)


def test_every_operation_needs_the_bearer_key_and_documents_its_errors(client):
    schema = served(client)

    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["ApiKey"]["description"],
    }
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"ApiKey": []}], (method, path)
            for code in ("400", "401", "403", "404", "429"):
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == error, (method, path, code)


def test_every_endpoint_is_in_the_schema(client):
    assert sorted(served(client)["paths"]) == [
        "/api/v1/conversations/",
        "/api/v1/conversations/{conversation_id}/",
        "/api/v1/events/",
        "/api/v1/forms/",
        "/api/v1/forms/{form_id}/",
        "/api/v1/leads/",
        "/api/v1/leads/{lead_id}/",
        "/api/v1/leads/{lead_id}/outcomes/",
    ]


@pytest.mark.parametrize("page", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_the_documentation_pages_load_their_assets_from_our_static_files(client, page):
    response = client.get(page)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "/api/v1/schema/" in html
    assert "cdn" not in html.lower()


def test_a_bad_key_sent_to_the_documentation_is_ignored(client):
    response = client.get("/api/v1/schema/", HTTP_AUTHORIZATION="Bearer nonsense")

    assert response.status_code == 200
