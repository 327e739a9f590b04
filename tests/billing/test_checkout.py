"""Upgrading goes through Stripe Checkout and managing through the Customer Portal: owners
only; a plan not on offer, a workspace already subscribed or Stripe down get a message, never
a 500; the plan itself changes only when Stripe's webhook says so."""

import pytest

from billing.models import BillingAccount

pytestmark = pytest.mark.django_db


def _checkout(client, workspace, **data):
    return client.post(f"/w/{workspace.slug}/billing/checkout/", data)


def _messages(client, workspace) -> str:
    return client.get(f"/w/{workspace.slug}/billing/").content.decode()


def test_owner_is_sent_to_stripe_checkout_for_the_plan_chosen(
    owner_client, owner, workspace_a, stripe_fake
):
    response = _checkout(owner_client, workspace_a, plan="starter", interval="yearly")

    assert response.status_code == 302
    session = next(iter(stripe_fake.checkout_sessions.values()))
    assert response["Location"] == session["url"]
    assert session["mode"] == "subscription"
    assert session["client_reference_id"] == str(workspace_a.pk)
    [item] = stripe_fake.checkout_requests[session["id"]]["line_items"]
    assert stripe_fake.prices[item["price"]]["lookup_key"] == "parley_starter_yearly"
    assert session["success_url"].endswith(f"/w/{workspace_a.slug}/billing/?checkout=done")
    customer = stripe_fake.customers[session["customer"]]
    assert customer["email"] == owner.email
    assert customer["metadata"] == {"workspace_id": str(workspace_a.pk)}
    # Nothing is believed until Stripe's webhook says the subscription is paid.
    assert BillingAccount.objects.get(workspace=workspace_a).plan == "free"


def test_the_pay_per_result_plan_adds_the_metered_price_without_a_quantity(
    owner_client, workspace_a, stripe_fake
):
    _checkout(owner_client, workspace_a, plan="results", interval="monthly")

    [sent] = stripe_fake.checkout_requests.values()
    keys = [stripe_fake.prices[i["price"]]["lookup_key"] for i in sent["line_items"]]
    assert keys == ["parley_results_monthly", "parley_results_per_qualified_lead"]
    assert "quantity" not in sent["line_items"][1]


def test_a_second_checkout_reuses_the_workspace_customer(owner_client, workspace_a, stripe_fake):
    _checkout(owner_client, workspace_a, plan="starter", interval="monthly")
    _checkout(owner_client, workspace_a, plan="growth", interval="monthly")

    assert len(stripe_fake.customers) == 1
    assert len(stripe_fake.checkout_sessions) == 2


def test_price_ids_from_the_environment_win_over_lookup_keys(
    owner_client, workspace_a, stripe_fake, settings
):
    price = stripe_fake.price_add("some_other_key")
    settings.STRIPE_PRICE_IDS = {"parley_starter_monthly": price["id"]}

    _checkout(owner_client, workspace_a, plan="starter", interval="monthly")

    [sent] = stripe_fake.checkout_requests.values()
    assert sent["line_items"][0]["price"] == price["id"]
    assert not stripe_fake.requests_to("GET", "/v1/prices")


@pytest.mark.parametrize("client_fixture", ["admin_client_a", "member_client"])
def test_only_owners_may_start_checkout_or_open_the_portal(
    request, client_fixture, workspace_a, stripe_fake
):
    client = request.getfixturevalue(client_fixture)

    checkout = _checkout(client, workspace_a, plan="starter", interval="monthly")
    portal = client.post(f"/w/{workspace_a.slug}/billing/portal/")

    assert checkout.status_code == portal.status_code == 403
    assert stripe_fake.requests == []


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"plan": "free", "interval": "monthly"},
        {"plan": "nope", "interval": "monthly"},
        {"plan": "results", "interval": "yearly"},
        {"plan": "starter", "interval": "weekly"},
    ],
)
def test_a_plan_not_on_offer_gets_a_message(owner_client, workspace_a, stripe_fake, data):
    response = _checkout(owner_client, workspace_a, **data)

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace_a.slug}/billing/"
    assert stripe_fake.checkout_sessions == {}
    assert 'class="error"' in _messages(owner_client, workspace_a)


def test_without_stripe_keys_checkout_says_billing_is_not_enabled(owner_client, workspace_a):
    response = _checkout(owner_client, workspace_a, plan="starter", interval="monthly")

    assert response.status_code == 302
    assert "Billing is not enabled on this server" in _messages(owner_client, workspace_a)


def test_stripe_down_gets_a_message_not_a_500(owner_client, workspace_a, stripe_fake):
    stripe_fake.outage = True

    response = _checkout(owner_client, workspace_a, plan="starter", interval="monthly")

    assert response.status_code == 302
    assert "Stripe could not be reached" in _messages(owner_client, workspace_a)


def test_a_subscribed_workspace_changes_plan_in_the_portal_not_in_checkout(
    owner_client, workspace_a, stripe_fake, subscribed
):
    subscribed("starter")

    response = _checkout(owner_client, workspace_a, plan="growth", interval="monthly")

    assert len(stripe_fake.checkout_sessions) == 1
    assert response["Location"] == f"/w/{workspace_a.slug}/billing/"
    page = _messages(owner_client, workspace_a)
    assert "already has a subscription" in page
    assert "Manage billing" in page
    assert "Upgrade to" not in page


def test_owner_opens_the_customer_portal_of_the_workspace(
    owner_client, workspace_a, stripe_fake, subscribed
):
    subscribed("starter")

    response = owner_client.post(f"/w/{workspace_a.slug}/billing/portal/")

    [session] = stripe_fake.portal_sessions.values()
    assert response.status_code == 302
    assert response["Location"] == session["url"]
    account = BillingAccount.objects.get(workspace=workspace_a)
    assert session["customer"] == account.stripe_customer_id
    assert session["return_url"].endswith(f"/w/{workspace_a.slug}/billing/")


def test_the_portal_before_any_subscription_gets_a_message(owner_client, workspace_a, stripe_fake):
    response = owner_client.post(f"/w/{workspace_a.slug}/billing/portal/")

    assert response.status_code == 302
    assert stripe_fake.portal_sessions == {}
    assert "Subscribe to a plan first" in _messages(owner_client, workspace_a)


def test_checkout_needs_a_post(owner_client, workspace_a, stripe_fake):
    assert owner_client.get(f"/w/{workspace_a.slug}/billing/checkout/").status_code == 405
