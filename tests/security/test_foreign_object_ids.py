"""A's own pages, given the ids of B's objects (/w/<A>/members/<B's membership>/role/ ...), find
nothing: the object is looked up within the workspace of the URL, never by id alone."""

import pytest

from tenants.models import Invitation, Membership, Role
from tests.factories import MembershipFactory
from tests.security.probes import (
    WORKSPACE_ROUTES,
    route_fill,
    route_parameters,
    route_values,
)

pytestmark = pytest.mark.django_db

ROUTES_WITH_IDS = [
    route
    for route in WORKSPACE_ROUTES
    if any(converter == "int" for converter, _ in route_parameters(route))
]
NEVER_USED_ID = 2_000_000_000


def test_the_suite_found_routes_with_object_ids():
    assert "members/<int:membership_id>/role/" in ROUTES_WITH_IDS


@pytest.mark.parametrize("route", ROUTES_WITH_IDS)
@pytest.mark.parametrize("method", ["get", "post"])
def test_admin_of_a_aiming_at_an_object_of_b_gets_the_answer_of_a_missing_object(
    owner_client, method, route, workspace_a, workspace_b, snapshot_b
):
    """Whatever A's page answers for an id that was never used, it answers for B's ids too (a 404
    once the view looks the object up): B's ids neither work nor leak."""
    b_path = f"/w/{workspace_a.slug}/" + route_fill(route, route_values(route, workspace_b))
    missing_path = f"/w/{workspace_a.slug}/" + route_fill(
        route, {name: NEVER_USED_ID for _, name in route_parameters(route)}
    )
    before = snapshot_b()

    response = getattr(owner_client, method)(b_path, {"role": Role.ADMIN})
    missing = getattr(owner_client, method)(missing_path, {"role": Role.ADMIN})

    assert response.status_code == missing.status_code
    if method == "post":
        assert response.status_code == 404
    assert snapshot_b() == before


def test_role_of_a_member_of_b_cannot_be_changed_from_a(owner_client, workspace_a, b_membership):
    response = owner_client.post(
        f"/w/{workspace_a.slug}/members/{b_membership.pk}/role/", {"role": Role.OWNER}
    )

    assert response.status_code == 404
    b_membership.refresh_from_db()
    assert b_membership.role == Role.MEMBER


def test_member_of_b_cannot_be_removed_from_a(owner_client, workspace_a, b_membership):
    response = owner_client.post(f"/w/{workspace_a.slug}/members/{b_membership.pk}/remove/")

    assert response.status_code == 404
    assert Membership.objects.filter(pk=b_membership.pk).exists()


def test_invitation_of_b_cannot_be_revoked_from_a(owner_client, workspace_a, b_invitation):
    response = owner_client.post(f"/w/{workspace_a.slug}/invitations/{b_invitation.pk}/revoke/")

    assert response.status_code == 404
    assert Invitation.objects.filter(pk=b_invitation.pk).exists()


def test_role_held_in_b_gives_no_rights_in_a(client, workspace_a, workspace_b, b_membership):
    """Owner of B, plain member of A: in A, only A's membership counts."""
    person = b_membership.user
    Membership.objects.filter(pk=b_membership.pk).update(role=Role.OWNER)
    Membership.objects.create(user=person, workspace=workspace_a, role=Role.MEMBER)
    target = MembershipFactory(workspace=workspace_a, role=Role.MEMBER)
    client.force_login(person)

    response = client.post(f"/w/{workspace_a.slug}/members/{target.pk}/role/", {"role": Role.ADMIN})

    assert response.status_code == 403
    target.refresh_from_db()
    assert target.role == Role.MEMBER
