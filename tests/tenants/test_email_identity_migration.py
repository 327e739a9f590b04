"""Migration 0009 stores users' and invitations' addresses in their normalised form, and stops,
naming them, when two users' addresses are one identity."""

from importlib import import_module

import pytest
from django.apps import apps

from tenants.models import Invitation, User
from tests.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

migration = import_module("tenants.migrations.0009_user_email_identity")
LONG_S_SAM = "\u017fam@example.com"  # "sam@" with a long s


def _stored_as(model_instance, email):
    # Written past the model's save(), as rows written before the identity existed were.
    type(model_instance).objects.filter(pk=model_instance.pk).update(email=email)


def test_addresses_stored_with_a_folding_character_are_normalised(workspace_a):
    user, invitation = UserFactory(), InvitationFactory(workspace=workspace_a)
    _stored_as(user, LONG_S_SAM)
    _stored_as(invitation, "\u017fAM@example.com")

    migration.emails_normalize(apps, None)

    assert User.objects.get(pk=user.pk).email == "sam@example.com"
    assert Invitation.objects.get(pk=invitation.pk).email == "sam@example.com"


def test_two_users_of_one_identity_stop_the_migration_and_are_named():
    sam, look_alike = UserFactory(email="sam@example.com"), UserFactory()
    _stored_as(look_alike, LONG_S_SAM)

    with pytest.raises(
        RuntimeError, match=rf"sam@example.com: users \[{sam.pk}, {look_alike.pk}\]"
    ):
        migration.emails_normalize(apps, None)

    assert User.objects.get(pk=look_alike.pk).email == LONG_S_SAM
