"""Settings → Data & privacy (leads/privacy/views.py): admins search a contact by e-mail, download
their export and erase them after typing the address again."""

import json

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from leads.models import ErasureRecord, Lead
from tests.factories import PASSWORD
from tests.leads.privacy.fixtures import EMAIL

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls(workspace_a):
    base = f"/w/{workspace_a.slug}/settings/privacy/"
    return {"page": base, "export": base + "export/", "erase": base + "erase/"}


@pytest.fixture
def contact(workspace_a, make_contact):
    return make_contact(workspace_a)


def lead_exists(workspace, lead) -> bool:
    with schema_context(workspace.schema_name):
        return Lead.objects.filter(pk=lead.pk).exists()


def test_an_admin_finds_what_parley_holds_about_an_address(admin_client_a, urls, contact):
    response = admin_client_a.post(urls["page"], {"email": EMAIL.upper()})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    found = response.context["found"]
    assert found.lead == contact.lead
    assert found.counts["conversations"] == 2
    assert b"Download export (JSON)" in response.content
    assert b"Erase" in response.content


def test_an_address_nobody_has_is_said_to_hold_nothing_and_offers_no_erase(admin_client_a, urls):
    response = admin_client_a.post(urls["page"], {"email": "nobody@alpha.example"})

    assert response.status_code == 200
    assert b"Parley holds nothing about this address" in response.content
    assert b'action="' + urls["erase"].encode() not in response.content


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b@c.example", "x" * 300 + "@a.example"])
def test_a_bad_address_is_a_form_error(admin_client_a, urls, email):
    for url in (urls["page"], urls["export"], urls["erase"]):
        response = admin_client_a.post(url, {"email": email})

        assert response.status_code == 400
        assert response.context["form"].errors["email"]


def test_the_export_is_a_json_download_kept_in_no_cache(admin_client_a, urls, contact, workspace_a):
    response = admin_client_a.post(urls["export"], {"email": EMAIL})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{workspace_a.slug}-contact-'
    )
    assert "quokka" not in response["Content-Disposition"].lower()
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["lead"]["id"] == contact.lead.pk
    assert len(data["conversations"]) == 2


def test_erase_asks_for_the_address_again_before_deleting_anything(
    admin_client_a, urls, contact, workspace_a
):
    confirm = admin_client_a.post(urls["erase"], {"email": EMAIL})
    wrong = admin_client_a.post(
        urls["erase"], {"email": EMAIL, "confirm_email": "zelda@quokkaflux.example"}
    )

    assert confirm.status_code == 200
    assert b"Type the e-mail again to confirm" in confirm.content
    assert wrong.status_code == 400
    assert wrong.context["form"].errors["confirm_email"] == [
        "This is not the e-mail searched for: nothing was erased."
    ]
    assert lead_exists(workspace_a, contact.lead)


def test_erase_confirmed_deletes_the_contact_and_lists_an_anonymous_record(
    admin_client_a, admin, urls, contact, workspace_a
):
    response = admin_client_a.post(
        urls["erase"], {"email": EMAIL.lower(), "confirm_email": f" {EMAIL.upper()} "}
    )

    assert response.status_code == 302
    assert response["Location"] == urls["page"]
    assert not lead_exists(workspace_a, contact.lead)
    page = admin_client_a.get(urls["page"])
    assert b"The contact was erased" in page.content
    assert admin.email.encode() in page.content
    assert b"quokka" not in page.content.lower()
    with schema_context(workspace_a.schema_name):
        assert ErasureRecord.objects.get().erased_by_id == admin.pk
    # Asked about again, the address is recognized as erased before.
    again = admin_client_a.post(urls["page"], {"email": EMAIL})
    assert b"This address was erased before" in again.content


def test_a_tampered_address_on_the_confirmation_is_a_form_error(
    admin_client_a, urls, contact, workspace_a
):
    response = admin_client_a.post(urls["erase"], {"email": "", "confirm_email": ""})

    assert response.status_code == 400
    assert lead_exists(workspace_a, contact.lead)


@pytest.mark.parametrize("page", ["page", "export", "erase"])
def test_members_who_are_not_admins_get_403(member_client, urls, contact, workspace_a, page):
    response = member_client.post(urls[page], {"email": EMAIL, "confirm_email": EMAIL})

    assert response.status_code == 403
    assert b"quokka" not in response.content.lower()
    assert lead_exists(workspace_a, contact.lead)


def test_export_and_erase_answer_only_posts(admin_client_a, urls):
    # The address travels in POST bodies only, never in a URL (logs, history, Referer).
    assert admin_client_a.get(urls["export"] + f"?email={EMAIL}").status_code == 405
    assert admin_client_a.get(urls["erase"] + f"?email={EMAIL}").status_code == 405


def test_erase_without_the_csrf_token_is_refused(admin, urls, contact, workspace_a):
    strict = Client(enforce_csrf_checks=True)
    strict.login(email=admin.email, password=PASSWORD)

    response = strict.post(urls["erase"], {"email": EMAIL, "confirm_email": EMAIL})

    assert response.status_code == 403
    assert lead_exists(workspace_a, contact.lead)


def test_the_settings_page_leads_admins_to_data_and_privacy(admin_client_a, workspace_a, urls):
    page = admin_client_a.get(f"/w/{workspace_a.slug}/settings/")

    assert urls["page"].encode() in page.content
