"""The webhooks pages (Settings → Webhooks): admins register endpoints (the secret shown once),
edit, rotate, disable, replay and test; members get 403; the delivery log pages in a constant
number of queries."""

import pytest
from django_tenants.utils import schema_context
from standardwebhooks.webhooks import Webhook

from tests.queries import queries_of
from webhooks.models import Delivery, DeliveryStatus, Endpoint, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def base(workspace_a):
    return f"/w/{workspace_a.slug}/settings/webhooks/"


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(
    admin_client_a, workspace_a, base, receiver, loopback_allowed
):
    response = admin_client_a.post(
        base, {"url": receiver.url, "description": "CRM", "events": ["lead.created"]}
    )

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    with schema_context(workspace_a.schema_name):
        endpoint = Endpoint.objects.get()
    assert endpoint.events == ["lead.created"]
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret.encode() in response.content
    assert endpoint.secret.encode() not in admin_client_a.get(base).content
    assert endpoint.secret.encode() not in admin_client_a.get(f"{base}{endpoint.pk}/").content


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"url": "http://10.0.0.1/hooks", "events": ["lead.created"]}, b"public internet"),
        ({"url": "not a url", "events": ["lead.created"]}, b"Give a full address"),
        ({"url": "https://8.8.8.8/hooks"}, b"Choose at least one event."),
        ({"url": "https://8.8.8.8/hooks", "events": ["lead.deleted"]}, b"Unknown event"),
    ],
)
def test_a_refused_endpoint_gets_an_error_on_its_field(
    admin_client_a, workspace_a, base, data, field_error, settings
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False

    response = admin_client_a.post(base, data)

    assert response.status_code == 400
    assert field_error in response.content
    with schema_context(workspace_a.schema_name):
        assert not Endpoint.objects.exists()


def test_members_cannot_reach_the_webhooks_pages(member_client, base, endpoint):
    assert member_client.get(base).status_code == 403
    assert member_client.get(f"{base}{endpoint.pk}/").status_code == 403
    assert member_client.post(f"{base}{endpoint.pk}/rotate/").status_code == 403


def test_an_admin_edits_the_events(admin_client_a, workspace_a, base, endpoint):
    response = admin_client_a.post(
        f"{base}{endpoint.pk}/", {"url": endpoint.url, "events": ["lead.outcome"]}
    )

    assert response.status_code == 302
    with schema_context(workspace_a.schema_name):
        assert Endpoint.objects.get(pk=endpoint.pk).events == ["lead.outcome"]


def test_rotating_shows_the_new_secret_once_and_keeps_the_old_one_a_day(
    admin_client_a, workspace_a, base, endpoint
):
    old = endpoint.secret

    response = admin_client_a.post(f"{base}{endpoint.pk}/rotate/")

    with schema_context(workspace_a.schema_name):
        endpoint.refresh_from_db()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert endpoint.secret != old
    assert endpoint.secret.encode() in response.content
    assert endpoint.secrets_valid() == [endpoint.secret, old]


def test_disable_and_enable(admin_client_a, workspace_a, base, endpoint, admin):
    admin_client_a.post(f"{base}{endpoint.pk}/disable/")
    with schema_context(workspace_a.schema_name):
        endpoint.refresh_from_db()
    assert endpoint.disabled_at is not None
    assert endpoint.disabled_reason == f"Disabled by {admin.email}."

    admin_client_a.post(f"{base}{endpoint.pk}/enable/")
    with schema_context(workspace_a.schema_name):
        endpoint.refresh_from_db()
    assert endpoint.active


def test_delete_asks_first_then_deletes(admin_client_a, workspace_a, base, endpoint):
    assert admin_client_a.get(f"{base}{endpoint.pk}/delete/").status_code == 200

    assert admin_client_a.post(f"{base}{endpoint.pk}/delete/").status_code == 302
    with schema_context(workspace_a.schema_name):
        assert not Endpoint.objects.exists()


def test_the_test_button_sends_a_signed_test_event(
    admin_client_a, base, endpoint, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_a.post(f"{base}{endpoint.pk}/test/")

    assert response.status_code == 302
    [request] = receiver.requests
    assert Webhook(endpoint.secret).verify(request.body, request.headers)["type"] == "webhook.test"
    log = admin_client_a.get(f"{base}{endpoint.pk}/").content.decode()
    assert "webhook.test" in log
    assert "Succeeded" in log


def test_replay_buttons_send_failed_messages_again(
    admin_client_a, workspace_a, base, endpoint, receiver, django_capture_on_commit_callbacks
):
    with schema_context(workspace_a.schema_name):
        failed = [
            Delivery.objects.create(
                endpoint=endpoint,
                event=Event.objects.create(type="lead.created", payload={"n": n}),
                status=DeliveryStatus.FAILED,
            )
            for n in range(3)
        ]

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_a.post(f"{base}{endpoint.pk}/deliveries/{failed[0].pk}/replay/")
    assert len(receiver.requests) == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_a.post(f"{base}{endpoint.pk}/replay-failed/", follow=True)
    assert len(receiver.requests) == 3
    assert b"2 failed messages sent again." in response.content


def test_the_delivery_log_takes_the_same_queries_for_one_attempt_or_a_full_page(
    admin_client_a, workspace_a, base, endpoint
):
    def add(count):
        with schema_context(workspace_a.schema_name):
            event = Event.objects.create(type="lead.created", payload={})
            Delivery.objects.bulk_create(
                Delivery(endpoint=endpoint, event=event, attempt=n + 1) for n in range(count)
            )

    add(1)
    few = queries_of(admin_client_a, f"{base}{endpoint.pk}/")
    add(120)
    many = queries_of(admin_client_a, f"{base}{endpoint.pk}/")
    page_two = queries_of(admin_client_a, f"{base}{endpoint.pk}/?page=2")

    assert few == many == page_two


def test_a_page_number_out_of_range_shows_a_page(admin_client_a, base, endpoint):
    assert admin_client_a.get(f"{base}{endpoint.pk}/?page=abc").status_code == 200
    assert admin_client_a.get(f"{base}{endpoint.pk}/?page=999999").status_code == 200
