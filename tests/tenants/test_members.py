import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants.models import Membership, Role
from tests.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _role(user, workspace) -> str:
    return Membership.objects.get(user=user, workspace=workspace).role


def _membership(user, workspace) -> Membership:
    return Membership.objects.get(user=user, workspace=workspace)


@pytest.fixture
def change_role(workspace_a):
    def change_role(client, user, role):
        membership = _membership(user, workspace_a)
        return client.post(f"/w/{workspace_a.slug}/members/{membership.pk}/role/", {"role": role})

    return change_role


@pytest.fixture
def remove(workspace_a):
    def remove(client, user):
        membership = _membership(user, workspace_a)
        return client.post(f"/w/{workspace_a.slug}/members/{membership.pk}/remove/")

    return remove


# --- The members page ------------------------------------------------------------------------


def test_members_page_lists_every_member_of_the_workspace_only(
    member_client, owner, admin, member, outsider, workspace_a
):
    response = member_client.get(f"/w/{workspace_a.slug}/members/")

    assert response.status_code == 200
    listed = {m.user for m in response.context["members"]}
    assert {owner, admin, member} <= listed
    assert outsider not in listed
    assert outsider.email.encode() not in response.content
    assert all(m.workspace_id == workspace_a.pk for m in response.context["members"])


def test_members_page_offers_role_changes_to_admins_but_not_to_members(
    admin_client_a, member_client, member, workspace_a
):
    member_id = _membership(member, workspace_a).pk
    role_form = f'action="/w/{workspace_a.slug}/members/{member_id}/role/"'.encode()

    assert role_form in admin_client_a.get(f"/w/{workspace_a.slug}/members/").content
    assert role_form not in member_client.get(f"/w/{workspace_a.slug}/members/").content


def test_members_page_query_count_does_not_grow_with_members(
    owner_client, workspace_a, django_assert_num_queries
):
    url = f"/w/{workspace_a.slug}/members/"
    owner_client.get(url)
    assert Membership.objects.filter(workspace=workspace_a).count() == 2
    with CaptureQueriesContext(connection) as two_members:
        owner_client.get(url)
    MembershipFactory.create_batch(3, workspace=workspace_a)
    InvitationFactory.create_batch(3, workspace=workspace_a)

    with django_assert_num_queries(len(two_members)):
        response = owner_client.get(url)

    assert len(response.context["members"]) == 5


def test_dashboard_query_count_does_not_grow_with_members_or_workspaces(
    owner_client, owner, workspace_a, workspace_b, django_assert_num_queries
):
    url = f"/w/{workspace_a.slug}/"
    owner_client.get(url)
    with CaptureQueriesContext(connection) as two_members:
        owner_client.get(url)
    MembershipFactory.create_batch(3, workspace=workspace_a)
    # The workspace switcher lists the viewer's workspaces: one more must not cost a query.
    MembershipFactory(user=owner, workspace=workspace_b)

    with django_assert_num_queries(len(two_members)):
        response = owner_client.get(url)

    assert Membership.objects.filter(workspace=workspace_a).count() == 5
    assert workspace_b.name.encode() in response.content


# --- Role changes ----------------------------------------------------------------------------


def test_owner_promotes_a_member_to_admin(owner_client, change_role, member, workspace_a):
    response = change_role(owner_client, member, Role.ADMIN)

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace_a.slug}/members/"
    assert _role(member, workspace_a) == Role.ADMIN
    assert _messages(response) == [f"{member.email} is now Admin."]


def test_owner_makes_a_member_owner(owner_client, change_role, member, workspace_a):
    change_role(owner_client, member, Role.OWNER)

    assert _role(member, workspace_a) == Role.OWNER


def test_owner_demotes_another_owner_when_one_remains(
    owner_client, change_role, sole_owner, member, workspace_a
):
    Membership.objects.filter(user=member, workspace=workspace_a).update(role=Role.OWNER)

    change_role(owner_client, member, Role.MEMBER)

    assert _role(member, workspace_a) == Role.MEMBER


def test_admin_promotes_a_member_to_admin(admin_client_a, change_role, member, workspace_a):
    change_role(admin_client_a, member, Role.ADMIN)

    assert _role(member, workspace_a) == Role.ADMIN


def test_admin_demotes_another_admin(admin_client_a, change_role, workspace_a):
    other_admin = MembershipFactory(workspace=workspace_a, role=Role.ADMIN).user

    change_role(admin_client_a, other_admin, Role.MEMBER)

    assert _role(other_admin, workspace_a) == Role.MEMBER


def test_admin_cannot_make_anyone_owner(admin_client_a, change_role, member, workspace_a):
    response = change_role(admin_client_a, member, Role.OWNER)

    assert _role(member, workspace_a) == Role.MEMBER
    assert _messages(response) == ["Only an owner can make someone an owner."]


def test_admin_cannot_change_an_owner(admin_client_a, change_role, owner, workspace_a):
    response = change_role(admin_client_a, owner, Role.MEMBER)

    assert _role(owner, workspace_a) == Role.OWNER
    assert _messages(response) == ["Only an owner can change another owner."]


