"""Schemathesis drives every operation of the public chat's OpenAPI document
(docs/openapi-chat.yaml: the conversation start, reading it, a turn, a page view) against the app
in-process, with valid and invalid bodies alike: no answer may be a server error, and every
answer must match the document. The path's workspace, form and token are always those of a
published form of workspace A and a live conversation of it, so that the bodies, not the
addresses, are what is explored (tests/security/test_bad_input*.py try the addresses)."""

from pathlib import Path

import pytest
import schemathesis
import yaml
from django.core.wsgi import get_wsgi_application
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from forms_builder.models import Form
from leads.services.conversations import conversation_start
from tests.security.probes import PUBLIC_ROUTES

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi-chat.yaml"
schema = schemathesis.openapi.from_path(str(DOCUMENT))
schema.app = get_wsgi_application()

# Small on purpose, as the REST API's (tests/config/test_api_schemathesis.py): four operations.
EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def live_chat(chat, workspace_a, settings, keep_the_test_connection):
    """The path parameters of a published form of A and of a conversation started on it
    (started by the service: Django's test client would undo keep_the_test_connection)."""
    settings.RATELIMIT_ENABLE = False  # hundreds of requests from one address
    form_slug = chat.rstrip("/").rsplit("/")[-1]
    with schema_context(workspace_a.schema_name):
        form = Form.objects.select_related("published_version").get(slug=form_slug)
        token = conversation_start(form=form).conversation.token
    return {"workspace": workspace_a.slug, "form_slug": form_slug, "token": token}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_chat_operation_answers_as_documented_and_never_with_a_server_error(case, live_chat):
    case.path_parameters = {name: live_chat[name] for name in case.path_parameters}

    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])


def test_every_public_json_endpoint_is_in_the_document():
    """The form's page is HTML; every other route open to anyone is described."""
    documented = {
        path.removeprefix("/w/{workspace}/")
        for path in yaml.safe_load(DOCUMENT.read_text())["paths"]
    }
    routes = {
        route.replace("<slug:form_slug>", "{form_slug}").replace("<str:token>", "{token}")
        for route in PUBLIC_ROUTES
    }

    assert routes - documented == {"f/{form_slug}/"}
