import pytest
from django_tenants.utils import schema_context

from forms_builder.services import form_create, form_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(workspace_a):
    with schema_context(workspace_a.schema_name):
        return form_create(name="Contact sales")


def test_a_published_form_offers_its_link_and_an_embed_snippet_per_mode(
    owner_client, workspace_a, draft
):
    with schema_context(workspace_a.schema_name):
        form_publish(form=draft)

    page = owner_client.get(f"/w/{workspace_a.slug}/forms/{draft.pk}/").content.decode()

    link = f"http://testserver/w/{workspace_a.slug}/f/{draft.slug}/"
    assert f'href="{link}"' in page
    for mode in ("bubble", "inline", "popup"):
        assert f"data-form=&quot;{link}&quot; data-mode=&quot;{mode}&quot;" in page
    assert "/static/forms_builder/embed.js" in page


def test_a_draft_has_nothing_to_share_yet(owner_client, workspace_a, draft):
    page = owner_client.get(f"/w/{workspace_a.slug}/forms/{draft.pk}/").content.decode()
    assert "Share &amp; embed" not in page
    assert "embed.js" not in page
