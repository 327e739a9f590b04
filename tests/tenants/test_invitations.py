import re
import time
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY
from django.core import signing

from tenants.models import Invitation, Membership, Role, User
from tenants.tasks import invitation_send
from tenants.tokens import invitation_token_make
from tests.factories import PASSWORD, InvitationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

INVITEE = "new.colleague@example.com"


@pytest.fixture
def invite(django_capture_on_commit_callbacks, workspace_a):
    """POST the invitation form of workspace A as `client`; the e-mail task runs on commit."""

    def invite(client, email=INVITEE, role=Role.MEMBER):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/w/{workspace_a.slug}/members/", {"email": email, "role": role})

    return invite


@pytest.fixture
def invitation(workspace_a, owner):
    return InvitationFactory(
        workspace=workspace_a, email=INVITEE, role=Role.ADMIN, invited_by=owner
    )


def _path(invitation) -> str:
    return f"/invitations/{invitation_token_make(invitation)}/"


def _link_path(message) -> str:
    base = re.escape(django_settings.PARLEY_BASE_URL)
    match = re.search(rf"{base}(/invitations/[^/\s]+/)", message.body)
    assert match, message.body
    return match[1]


# --- Inviting --------------------------------------------------------------------------------


@pytest.mark.parametrize("inviter", ["owner_client", "admin_client_a"])
def test_owner_or_admin_invites_by_email_with_a_working_link(
    request, inviter, invite, workspace_a, mailoutbox
):
    client = request.getfixturevalue(inviter)

    response = invite(client, role=Role.MEMBER)

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace_a.slug}/members/"
    invitation = Invitation.objects.get(workspace=workspace_a, email=INVITEE)
    assert invitation.role == Role.MEMBER
    assert invitation.is_pending
    assert invitation.sent_at is not None
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [INVITEE]
    assert workspace_a.name in message.subject
    assert "as member" in message.body
    client.logout()
    page = client.get(_link_path(message))
    assert page.status_code == 200
    assert page.context["invitation"] == invitation


def test_invitation_email_names_the_inviter(invite, owner_client, owner, mailoutbox):
    invite(owner_client)

    assert f"{owner.full_name} invites you to join" in mailoutbox[0].body


def test_pending_invitations_are_listed_on_the_members_page(invite, admin_client_a, workspace_a):
    invite(admin_client_a, email="Mixed.Case@Example.com", role=Role.ADMIN)

    response = admin_client_a.get(f"/w/{workspace_a.slug}/members/")

    assert [(i.email, i.role) for i in response.context["invitations"]] == [
        ("mixed.case@example.com", Role.ADMIN)
    ]
    assert b"mixed.case@example.com" in response.content


def test_member_cannot_invite(invite, member_client, workspace_a, mailoutbox):
    response = invite(member_client)

    assert response.status_code == 403
    assert not Invitation.objects.filter(workspace=workspace_a).exists()
    assert mailoutbox == []


def test_member_does_not_see_the_invitation_form(member_client, workspace_a):
    response = member_client.get(f"/w/{workspace_a.slug}/members/")

    assert response.status_code == 200
    assert b"Invite someone" not in response.content


def test_admin_cannot_invite_an_owner(invite, admin_client_a, workspace_a, mailoutbox):
    response = invite(admin_client_a, role=Role.OWNER)

    assert response.status_code == 400
    assert (
        "Only an owner can invite another owner."
        in response.context["invite_form"].errors["__all__"]
    )
    assert not Invitation.objects.filter(workspace=workspace_a).exists()
    assert mailoutbox == []


def test_owner_can_invite_an_owner(invite, owner_client, workspace_a):
    invite(owner_client, role=Role.OWNER)

    assert Invitation.objects.get(workspace=workspace_a, email=INVITEE).role == Role.OWNER


def test_inviting_someone_already_a_member_is_refused(invite, owner_client, member, mailoutbox):
    response = invite(owner_client, email=member.email.upper())

    assert response.status_code == 400
    assert "already a member" in response.context["invite_form"].errors["__all__"][0]
    assert mailoutbox == []


def test_invitation_with_an_invalid_email_or_role_is_refused(invite, owner_client, workspace_a):
    response = invite(owner_client, email="not-an-address", role="emperor")

    assert response.status_code == 400
    assert set(response.context["invite_form"].errors) == {"email", "role"}
    assert not Invitation.objects.filter(workspace=workspace_a).exists()


