"""Billing is per workspace: no member of A can read or change B's billing, A's Checkout and
Portal only ever name A's Stripe customer, a Stripe event about A's customer never touches B,
B's hidden leads never show in A's notice, and billing tasks act on their own workspace only.
(The billing pages themselves are attacked with every other page by test_workspace_pages.py.)"""

import pytest
from django_tenants.utils import schema_context

from billing.models import BillingAccount, UsageAlert
from billing.tasks import billing_email_send, usage_alert_send
from leads.models import Lead
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def b_customer(workspace_b, stripe_fake):
    customer = stripe_fake.customer_add(name="Bravo Corp")
    return BillingAccount.objects.create(workspace=workspace_b, stripe_customer_id=customer["id"])


def test_owner_of_a_checkout_and_portal_never_reach_the_customer_of_b(
    owner_client,
    workspace_a,
    b_customer,
    stripe_fake,
):
    owner_client.post(
        f"/w/{workspace_a.slug}/billing/checkout/", {"plan": "starter", "interval": "monthly"}
    )
    portal = owner_client.post(f"/w/{workspace_a.slug}/billing/portal/")

    [session] = stripe_fake.checkout_sessions.values()
    [portal_session] = stripe_fake.portal_sessions.values()
    a_customer = BillingAccount.objects.get(workspace=workspace_a).stripe_customer_id
    assert session["customer"] == portal_session["customer"] == a_customer
    assert a_customer != b_customer.stripe_customer_id
    assert session["client_reference_id"] == str(workspace_a.pk)
    assert portal.status_code == 302


def test_owner_of_b_cannot_change_the_billing_of_a(outsider_client, workspace_a, stripe_fake):
    for path in ("billing/", "billing/checkout/", "billing/portal/"):
        response = outsider_client.post(
            f"/w/{workspace_a.slug}/{path}", {"plan": "growth", "interval": "monthly"}
        )
        assert response.status_code == 404
    assert stripe_fake.requests == []
    assert not BillingAccount.objects.filter(workspace=workspace_a).exists()


def test_a_checkout_of_a_naming_b_changes_nothing_for_b(
    owner_client,
    workspace_a,
    workspace_b,
    b_customer,
    stripe_fake,
    send_event,
    snapshot_b,
):
    owner_client.post(
        f"/w/{workspace_a.slug}/billing/checkout/", {"plan": "growth", "interval": "monthly"}
    )
    [session] = stripe_fake.checkout_sessions.values()
    completed = stripe_fake.checkout_complete(session["id"])
    before = snapshot_b()

    # Forged on A's side or not, an event only ever applies to the workspace of its customer.
    completed["client_reference_id"] = str(workspace_b.pk)
    send_event(stripe_fake.event("checkout.session.completed", completed))

    assert snapshot_b() == before
    assert BillingAccount.objects.get(workspace=workspace_b).plan == "free"


def test_hidden_leads_of_b_are_not_counted_in_the_notice_of_a(
    owner_client, workspace_a, workspace_b
):
    with schema_context(workspace_b.schema_name):
        LeadFactory(email="hidden@bravo.example", over_quota=True)

    page = owner_client.get(f"/w/{workspace_a.slug}/leads/").content.decode()

    assert "Upgrade to see" not in page


def test_a_billing_email_of_b_queued_from_a_is_refused(
    workspace_a, workspace_b, b_customer, mailoutbox
):
    alert = UsageAlert.objects.create(
        workspace=workspace_b, month="2026-01-01", limit_name="conversations", threshold=80
    )
    with schema_context(workspace_a.schema_name):
        assert billing_email_send(workspace_b.pk, "downgraded") == 0
        assert usage_alert_send(alert.pk) == 0
    assert mailoutbox == []


def test_a_lead_of_b_with_the_id_of_a_lead_of_a_is_hidden_only_in_b(
    owner_client, workspace_a, workspace_b
):
    with schema_context(workspace_a.schema_name):
        visible = LeadFactory(email="visible@alpha.example")
    with schema_context(workspace_b.schema_name):
        Lead.objects.filter(pk=visible.pk).update(over_quota=True)

    response = owner_client.get(f"/w/{workspace_a.slug}/leads/{visible.pk}/")

    assert response.status_code == 200
