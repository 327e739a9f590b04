import pytest
from django.contrib.auth import SESSION_KEY

from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_login_with_email_and_password_opens_the_users_workspace(client, owner, workspace_a):
    response = client.post("/login/", {"username": owner.email, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/workspaces/open/"
    assert client.session[SESSION_KEY] == str(owner.pk)
    assert client.get(response["Location"])["Location"] == f"/w/{workspace_a.slug}/"


def test_login_email_is_case_insensitive(client, owner):
    response = client.post("/login/", {"username": owner.email.upper(), "password": PASSWORD})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(owner.pk)


def test_login_with_a_wrong_password_shows_an_error_and_stays_logged_out(client, owner):
    response = client.post("/login/", {"username": owner.email, "password": "wrong-password"})

    assert response.status_code == 200
    assert "do not match an account" in response.context["form"].non_field_errors()[0]
    assert SESSION_KEY not in client.session


def test_login_with_an_unknown_email_shows_the_same_error(client):
    response = client.post("/login/", {"username": "nobody@example.com", "password": PASSWORD})

    assert response.status_code == 200
    assert "do not match an account" in response.context["form"].non_field_errors()[0]
    assert SESSION_KEY not in client.session


def test_deactivated_account_cannot_log_in(client):
    user = UserFactory(is_active=False)

    response = client.post("/login/", {"username": user.email, "password": PASSWORD})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session


def test_login_follows_a_next_url_on_this_site(client, owner, workspace_a):
    next_url = f"/w/{workspace_a.slug}/members/"

    response = client.post(
        "/login/", {"username": owner.email, "password": PASSWORD, "next": next_url}
    )

    assert response["Location"] == next_url


def test_login_ignores_a_next_url_on_another_site(client, owner):
    response = client.post(
        "/login/",
        {"username": owner.email, "password": PASSWORD, "next": "https://evil.example/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/workspaces/open/"


def test_logged_in_person_visiting_login_is_sent_to_their_workspace(owner_client):
    response = owner_client.get("/login/")

    assert response.status_code == 302
    assert response["Location"] == "/workspaces/open/"


def test_anonymous_visitor_of_a_workspace_page_is_sent_to_login_and_back(client, workspace_a):
    dashboard = f"/w/{workspace_a.slug}/"

    response = client.get(dashboard)

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={dashboard}"


def test_logout_ends_the_session(owner_client, workspace_a):
    response = owner_client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert SESSION_KEY not in owner_client.session
    assert owner_client.get(f"/w/{workspace_a.slug}/").status_code == 302


def test_logout_by_get_is_refused(owner_client, owner):
    # A link or an image on another site must not be able to log people out.
    response = owner_client.get("/logout/")

    assert response.status_code == 405
    assert owner_client.session[SESSION_KEY] == str(owner.pk)


def test_one_login_reaches_every_workspace_of_the_person(client, workspace_a, workspace_b):
    user = MembershipFactory(workspace=workspace_a).user
    MembershipFactory(user=user, workspace=workspace_b)
    client.post("/login/", {"username": user.email, "password": PASSWORD})

    assert client.get(f"/w/{workspace_a.slug}/").status_code == 200
    assert client.get(f"/w/{workspace_b.slug}/").status_code == 200


# --- Look-alike spellings (tenants/identity.py: the normalised address is the identity) --------


def test_a_spelling_that_folds_to_the_address_logs_into_that_account(client):
    user = UserFactory(email="sam@example.com")

    response = client.post("/login/", {"username": "\u017fam@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


def test_a_look_alike_that_folds_to_another_address_does_not_log_in(client):
    """With a dotless i (U+0131), "ivan" folds to itself, not to "ivan": it is not Ivan's
    address, even though PostgreSQL's upper() makes both "IVAN"."""
    UserFactory(email="ivan@example.com")

    response = client.post("/login/", {"username": "\u0131van@example.com", "password": PASSWORD})

    assert response.status_code == 200
    assert "do not match an account" in response.context["form"].non_field_errors()[0]
    assert SESSION_KEY not in client.session


def test_a_fullwidth_spelling_of_the_address_logs_into_that_account(client):
    user = UserFactory(email="ada@example.com")

    response = client.post(
        "/login/", {"username": "\uff41\uff44\uff41@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)