def test_reinviting_replaces_the_pending_invitation(invite, owner_client, workspace_a, mailoutbox):
    invite(owner_client, role=Role.MEMBER)
    first_link = _link_path(mailoutbox[0])

    invite(owner_client, email=INVITEE.upper(), role=Role.ADMIN)

    pending = Invitation.objects.filter(workspace=workspace_a, email=INVITEE)
    assert [i.role for i in pending] == [Role.ADMIN]
    assert len(mailoutbox) == 2
    owner_client.logout()
    assert owner_client.get(first_link).status_code == 404
    assert owner_client.get(_link_path(mailoutbox[1])).status_code == 200


def test_invitation_send_task_skips_an_invitation_already_accepted(invitation, mailoutbox):
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at="2025-01-01T00:00Z")

    assert invitation_send(invitation.pk) is False
    assert mailoutbox == []


# --- Accepting -------------------------------------------------------------------------------


def test_new_person_accepting_gets_an_account_a_membership_and_a_session(
    client, invitation, workspace_a
):
    page = client.get(_path(invitation))
    assert page.status_code == 200
    assert b"Create my account and join" in page.content

    response = client.post(_path(invitation), {"full_name": "Nia New", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace_a.slug}/"
    user = User.objects.get(email=INVITEE)
    assert user.full_name == "Nia New"
    assert user.check_password(PASSWORD)
    assert Membership.objects.get(user=user, workspace=workspace_a).role == Role.ADMIN
    assert client.session[SESSION_KEY] == str(user.pk)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert client.get(response["Location"]).status_code == 200


def test_new_person_with_a_weak_password_gets_form_errors_and_no_account(client, invitation):
    response = client.post(_path(invitation), {"password": "12345678"})

    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert not User.objects.filter(email=INVITEE).exists()
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_existing_person_logged_in_with_the_invited_email_joins(client, invitation, workspace_a):
    invitee = UserFactory(email=INVITEE)
    client.force_login(invitee)

    page = client.get(_path(invitation))
    assert b"Accept and open the workspace" in page.content
    assert not Membership.objects.filter(user=invitee, workspace=workspace_a).exists()

    response = client.post(_path(invitation))

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace_a.slug}/"
    assert Membership.objects.get(user=invitee, workspace=workspace_a).role == Role.ADMIN
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None


def test_existing_person_not_logged_in_is_asked_to_log_in_and_comes_back(
    client, invitation, workspace_a
):
    invitee = UserFactory(email=INVITEE)
    # One token for the whole test: tokens carry a timestamp, so two made a second apart differ.
    path = _path(invitation)

    page = client.get(path)
    assert page.status_code == 200
    assert page.context["login_needed"] is True
    assert page.context.get("form") is None
    # Posting a password must not create a second account or join anyone.
    client.post(path, {"password": PASSWORD})
    assert User.objects.filter(email__iexact=INVITEE).count() == 1
    assert not Membership.objects.filter(user=invitee, workspace=workspace_a).exists()

    login = client.post("/login/", {"username": INVITEE, "password": PASSWORD, "next": path})
    assert login["Location"] == path
    client.post(path)

    assert Membership.objects.filter(user=invitee, workspace=workspace_a).exists()


def test_invitation_is_refused_to_a_person_logged_in_with_another_email(
    outsider_client, outsider, invitation, workspace_a
):
    response = outsider_client.post(_path(invitation))

    assert response.status_code == 200
    assert f"This invitation was sent to {INVITEE}" in response.context["error"]
    assert not Membership.objects.filter(user=outsider, workspace=workspace_a).exists()
    invitation.refresh_from_db()
    assert invitation.is_pending


def test_expired_invitation_link_is_not_found(client, invitation, settings):
    path = _path(invitation)
    settings.INVITATION_MAX_AGE_SECONDS = -1

    response = client.get(path)

    assert response.status_code == 404
    assert b"This invitation link does not work" in response.content
    assert client.post(path, {"password": PASSWORD}).status_code == 404
    assert not User.objects.filter(email=INVITEE).exists()


