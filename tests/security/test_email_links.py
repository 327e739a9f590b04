"""Every link in every e-mail points at PARLEY_BASE_URL, whatever Host header the request that
caused the e-mail carried. Workspaces have their own host names, so ALLOWED_HOSTS has to admit a
whole domain (".parley.test"): a stranger can send any name inside it, and a reset link on a host
of theirs would hand them the account (issue 17)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import UsageAlert
from billing.tasks import billing_email_send, usage_alert_send
from exports import services as export_services
from leads.models import Band
from leads.prioritization import lead_band_enter
from leads.services.alerts import leads_overdue_alert
from tests.factories import LeadFactory
from webhooks.deliveries import endpoint_disabled_mail_send
from webhooks.models import Endpoint, EventType

pytestmark = pytest.mark.django_db

BASE_URL = "https://app.parley.test"
# Inside ALLOWED_HOSTS (".parley.test") but no workspace's and not Parley's own.
HOSTILE_HOST = "attacker-controlled.parley.test"
LINK = re.compile(r"https?://[^\s<>\"')]+")


@pytest.fixture(autouse=True)
def hosts(settings):
    settings.PARLEY_BASE_URL = BASE_URL
    settings.PARLEY_WORKSPACE_DOMAIN = "parley.test"
    settings.ALLOWED_HOSTS = [".parley.test", "testserver"]


def _links(message) -> list[str]:
    """The links of the message's text and of its HTML alternative, if any."""
    bodies = [message.body, *(content for content, _ in getattr(message, "alternatives", []))]
    return [link for body in bodies for link in LINK.findall(body)]


def assert_links_on_the_base_url(mailoutbox, expected_count=1, foreign=()):
    """Every link of every message is on the base URL, but for `foreign` ones (an address the
    workspace configured, quoted in the message)."""
    assert len(mailoutbox) >= expected_count
    for message in mailoutbox:
        links = [link for link in _links(message) if link not in foreign]
        assert links, message.body
        assert all(link.startswith(f"{BASE_URL}/") for link in links), links
        assert HOSTILE_HOST not in message.body


@pytest.fixture
def on_hostile_host():
    """Make a test client send the hostile Host header on every request."""

    def point(client):
        client.defaults["HTTP_HOST"] = HOSTILE_HOST
        return client

    return point


# --- E-mails a request on the hostile host causes ------------------------------------------------


def test_password_reset_link(client, owner, on_hostile_host, mailoutbox):
    response = on_hostile_host(client).post("/password-reset/", {"email": owner.email})

    assert response.status_code == 302
    assert_links_on_the_base_url(mailoutbox)
    assert "/password-reset/" in _links(mailoutbox[0])[0]


def test_invitation_link(
    admin_client_a, workspace_a, on_hostile_host, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = on_hostile_host(admin_client_a).post(
            f"/w/{workspace_a.slug}/members/", {"email": "new@alpha.example", "role": "member"}
        )

    assert response.status_code == 302
    assert_links_on_the_base_url(mailoutbox)
    assert "/invitations/" in _links(mailoutbox[0])[0]


def test_lead_assigned_link(
    member_client,
    admin,
    workspace_a,
    on_hostile_host,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory()

    with django_capture_on_commit_callbacks(execute=True):
        on_hostile_host(member_client).post(
            f"/w/{workspace_a.slug}/leads/{lead.pk}/assign/", {"assignee": admin.pk}
        )

    assert_links_on_the_base_url(mailoutbox)
    assert f"/w/{workspace_a.slug}/leads/{lead.pk}/" in _links(mailoutbox[0])[0]


def test_hot_lead_link(
    admin_client_a, workspace_a, on_hostile_host, mailoutbox, django_capture_on_commit_callbacks
):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory()
    correction = {
        "budget": "confirmed",
        "authority": "decision_maker",
        "need": "identified",
        "timing": "now",
        "disqualification": "",
    }

    with django_capture_on_commit_callbacks(execute=True):
        on_hostile_host(admin_client_a).post(
            f"/w/{workspace_a.slug}/leads/{lead.pk}/corrections/", correction
        )

    assert any("Call within the hour" in message.subject for message in mailoutbox)
    assert_links_on_the_base_url(mailoutbox)


def test_export_ready_link(
    owner_client,
    workspace_a,
    on_hostile_host,
    mailoutbox,
    django_capture_on_commit_callbacks,
    monkeypatch,
):
    monkeypatch.setattr(export_services, "STREAM_MAX", 1)  # two leads go to a worker
    with schema_context(workspace_a.schema_name):
        LeadFactory.create_batch(2)

    with django_capture_on_commit_callbacks(execute=True):
        on_hostile_host(owner_client).post(f"/w/{workspace_a.slug}/exports/leads.csv")

    assert_links_on_the_base_url(mailoutbox)
    assert f"/w/{workspace_a.slug}/exports/" in _links(mailoutbox[0])[0]


def test_plan_started_link(
    client, owner_client, on_hostile_host, subscribed, mailoutbox, workspace_a
):
    """Both the owner's checkout and Stripe's event arrive on the hostile host."""
    on_hostile_host(owner_client)
    on_hostile_host(client)

    subscribed("starter")

    assert_links_on_the_base_url(mailoutbox)
    assert f"/w/{workspace_a.slug}/billing/" in _links(mailoutbox[0])[0]


# --- E-mails no request causes (tasks), for completeness ----------------------------------------


def test_billing_and_usage_alert_links(owner, workspace_a, mailoutbox):
    alert = UsageAlert.objects.create(
        workspace=workspace_a, month="2026-01-01", limit_name="conversations", threshold=80
    )

    billing_email_send(workspace_a.pk, "downgraded")
    usage_alert_send(alert.pk)

    assert_links_on_the_base_url(mailoutbox, expected_count=2)


def test_overdue_leads_link(owner, workspace_a, mailoutbox):
    with schema_context(workspace_a.schema_name):
        lead = LeadFactory()
        past = timezone.now() - timedelta(hours=3)
        lead.save(update_fields=lead_band_enter(lead, Band.HOT, workspace=workspace_a, now=past))
        assert leads_overdue_alert() == 1

    assert_links_on_the_base_url(mailoutbox)


def test_webhook_endpoint_disabled_link(owner, workspace_a, mailoutbox):
    with schema_context(workspace_a.schema_name):
        endpoint = Endpoint.objects.create(
            url="https://hooks.example/", events=list(EventType.values), disabled_at=timezone.now()
        )
        assert endpoint_disabled_mail_send(endpoint_id=endpoint.pk)

    assert_links_on_the_base_url(mailoutbox, foreign=[endpoint.url])
