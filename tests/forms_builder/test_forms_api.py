"""GET /api/v1/forms/ and /api/v1/forms/{id}/: the workspace's forms with their status,
language, questions and the public link of the live ones."""

import pytest
from django_tenants.utils import schema_context

from forms_builder.services import form_create, form_publish
from tests.api import api_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(api_key_of, workspace_a):
    return api_key_of(workspace_a)


def test_forms_list_with_status_language_and_share_url(client, key, workspace_a, settings):
    settings.PARLEY_BASE_URL = "https://app.parley.test"
    with schema_context(workspace_a.schema_name):
        live = form_create(name="Contact sales", language="fr")
        form_publish(form=live)
        draft = form_create(name="Draft")

    response = api_call(client, "get", "/api/v1/forms/", key)
    only_drafts = api_call(client, "get", "/api/v1/forms/", key, data={"status": "draft"})

    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["data"]}
    assert rows[live.pk]["share_url"] == (
        f"https://app.parley.test/w/{workspace_a.slug}/f/{live.slug}/"
    )
    assert (rows[live.pk]["status"], rows[live.pk]["language"]) == ("published", "fr")
    assert rows[live.pk]["published_version"] == 1
    assert rows[draft.pk]["share_url"] is None
    assert [row["id"] for row in only_drafts.json()["data"]] == [draft.pk]


def test_a_form_reads_with_its_steps_in_order(client, key, workspace_a):
    with schema_context(workspace_a.schema_name):
        form = form_create(name="Contact sales")
        prompts = list(form.steps.order_by("position").values_list("prompt", flat=True))

    response = api_call(client, "get", f"/api/v1/forms/{form.pk}/", key)

    assert response.status_code == 200
    assert [step["prompt"] for step in response.json()["steps"]] == prompts
    assert api_call(client, "get", f"/api/v1/forms/{form.pk + 1000}/", key).status_code == 404
