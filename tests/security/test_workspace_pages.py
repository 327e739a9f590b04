"""Every page of workspace B, reached by its path /w/<B>/..., is a 404 for members of workspace A
and a trip to the login page for visitors; a workspace that does not exist looks the same."""

import pytest

from tests.security.probes import WORKSPACE_ROUTES, body_without_tokens

pytestmark = pytest.mark.django_db

METHODS = ["get", "post"]
ATTACKERS = ["owner_client", "member_client"]


@pytest.mark.parametrize("route", WORKSPACE_ROUTES)
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("attacker", ATTACKERS)
def test_member_of_a_gets_404_on_every_page_of_b(
    request, attacker, method, route, workspace_a, workspace_b, route_url, snapshot_b
):
    client = request.getfixturevalue(attacker)
    path = route_url(workspace_b, route)
    before = snapshot_b()

    response = getattr(client, method)(path)

    assert response.status_code == 404
    assert workspace_b.name.encode() not in response.content
    assert snapshot_b() == before
    # The same page of A is there for them: the 404 above is B's door closing, not a dead URL.
    own = getattr(client, method)(route_url(workspace_a, route))
    assert own.status_code != 404


@pytest.mark.parametrize("route", WORKSPACE_ROUTES)
@pytest.mark.parametrize("method", METHODS)
def test_page_of_b_and_of_a_missing_workspace_give_the_same_404(
    owner_client, method, route, workspace_b, route_url
):
    path = route_url(workspace_b, route)
    missing = path.replace(f"/w/{workspace_b.slug}/", "/w/nobody-corp/", 1)

    foreign_response = getattr(owner_client, method)(path)
    missing_response = getattr(owner_client, method)(missing)

    assert foreign_response.status_code == missing_response.status_code == 404
    assert body_without_tokens(foreign_response) == body_without_tokens(missing_response)


@pytest.mark.parametrize("route", WORKSPACE_ROUTES)
@pytest.mark.parametrize("method", METHODS)
def test_visitor_of_any_workspace_page_is_sent_to_login_and_sees_nothing(
    client, method, route, workspace_b, route_url, snapshot_b
):
    path = route_url(workspace_b, route)
    before = snapshot_b()

    response = getattr(client, method)(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert workspace_b.name.encode() not in response.content
    assert snapshot_b() == before


def test_outsider_of_a_gets_404_on_a_and_reaches_b(outsider_client, workspace_a, workspace_b):
    # The suite's attacks mirrored: B's owner is a stranger to A.
    assert outsider_client.get(f"/w/{workspace_a.slug}/").status_code == 404
    assert outsider_client.get(f"/w/{workspace_a.slug}/members/").status_code == 404
    assert outsider_client.get(f"/w/{workspace_b.slug}/").status_code == 200


def test_foreign_404_page_shows_no_trace_of_b(owner_client, workspace_b):
    response = owner_client.get(f"/w/{workspace_b.slug}/members/")

    assert response.status_code == 404
    assert workspace_b.name.encode() not in response.content
    assert f"/w/{workspace_b.slug}/".encode() not in response.content


def test_unknown_page_of_a_workspace_looks_like_a_missing_workspace(outsider_client, workspace_a):
    """The URL is resolved before membership is checked: its 404 must not show A either."""
    response = outsider_client.get(f"/w/{workspace_a.slug}/no-such-page/")
    missing = outsider_client.get("/w/nobody-corp/no-such-page/")

    assert response.status_code == missing.status_code == 404
    assert workspace_a.name.encode() not in response.content
    assert body_without_tokens(response) == body_without_tokens(missing)


@pytest.mark.parametrize("page", ["", "members/", "no-such-page/"])
def test_visitor_cannot_tell_an_existing_workspace_from_a_missing_one(client, workspace_a, page):
    existing = client.get(f"/w/{workspace_a.slug}/{page}")
    missing = client.get(f"/w/nobody-corp/{page}")

    assert existing.status_code == missing.status_code == 302
    assert existing["Location"] == f"/login/?next=/w/{workspace_a.slug}/{page}"
    assert missing["Location"] == f"/login/?next=/w/nobody-corp/{page}"
    assert existing.content == missing.content