def test_invitation_link_expires_after_seven_days(client, invitation):
    path = _path(invitation)
    eight_days_later = SimpleNamespace(time=lambda: time.time() + 8 * 24 * 60 * 60)

    with mock.patch("django.core.signing.time", eight_days_later):
        assert client.get(path).status_code == 404
    assert client.get(path).status_code == 200


def test_forged_invitation_link_is_not_found(client, invitation):
    token = invitation_token_make(invitation)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    other_salt = signing.dumps({"invitation": invitation.pk}, compress=True)

    assert client.get(f"/invitations/{tampered}/").status_code == 404
    assert client.get(f"/invitations/{other_salt}/").status_code == 404
    assert client.get("/invitations/garbage/").status_code == 404


def test_used_invitation_link_is_gone(client, invitation):
    client.post(_path(invitation), {"password": PASSWORD})
    client.logout()

    response = client.get(_path(invitation))

    assert response.status_code == 410
    assert b"This invitation has been used" in response.content


def test_used_invitation_cannot_be_accepted_again_by_someone_else(client, invitation, workspace_a):
    UserFactory(email=INVITEE)
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at="2025-01-01T00:00Z")
    late = UserFactory()
    client.force_login(late)

    assert client.post(_path(invitation)).status_code == 410
    assert not Membership.objects.filter(user=late, workspace=workspace_a).exists()


def test_accepting_when_already_a_member_keeps_the_existing_role(client, invitation, workspace_a):
    invitee = MembershipFactory(
        workspace=workspace_a, role=Role.MEMBER, user=UserFactory(email=INVITEE)
    ).user
    client.force_login(invitee)

    response = client.post(_path(invitation))

    assert response.status_code == 302
    assert Membership.objects.get(user=invitee, workspace=workspace_a).role == Role.MEMBER


# --- Revoking --------------------------------------------------------------------------------


def test_admin_revokes_a_pending_invitation_and_its_link_stops_working(
    admin_client_a, client, invitation, workspace_a
):
    path = _path(invitation)

    response = admin_client_a.post(f"/w/{workspace_a.slug}/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace_a.slug}/members/"
    assert not Invitation.objects.filter(pk=invitation.pk).exists()
    assert client.get(path).status_code == 404


def test_member_cannot_revoke_an_invitation(member_client, invitation, workspace_a):
    response = member_client.post(f"/w/{workspace_a.slug}/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 403
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_revoking_needs_a_post(owner_client, invitation, workspace_a):
    response = owner_client.get(f"/w/{workspace_a.slug}/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 405
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_accepted_invitation_cannot_be_revoked(owner_client, invitation, workspace_a):
    Invitation.objects.filter(pk=invitation.pk).update(accepted_at="2025-01-01T00:00Z")

    response = owner_client.post(f"/w/{workspace_a.slug}/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_invitation_of_workspace_b_cannot_be_revoked_from_workspace_a(
    owner_client, workspace_a, workspace_b
):
    theirs = InvitationFactory(workspace=workspace_b)

    response = owner_client.post(f"/w/{workspace_a.slug}/invitations/{theirs.pk}/revoke/")

    assert response.status_code == 404
    assert Invitation.objects.filter(pk=theirs.pk).exists()


# --- Look-alike addresses (tenants/identity.py) --------------------------------------------------


def test_inviting_a_look_alike_of_a_member_is_refused_as_a_member(
    invite, owner_client, workspace_a, mailoutbox
):
    MembershipFactory(workspace=workspace_a, user=UserFactory(email="sam@example.com"))

    response = invite(owner_client, email="\u017fam@example.com")

    assert response.status_code == 400
    assert "already a member" in str(response.content)
    assert mailoutbox == []


def test_inviting_an_address_that_does_not_fold_to_plain_letters_is_refused(
    invite, owner_client, workspace_a, mailoutbox
):
    response = invite(owner_client, email="\u0131van@example.com")

    assert response.status_code == 400
    assert "plain letters" in response.content.decode()
    assert not Invitation.objects.filter(workspace=workspace_a).exists()
    assert mailoutbox == []


def test_an_invitation_is_kept_under_the_normalised_address(invite, owner_client, workspace_a):
    invite(owner_client, email="\u017fAM@Example.com")

    assert Invitation.objects.get(workspace=workspace_a).email == "sam@example.com"
