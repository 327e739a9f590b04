import time
from types import SimpleNamespace
from unittest import mock

import pytest

from tenants.models import User, Workspace
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_PER_ACCOUNT = 10
LOGIN_PER_ADDRESS = 20
SIGNUP_PER_ADDRESS = 10
RESET_PER_ADDRESS = 5


@pytest.fixture(autouse=True)
def _one_rate_limit_window():
    """Keep every request of a test in one rate-limit window: django-ratelimit starts a new
    count each minute, which would otherwise reset a test that straddles the boundary."""
    now = time.time()
    frozen = SimpleNamespace(time=lambda: now)
    with mock.patch("django_ratelimit.core.time", frozen):
        yield


def _assert_throttled(response):
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert b"Too many attempts" in response.content


def _wrong_login(client, email, address="10.0.0.1"):
    return client.post(
        "/login/", {"username": email, "password": "not-the-password"}, REMOTE_ADDR=address
    )


def test_login_is_throttled_per_account_after_repeated_attempts(client, owner):
    for _ in range(LOGIN_PER_ACCOUNT):
        assert _wrong_login(client, owner.email).status_code == 200

    _assert_throttled(_wrong_login(client, owner.email))


def test_throttled_login_refuses_even_the_right_password(client, owner):
    for _ in range(LOGIN_PER_ACCOUNT):
        _wrong_login(client, owner.email)

    response = client.post(
        "/login/", {"username": owner.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )

    _assert_throttled(response)
    assert "_auth_user_id" not in client.session


def test_login_throttle_per_account_holds_across_client_addresses(client, owner):
    for attempt in range(LOGIN_PER_ACCOUNT):
        _wrong_login(client, owner.email, address=f"10.0.1.{attempt}")

    _assert_throttled(_wrong_login(client, owner.email, address="10.0.2.1"))


def test_login_throttle_per_account_ignores_email_case(client, owner):
    for attempt in range(LOGIN_PER_ACCOUNT):
        variant = owner.email.upper() if attempt % 2 else owner.email
        _wrong_login(client, variant, address=f"10.0.1.{attempt}")

    _assert_throttled(_wrong_login(client, owner.email.title(), address="10.0.2.1"))


def test_login_is_throttled_per_client_address_across_accounts(client):
    for attempt in range(LOGIN_PER_ADDRESS):
        assert _wrong_login(client, f"guess{attempt}@example.com").status_code == 200

    _assert_throttled(_wrong_login(client, "one-more@example.com"))
    # Another address is not affected.
    assert _wrong_login(client, "one-more@example.com", address="10.9.9.9").status_code == 200


def test_showing_the_login_page_is_not_throttled(client, owner):
    for _ in range(LOGIN_PER_ACCOUNT):
        _wrong_login(client, owner.email)

    assert client.get("/login/").status_code == 200


def test_signup_is_throttled_per_client_address(client):
    for _ in range(SIGNUP_PER_ADDRESS):
        assert client.post("/signup/", {}, REMOTE_ADDR="10.0.0.2").status_code == 200

    valid = {
        "email": "late@example.com",
        "password": PASSWORD,
        "workspace_name": "Late Comer",
    }
    _assert_throttled(client.post("/signup/", valid, REMOTE_ADDR="10.0.0.2"))
    assert not User.objects.filter(email="late@example.com").exists()
    assert not Workspace.objects.filter(slug="late-comer").exists()


def test_password_reset_is_throttled_per_client_address(client, owner, mailoutbox):
    for _ in range(RESET_PER_ADDRESS):
        client.post("/password-reset/", {"email": owner.email}, REMOTE_ADDR="10.0.0.3")
    assert len(mailoutbox) == RESET_PER_ADDRESS

    _assert_throttled(
        client.post("/password-reset/", {"email": owner.email}, REMOTE_ADDR="10.0.0.3")
    )
    assert len(mailoutbox) == RESET_PER_ADDRESS


def test_login_throttle_per_account_counts_look_alike_spellings(client):
    """The long s (U+017F) folds to "s": each spelling is one account, and one allowance."""
    UserFactory(email="sam@example.com")
    spellings = ["sam@example.com", "\u017fam@example.com", "\u017fAM@example.com"]
    for attempt in range(LOGIN_PER_ACCOUNT):
        _wrong_login(client, spellings[attempt % 3], address=f"10.0.1.{attempt}")

    _assert_throttled(_wrong_login(client, "\u017fam@example.com", address="10.0.2.1"))
