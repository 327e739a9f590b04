"""Workspaces reached by a host name (a Domain row: <slug>.parley.test or a custom domain) are as
closed to strangers as on /w/<slug>/, and a host and a path naming different workspaces never
add up to a way in."""

import pytest

from tenants.models import Domain
from tests.security.probes import WORKSPACE_ROUTES

pytestmark = pytest.mark.django_db

BASE_DOMAIN = "parley.test"


@pytest.fixture
def workspace_hosts(settings, workspace_a, workspace_b):
    settings.PARLEY_WORKSPACE_DOMAIN = BASE_DOMAIN
    settings.ALLOWED_HOSTS = [f".{BASE_DOMAIN}", "crm.bravo.example", "testserver"]
    Domain.objects.create(tenant=workspace_a, domain=f"{workspace_a.slug}.{BASE_DOMAIN}")
    Domain.objects.create(tenant=workspace_b, domain=f"{workspace_b.slug}.{BASE_DOMAIN}")
    # A customer's own domain as well.
    Domain.objects.create(tenant=workspace_b, domain="crm.bravo.example", is_primary=False)
    return {
        "a": f"{workspace_a.slug}.{BASE_DOMAIN}",
        "b": f"{workspace_b.slug}.{BASE_DOMAIN}",
        "b_custom": "crm.bravo.example",
    }


@pytest.mark.parametrize("route", WORKSPACE_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("host", ["b", "b_custom"])
def test_member_of_a_gets_404_on_every_page_of_b_by_its_host(
    owner_client,
    host,
    method,
    route,
    workspace_a,
    workspace_b,
    workspace_hosts,
    route_url,
    snapshot_b,
):
    path = route_url(workspace_b, route, prefix="/")
    before = snapshot_b()

    response = getattr(owner_client, method)(path, HTTP_HOST=workspace_hosts[host])

    assert response.status_code == 404
    assert workspace_b.name.encode() not in response.content
    assert snapshot_b() == before
    own = getattr(owner_client, method)(
        route_url(workspace_a, route, prefix="/"), HTTP_HOST=workspace_hosts["a"]
    )
    assert own.status_code != 404


def test_visitor_on_the_host_of_b_is_sent_to_login(client, workspace_b, workspace_hosts):
    response = client.get("/members/", HTTP_HOST=workspace_hosts["b"])

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert workspace_b.name.encode() not in response.content


def test_path_of_a_on_the_host_of_b_does_not_reach_a(owner_client, workspace_a, workspace_hosts):
    """The host decides: on B's host, /w/<A>/... is not A's page (nor anything else)."""
    for path in (f"/w/{workspace_a.slug}/", f"/w/{workspace_a.slug}/members/"):
        response = owner_client.get(path, HTTP_HOST=workspace_hosts["b"])
        assert response.status_code == 404


def test_path_of_b_on_the_host_of_a_does_not_reach_b(
    outsider_client, workspace_a, workspace_b, workspace_hosts
):
    """B's owner, on A's host, cannot get into B by its path, and learns nothing about A."""
    for path in (f"/w/{workspace_b.slug}/", f"/w/{workspace_b.slug}/members/"):
        response = outsider_client.get(path, HTTP_HOST=workspace_hosts["a"])
        assert response.status_code == 404
        assert workspace_a.name.encode() not in response.content


def test_member_of_b_reaches_b_by_its_host(outsider_client, workspace_b, workspace_hosts):
    response = outsider_client.get("/members/", HTTP_HOST=workspace_hosts["b"])

    assert response.status_code == 200
    assert workspace_b.name.encode() in response.content


def test_host_that_is_not_allowed_gets_an_empty_404(owner_client, workspace_hosts):
    response = owner_client.get("/members/", HTTP_HOST="bravo-corp.evil.example")

    assert response.status_code == 404
    assert response.content == b""
