"""The billing page: the plan, its limits and this month's usage with a bar each, for every
member; the buttons that change billing for owners only; without Stripe keys, how to enable it."""

import pytest
from django_tenants.utils import schema_context

from billing.models import Usage
from billing.quotas import month_start

pytestmark = pytest.mark.django_db


def _page(client, workspace):
    response = client.get(f"/w/{workspace.slug}/billing/")
    assert response.status_code == 200
    return response.content.decode()


def test_without_stripe_keys_the_workspace_is_on_free_and_the_page_says_how_to_enable_billing(
    owner_client, workspace_a, settings
):
    settings.STRIPE_SECRET_KEY = ""

    page = _page(owner_client, workspace_a)

    assert 'data-testid="current-plan">Free<' in page
    assert "Billing is not enabled on this server" in page
    assert "STRIPE_SECRET_KEY" in page
    assert "/billing/stripe/webhook/" in page
    assert "Upgrade to" not in page


def test_usage_shows_each_limit_with_a_progress_bar(owner_client, workspace_a):
    Usage.objects.create(workspace=workspace_a, month=month_start(), conversations=80)

    page = _page(owner_client, workspace_a)

    assert "Conversations this month" in page
    assert "80 / 100" in page
    assert 'max="100" value="80"' in page
    for label in ("Qualified leads this month", "Members", "Live forms"):
        assert label in page
    assert page.count("<progress") == 4


def test_usage_counts_members_and_published_forms(owner_client, workspace_a, published_form):
    page = _page(owner_client, workspace_a)

    # The founder of the session's workspace and this test's owner.
    members = workspace_a.memberships.count()
    assert f"{members} / 5" in page
    assert "1 / 10" in page


def test_owner_is_offered_every_paid_plan_monthly_and_yearly(
    owner_client, workspace_a, stripe_fake
):
    page = _page(owner_client, workspace_a)

    assert "Upgrade to Starter, monthly" in page
    assert "Upgrade to Starter, yearly" in page
    assert "Upgrade to Growth, yearly" in page
    assert "Upgrade to Pay per result, monthly" in page
    assert "€3 per qualified lead" in page


@pytest.mark.parametrize("client_fixture", ["admin_client_a", "member_client"])
def test_admins_and_members_see_usage_but_no_button_that_changes_billing(
    request, client_fixture, workspace_a, stripe_fake
):
    page = _page(request.getfixturevalue(client_fixture), workspace_a)

    assert "Conversations this month" in page
    assert "Upgrade to" not in page
    assert "Manage billing" not in page
    assert "Only the workspace's owners can change its billing." in page


def test_the_billing_tab_is_in_the_workspace_menu(member_client, workspace_a):
    response = member_client.get(f"/w/{workspace_a.slug}/")

    assert f'href="/w/{workspace_a.slug}/billing/"' in response.content.decode()


def test_usage_of_another_month_does_not_count(owner_client, workspace_a):
    with schema_context("public"):
        Usage.objects.create(
            workspace=workspace_a, month=month_start().replace(year=2020), conversations=99
        )

    assert "0 / 100" in _page(owner_client, workspace_a)
