import pytest
from django.db import connection

from tenants.models import Membership, Role, User, Workspace
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

VALID = {
    "full_name": "Ada Manager",
    "email": "ada@northwind.example",
    "password": PASSWORD,
    "workspace_name": "Northwind Traders",
    "workspace_slug": "",
}


def test_signup_creates_workspace_owner_and_lands_on_dashboard(client):
    response = client.post("/signup/", VALID)

    assert response.status_code == 302
    assert response["Location"] == "/w/northwind-traders/"
    workspace = Workspace.objects.get(slug="northwind-traders")
    user = User.objects.get(email="ada@northwind.example")
    assert Membership.objects.get(user=user, workspace=workspace).role == Role.OWNER
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s",
            [workspace.schema_name],
        )
        assert cursor.fetchone() is not None
    # How fast (a spare schema taken, or the template cloned): bench/workspace_signup.py.

    dashboard = client.get(response["Location"])
    assert dashboard.status_code == 200
    assert b"Northwind Traders" in dashboard.content
    assert b"Build a conversational form" in dashboard.content


def test_signup_uses_the_chosen_address(client):
    client.post("/signup/", {**VALID, "workspace_slug": "nw-sales"})
    assert Workspace.objects.filter(slug="nw-sales", schema_name="ws_nw_sales").exists()


def test_signup_with_an_email_already_used_shows_a_form_error(client):
    UserFactory(email="ada@northwind.example")
    response = client.post("/signup/", {**VALID, "email": "ADA@northwind.example"})
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["email"][0]
    assert not Workspace.objects.filter(slug="northwind-traders").exists()


def test_signup_with_a_weak_password_shows_a_form_error(client):
    response = client.post("/signup/", {**VALID, "password": "12345678"})
    assert response.status_code == 200
    errors = response.context["form"].errors["password"]
    assert any("too short" in e for e in errors)
    assert any("entirely numeric" in e for e in errors)
    assert not User.objects.filter(email=VALID["email"]).exists()


@pytest.mark.parametrize("slug", ["www", "api", "admin", "public", "static"])
def test_signup_with_a_reserved_address_is_refused(client, slug):
    response = client.post("/signup/", {**VALID, "workspace_slug": slug})
    assert response.status_code == 200
    assert "reserved" in response.context["form"].errors["workspace_slug"][0]


@pytest.mark.parametrize("slug", ["Bad Slug", "-dash", "9lives", "ab", "x" * 41, "ends-"])
def test_signup_with_an_invalid_address_is_refused(client, slug):
    response = client.post("/signup/", {**VALID, "workspace_slug": slug})
    assert response.status_code == 200
    assert response.context["form"].errors["workspace_slug"]


def test_signup_with_a_taken_address_is_refused(client, workspace_a):
    response = client.post("/signup/", {**VALID, "workspace_slug": workspace_a.slug})
    assert response.status_code == 200
    assert "already taken" in response.context["form"].errors["workspace_slug"][0]
    assert not User.objects.filter(email=VALID["email"]).exists()


def test_signup_with_missing_fields_lists_each_one(client):
    response = client.post("/signup/", {})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"email", "password", "workspace_name"}


# --- The address is the identity (tenants/identity.py) ----------------------------------------


def test_signup_keeps_the_normalised_address(client):
    response = client.post("/signup/", {**VALID, "email": "\u017fAM@Northwind.example"})

    assert response.status_code == 302
    assert User.objects.filter(email="sam@northwind.example").exists()


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("sam@northwind.example", "\u017fam@northwind.example"),  # long s
        ("kate@northwind.example", "\u212aate@northwind.example"),  # Kelvin sign
        ("ada@northwind.example", "\uff41da@northwind.example"),  # fullwidth a
    ],
)
def test_signup_with_a_look_alike_of_an_existing_email_shows_a_form_error(client, existing, typed):
    UserFactory(email=existing)

    response = client.post("/signup/", {**VALID, "email": typed})

    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["email"][0]
    assert User.objects.filter(email__endswith="@northwind.example").count() == 1


@pytest.mark.parametrize("typed", ["\u0131van@northwind.example", "\u0130van@northwind.example"])
def test_signup_with_a_dotted_or_dotless_i_look_alike_shows_a_form_error(client, typed):
    """They fold to no plain address, so no mail system delivers them as the "ivan" they look
    like: refused whether or not Ivan has an account."""
    UserFactory(email="ivan@northwind.example")

    response = client.post("/signup/", {**VALID, "email": typed})

    assert response.status_code == 200
    assert "plain letters" in response.context["form"].errors["email"][0]
    assert User.objects.filter(email__endswith="@northwind.example").count() == 1