def test_member_cannot_change_roles(member_client, change_role, admin, member, workspace_a):
    assert change_role(member_client, admin, Role.MEMBER).status_code == 403
    assert change_role(member_client, member, Role.OWNER).status_code == 403

    assert _role(admin, workspace_a) == Role.ADMIN
    assert _role(member, workspace_a) == Role.MEMBER


def test_last_owner_cannot_be_demoted(owner_client, change_role, sole_owner, workspace_a):
    response = change_role(owner_client, sole_owner, Role.ADMIN)

    assert _role(sole_owner, workspace_a) == Role.OWNER
    assert _messages(response) == [
        "A workspace needs at least one owner: make someone else owner first."
    ]


def test_unknown_role_is_refused(owner_client, change_role, member, workspace_a):
    response = change_role(owner_client, member, "emperor")

    assert _role(member, workspace_a) == Role.MEMBER
    assert _messages(response) == ["Choose one of the roles offered."]


def test_role_change_needs_a_post(owner_client, member, workspace_a):
    membership = _membership(member, workspace_a)

    response = owner_client.get(f"/w/{workspace_a.slug}/members/{membership.pk}/role/")

    assert response.status_code == 405


# --- Removing and leaving --------------------------------------------------------------------


def test_admin_removes_a_member_who_then_loses_access(
    admin_client_a, member_client, remove, member, workspace_a
):
    response = remove(admin_client_a, member)

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace_a.slug}/members/"
    assert not Membership.objects.filter(user=member, workspace=workspace_a).exists()
    assert _messages(response) == [f"{member.email} was removed."]
    assert member_client.get(f"/w/{workspace_a.slug}/").status_code == 404


def test_owner_removes_another_owner(owner_client, remove, workspace_a):
    co_owner = MembershipFactory(workspace=workspace_a, role=Role.OWNER).user

    remove(owner_client, co_owner)

    assert not Membership.objects.filter(user=co_owner, workspace=workspace_a).exists()


def test_admin_cannot_remove_an_owner(admin_client_a, remove, owner, workspace_a):
    response = remove(admin_client_a, owner)

    assert Membership.objects.filter(user=owner, workspace=workspace_a).exists()
    assert _messages(response) == ["Only an owner can change another owner."]


def test_member_cannot_remove_anyone(member_client, remove, admin, workspace_a):
    response = remove(member_client, admin)

    assert response.status_code == 403
    assert Membership.objects.filter(user=admin, workspace=workspace_a).exists()


def test_last_owner_cannot_be_removed(owner_client, remove, sole_owner, workspace_a):
    response = remove(owner_client, sole_owner)

    assert Membership.objects.filter(user=sole_owner, workspace=workspace_a).exists()
    assert _messages(response) == [
        "A workspace needs at least one owner: make someone else owner first."
    ]


def test_member_leaves_the_workspace(member_client, member, workspace_a):
    response = member_client.post(f"/w/{workspace_a.slug}/leave/")

    assert response.status_code == 302
    assert response["Location"] == "/workspaces/"
    assert not Membership.objects.filter(user=member, workspace=workspace_a).exists()
    assert _messages(response) == [f"You left {workspace_a.name}."]
    assert member_client.get(f"/w/{workspace_a.slug}/").status_code == 404


def test_owner_leaves_when_another_owner_remains(owner_client, owner, workspace_a):
    owner_client.post(f"/w/{workspace_a.slug}/leave/")

    assert not Membership.objects.filter(user=owner, workspace=workspace_a).exists()


def test_last_owner_cannot_leave(owner_client, sole_owner, workspace_a):
    response = owner_client.post(f"/w/{workspace_a.slug}/leave/")

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace_a.slug}/members/"
    assert Membership.objects.filter(user=sole_owner, workspace=workspace_a).exists()
    assert _messages(response) == [
        "A workspace needs at least one owner: make someone else owner first."
    ]


def test_leaving_needs_a_post(member_client, member, workspace_a):
    response = member_client.get(f"/w/{workspace_a.slug}/leave/")

    assert response.status_code == 405
    assert Membership.objects.filter(user=member, workspace=workspace_a).exists()


# --- Workspace B's memberships are out of reach from A -----------------------------------------


def test_role_change_of_a_workspace_b_membership_from_a_is_not_found(
    owner_client, outsider, workspace_a, workspace_b
):
    theirs = _membership(outsider, workspace_b)

    response = owner_client.post(
        f"/w/{workspace_a.slug}/members/{theirs.pk}/role/", {"role": Role.MEMBER}
    )

    assert response.status_code == 404
    assert _role(outsider, workspace_b) == Role.OWNER


def test_removal_of_a_workspace_b_membership_from_a_is_not_found(
    owner_client, outsider, workspace_a, workspace_b
):
    theirs = _membership(outsider, workspace_b)

    response = owner_client.post(f"/w/{workspace_a.slug}/members/{theirs.pk}/remove/")

    assert response.status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()
