"""Two sign-ups with one e-mail, or one workspace address, at the same moment: the second gets
a form error, not a 500.

Both forms find the e-mail (or address) free; the first to save wins and the other's INSERT
meets the unique constraint. The race is forced, not hoped for: the moment the sign-up under
test saves its row, another connection inserts a row with the same value and commits, as a
concurrent sign-up that got there first would."""

from collections.abc import Callable
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
    "workspace_slug": "northwind",
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
def committed_first():
    """`committed_first(model, insert, delete)`: when a `model` row is about to be inserted,
    another connection first runs `insert(row)` and commits (once); `delete()` runs on such a
    connection after the test. Returns the rows the sign-up was inserting when it happened."""
    threads = ThreadPoolExecutor(max_workers=1)
    raced: list = []
    cleanups: list[Callable] = []

    def arm(model, insert: Callable, delete: Callable) -> list:
        def first_to_commit(sender, instance, **kwargs):
            # The competitor's own save sends this signal too (from its thread): only the
            # sign-up's save starts a competitor.
            if raced or not instance._state.adding:
                return
            raced.append(instance)
            threads.submit(_on_own_connection(lambda: insert(instance))).result(WAIT_SECONDS)

        pre_save.connect(first_to_commit, sender=model, weak=False, dispatch_uid="committed_first")
        cleanups.append(lambda: pre_save.disconnect(sender=model, dispatch_uid="committed_first"))
        cleanups.append(lambda: threads.submit(_on_own_connection(delete)).result(WAIT_SECONDS))
        return raced

    try:
        yield arm
    finally:
        for cleanup in cleanups:
            cleanup()
        threads.shutdown()


def test_the_signup_that_loses_the_race_for_its_email_gets_a_form_error(client, committed_first):
    raced = committed_first(
        User,
        insert=lambda user: User.objects.create_user(user.email, PASSWORD),
        delete=lambda: User.objects.filter(email=SIGNUP["email"]).delete(),
    )

    response = client.post("/signup/", SIGNUP)

    assert [user.email for user in raced] == [SIGNUP["email"]]
    assert response.status_code == 200
    assert "already exists" in response.context["form"].errors["email"][0]
    assert not Workspace.objects.filter(slug=SIGNUP["workspace_slug"]).exists()
    # The winner's account, committed by the other connection, is the only one.
    winners = User.objects.filter(email=SIGNUP["email"]).values_list("full_name", flat=True)
    assert list(winners) == [""]


def test_the_signup_that_loses_the_race_for_its_address_gets_a_form_error(client, committed_first):
    # The competitor's row only (bulk_create skips the schema): the INSERT is what races.
    raced = committed_first(
        Workspace,
        insert=lambda workspace: Workspace.objects.bulk_create(
            [Workspace(name="Rival", slug=workspace.slug, schema_name=workspace.schema_name)]
        ),
        delete=lambda: Workspace.objects.filter(slug=SIGNUP["workspace_slug"]).delete(),
    )

    response = client.post("/signup/", SIGNUP)

    assert [workspace.slug for workspace in raced] == [SIGNUP["workspace_slug"]]
    assert response.status_code == 200
    assert "already taken" in response.context["form"].errors["workspace_slug"][0]
    assert not User.objects.filter(email=SIGNUP["email"]).exists()
