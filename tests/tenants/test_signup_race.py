"""Two sign-ups with one e-mail at the same moment: the second gets a form error, not a 500.

Both forms find the address free; the first to save its user wins and the other's INSERT meets
the unique constraint. The race is forced, not hoped for: the moment the sign-up under test
saves its user, another connection creates a user with the same address and commits, as a
concurrent sign-up that got there first would."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.db.models.signals import pre_save

from tenants.models import User, Workspace
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WAIT_SECONDS = 30
SIGNUP = {
    "full_name": "Ada Manager",
    "email": "ada@northwind.example",
    "password": PASSWORD,
    "workspace_name": "Northwind Traders",
    "workspace_slug": "",
}


def _on_own_connection(work):
    """`work` for a thread: its own connection, outside the test's transaction, closed after."""

    def run():
        try:
            return work()
        finally:
            connections.close_all()

    return run


@pytest.fixture
def concurrent_signup_wins():
    """When a User is about to be inserted, another connection first commits one with the same
    e-mail (once). Yields the addresses it committed; deletes them afterwards."""
    committed: list[str] = []
    threads = ThreadPoolExecutor(max_workers=1)

    def first_to_commit(sender, instance, **kwargs):
        # The competitor's own save sends this signal too (from its thread): only the first
        # save, the sign-up's, starts a competitor.
        if committed or instance.pk is not None:
            return
        committed.append(instance.email)
        threads.submit(
            _on_own_connection(lambda: User.objects.create_user(instance.email, PASSWORD))
        ).result(WAIT_SECONDS)

    pre_save.connect(first_to_commit, sender=User, dispatch_uid="concurrent_signup_wins")
    try:
        yield committed
    finally:
        pre_save.disconnect(sender=User, dispatch_uid="concurrent_signup_wins")
        threads.submit(
            _on_own_connection(lambda: User.objects.filter(email__in=committed).delete())
        ).result(WAIT_SECONDS)
        threads.shutdown()


def test_the_signup_that_loses_the_race_for_its_email_gets_a_form_error(
    client, concurrent_signup_wins
):
    response = client.post("/signup/", SIGNUP)

    assert concurrent_signup_wins == [SIGNUP["email"]]
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["email"][0]
    assert not Workspace.objects.filter(slug="northwind-traders").exists()
    # The winner's account, committed by the other connection, is the only one.
    assert list(User.objects.filter(email=SIGNUP["email"]).values_list("full_name", flat=True)) == [
        ""
    ]
