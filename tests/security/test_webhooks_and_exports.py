"""Webhooks and exports are ways in and out too: B's owner can neither see, replay nor rotate
A's endpoints, nor download A's exports, and a task queued from one workspace never reaches
another's attempts or exports. (Every route is also attacked by test_workspace_pages.py and
test_foreign_object_ids.py.)"""

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from exports.models import ExportStatus, LeadExport
from exports.tasks import lead_export_task
from tests.security.probes import OBJECT_MAKERS
from webhooks.models import Delivery, DeliveryStatus, Endpoint
from webhooks.tasks import endpoint_disabled_mail_task, webhook_delivery_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def a_endpoint(workspace_a):
    return OBJECT_MAKERS["endpoint_id"](workspace_a, "settings/webhooks/<int:endpoint_id>/", {})


@pytest.fixture
def a_delivery(workspace_a, a_endpoint):
    return OBJECT_MAKERS["delivery_id"](workspace_a, "", {"endpoint_id": a_endpoint})


@pytest.mark.parametrize(
    ("method", "page"),
    [
        ("get", ""),
        ("get", "{e}/"),
        ("post", "{e}/rotate/"),
        ("post", "{e}/disable/"),
        ("post", "{e}/test/"),
        ("post", "{e}/replay-failed/"),
        ("post", "{e}/deliveries/{d}/replay/"),
        ("post", "{e}/delete/"),
    ],
)
def test_the_owner_of_b_gets_404_on_the_webhooks_of_a(
    outsider_client, workspace_a, a_endpoint, a_delivery, method, page
):
    with schema_context(workspace_a.schema_name):
        before = list(Endpoint.objects.values_list()), list(Delivery.objects.values_list())
    path = f"/w/{workspace_a.slug}/settings/webhooks/" + page.format(e=a_endpoint, d=a_delivery)

    response = getattr(outsider_client, method)(path)

    assert response.status_code == 404
    assert workspace_a.name.encode() not in response.content
    with schema_context(workspace_a.schema_name):
        after = list(Endpoint.objects.values_list()), list(Delivery.objects.values_list())
    assert after == before


def test_the_owner_of_b_cannot_download_an_export_of_a(outsider_client, workspace_a):
    export_id = OBJECT_MAKERS["export_id"](workspace_a, "exports/<int:export_id>/", {})

    for page in ("", "download/"):
        response = outsider_client.get(f"/w/{workspace_a.slug}/exports/{export_id}/{page}")
        assert response.status_code == 404
        assert workspace_a.name.encode() not in response.content


def test_the_endpoints_of_b_are_not_listed_in_a(owner_client, workspace_a, workspace_b):
    OBJECT_MAKERS["endpoint_id"](workspace_b, "", {})

    response = owner_client.get(f"/w/{workspace_a.slug}/settings/webhooks/")

    assert response.status_code == 200
    assert f"/hooks/{workspace_b.slug}".encode() not in response.content


def test_an_attempt_of_b_queued_from_a_finds_nothing(workspace_a, workspace_b, mailoutbox):
    endpoint_id = OBJECT_MAKERS["endpoint_id"](workspace_b, "", {})
    delivery_id = OBJECT_MAKERS["delivery_id"](workspace_b, "", {"endpoint_id": endpoint_id})
    with schema_context(workspace_b.schema_name):
        Delivery.objects.filter(pk=delivery_id).update(status=DeliveryStatus.PENDING)

    with schema_context(workspace_a.schema_name):
        assert webhook_delivery_task.apply(args=[delivery_id]).get() == ""
        assert endpoint_disabled_mail_task.apply(args=[endpoint_id]).get() is False

    with schema_context(workspace_b.schema_name):
        assert Delivery.objects.get(pk=delivery_id).status == DeliveryStatus.PENDING
    assert mailoutbox == []


def test_webhook_and_export_tasks_refuse_to_run_outside_any_workspace(mailoutbox):
    assert connection.schema_name == "public"

    assert webhook_delivery_task(1) == ""
    assert endpoint_disabled_mail_task(1) is False
    assert lead_export_task(1) is False
    assert mailoutbox == []


def test_an_export_of_b_queued_from_a_is_not_written(workspace_a, workspace_b):
    export_id = OBJECT_MAKERS["export_id"](workspace_b, "", {})
    with schema_context(workspace_b.schema_name):
        LeadExport.objects.filter(pk=export_id).update(status=ExportStatus.PENDING)

    with schema_context(workspace_a.schema_name):
        assert lead_export_task.apply(args=[export_id]).get() is False

    with schema_context(workspace_b.schema_name):
        assert LeadExport.objects.get(pk=export_id).status == ExportStatus.PENDING
