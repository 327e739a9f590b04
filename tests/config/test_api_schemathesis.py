"""Schemathesis drives every operation of the committed OpenAPI document (docs/openapi.yaml, the
very document the API serves: test_openapi.py) against the app in-process, with a read and write
key of workspace A holding a few leads, conversations and outcomes: valid and invalid input
alike, no answer may be a server error, and every answer must match the document."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from leads.services.sales import lead_outcome_record
from tenants.api_auth import ApiKeyThrottle
from tenants.api_keys import api_key_create
from tests.leads.conversations import LEAD_A, LEAD_B, converse, discovery_form

schema = schemathesis.openapi.from_path("docs/openapi.yaml")
schema.app = get_wsgi_application()

# Small on purpose: the suite's budget for this file is about a minute on two cores.
EXAMPLES_PER_OPERATION = 15


@pytest.fixture
def api_headers(
    keep_the_test_connection, workspace_a, monkeypatch, django_capture_on_commit_callbacks
):
    """A key of A that may read and write, and objects of A for the ids to find (schemathesis
    tries small ids first): two qualified leads with conversations, one with an outcome."""
    monkeypatch.setattr(ApiKeyThrottle, "THROTTLE_RATES", {"api_key": "100000/min"})
    form = discovery_form(workspace_a)
    with schema_context(workspace_a.schema_name):
        with django_capture_on_commit_callbacks(execute=True):
            first = converse(workspace_a, form, LEAD_A)
            converse(workspace_a, form, LEAD_B)
        lead_outcome_record(lead=first.lead, kind="contacted", by=None, by_email="api:test")
    key = api_key_create(
        workspace=workspace_a, name="Schemathesis", scopes=["read", "write"], created_by=None
    )
    return {"Authorization": f"Bearer {key.key}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented_and_never_with_a_server_error(case, api_headers):
    case.call_and_validate(
        headers=api_headers, checks=[not_a_server_error, response_schema_conformance]
    )
