"""A form's views: each load of its public page (or of the embed's frame, the same page) adds
one to the form's counter of the day, one row per form and day; counting never fails the
visitor's page."""

from datetime import UTC, datetime

import pytest
from django_tenants.utils import schema_context

from forms_builder.counters import form_view_record
from forms_builder.models import FormViewDay
from forms_builder.services import form_create, form_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_form(workspace_a):
    with schema_context(workspace_a.schema_name):
        form = form_create(name="Contact sales")
        form_publish(form=form)
    return form


@pytest.fixture
def page(workspace_a, published_form):
    return f"/w/{workspace_a.slug}/f/{published_form.slug}/"


def test_each_load_of_the_page_adds_one_view_to_the_days_single_row(
    client, page, published_form, workspace_a
):
    for _ in range(3):
        assert client.get(page).status_code == 200
    # The embed's frame is the same page with the host page's parameters.
    assert (
        client.get(page + "?utm_source=x&parley_landing=https://acme.example/").status_code == 200
    )

    with schema_context(workspace_a.schema_name):
        rows = list(FormViewDay.objects.values_list("form_id", "views"))
    assert rows == [(published_form.pk, 4)]


def test_views_of_another_day_go_to_another_row(published_form, workspace_a):
    with schema_context(workspace_a.schema_name):
        form_view_record(form=published_form, now=datetime(2026, 3, 1, 23, 59, tzinfo=UTC))
        form_view_record(form=published_form, now=datetime(2026, 3, 2, 0, 1, tzinfo=UTC))
        form_view_record(form=published_form, now=datetime(2026, 3, 2, 12, 0, tzinfo=UTC))

        days = list(FormViewDay.objects.order_by("day").values_list("day", "views"))
    assert [(day.isoformat(), views) for day, views in days] == [
        ("2026-03-01", 1),
        ("2026-03-02", 2),
    ]


def test_a_missing_or_unpublished_form_counts_nothing(client, workspace_a):
    assert client.get(f"/w/{workspace_a.slug}/f/no-such-form/").status_code == 404
    with schema_context(workspace_a.schema_name):
        assert not FormViewDay.objects.exists()


def test_a_count_that_fails_is_logged_and_the_page_still_loads(
    client, page, workspace_a, monkeypatch, caplog
):
    # A counter table that is not there: the statement fails in the database.
    monkeypatch.setattr(FormViewDay._meta, "db_table", "form_view_day_gone")

    response = client.get(page)

    assert response.status_code == 200
    assert "Could not count a view of form" in caplog.text


def test_a_failed_count_inside_a_transaction_leaves_the_transaction_usable(
    published_form, workspace_a
):
    with schema_context(workspace_a.schema_name):
        FormViewDay.objects.create(form=published_form, day=datetime(2026, 3, 1).date())
        published_form.pk = "not-a-number"  # the statement fails in the database

        form_view_record(form=published_form)

        # The failed statement was rolled back to its savepoint: the test's transaction goes on.
        assert FormViewDay.objects.count() == 1
