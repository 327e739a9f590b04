import re

import pytest
from django.contrib.auth import SESSION_KEY

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-42"


def _reset_link_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/password-reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match[1]


@pytest.fixture
def person(db):
    return UserFactory(email="reset.me@example.com")


def test_reset_request_emails_a_link_and_says_check_your_email(client, person, mailoutbox):
    response = client.post("/password-reset/", {"email": person.email})

    assert response.status_code == 302
    assert response["Location"] == "/password-reset/sent/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [person.email]
    assert mailoutbox[0].subject == "Reset your Parley password"
    assert _reset_link_path(mailoutbox[0])


def test_reset_request_matches_the_email_case_insensitively(client, person, mailoutbox):
    client.post("/password-reset/", {"email": person.email.upper()})

    assert [message.to for message in mailoutbox] == [[person.email]]


def test_reset_request_for_an_unknown_email_looks_the_same_but_sends_nothing(client, mailoutbox):
    # The same answer either way, so the form does not reveal who has an account.
    response = client.post("/password-reset/", {"email": "stranger@example.com"})

    assert response.status_code == 302
    assert response["Location"] == "/password-reset/sent/"
    assert mailoutbox == []


def test_reset_request_for_a_deactivated_account_sends_nothing(client, mailoutbox):
    user = UserFactory(is_active=False)

    client.post("/password-reset/", {"email": user.email})

    assert mailoutbox == []


def test_reset_link_sets_a_new_password(client, person, mailoutbox):
    client.post("/password-reset/", {"email": person.email})

    form_page = client.get(_reset_link_path(mailoutbox[0]), follow=True)
    assert form_page.context["validlink"] is True
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/password-reset/complete/"
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert not person.check_password(PASSWORD)
    assert client.post("/login/", {"username": person.email, "password": NEW_PASSWORD})[
        "Location"
    ] == ("/workspaces/open/")


def test_reset_link_works_only_once(client, person, mailoutbox):
    client.post("/password-reset/", {"email": person.email})
    link = _reset_link_path(mailoutbox[0])
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(link, follow=True)

    assert again.context["validlink"] is False
    assert b"This link no longer works" in again.content


def test_reset_link_with_a_forged_token_is_refused(client, person, mailoutbox):
    client.post("/password-reset/", {"email": person.email})
    link = _reset_link_path(mailoutbox[0])
    uid = link.split("/")[2]

    response = client.get(f"/password-reset/{uid}/bogus-token123/", follow=True)

    assert response.context["validlink"] is False
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_reset_refuses_a_weak_new_password(client, person, mailoutbox):
    client.post("/password-reset/", {"email": person.email})
    form_url = client.get(_reset_link_path(mailoutbox[0]), follow=True).redirect_chain[-1][0]

    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_reset_does_not_log_the_person_in(client, person, mailoutbox):
    client.post("/password-reset/", {"email": person.email})
    form_url = client.get(_reset_link_path(mailoutbox[0]), follow=True).redirect_chain[-1][0]

    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert SESSION_KEY not in client.session


@pytest.mark.parametrize("typed", ["\uff52eset.me@example.com", "re\u017fet.me@example.com"])
def test_reset_request_in_a_folding_spelling_mails_the_stored_address(
    client, person, mailoutbox, typed
):
    """Fullwidth letters, a long s: the same identity (tenants/identity.py), mailed at the
    address the account has, never the one typed."""
    response = client.post("/password-reset/", {"email": typed})

    assert response.status_code == 302
    assert [message.to for message in mailoutbox] == [[person.email]]


def test_reset_request_for_a_dotless_i_look_alike_sends_nothing(client, mailoutbox):
    UserFactory(email="ivan@example.com")

    response = client.post("/password-reset/", {"email": "\u0131van@example.com"})

    assert response.status_code == 302
    assert mailoutbox == []
