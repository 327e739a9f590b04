"""What the workspace holds about an address (leads/privacy/contacts.py, contact_find)."""

import pytest
from django_tenants.utils import schema_context

from leads.privacy.contacts import contact_find
from tests.leads.privacy.fixtures import EMAIL

pytestmark = pytest.mark.django_db


def test_a_contact_is_found_by_email_whatever_its_case(workspace_a, make_contact):
    contact = make_contact(workspace_a)

    with schema_context(workspace_a.schema_name):
        found = contact_find(email=f"  {EMAIL.upper()} ")

    assert found.email == EMAIL.lower()
    assert found.lead == contact.lead
    assert found.counts["leads"] == 1
    # The finished conversation and the one in progress that gave the address.
    assert found.counts["conversations"] == 2
    assert contact.pending.pk in found.conversation_ids
    assert found.counts["messages"] > 10
    # Two page views (one before the chat) and an e-mail click.
    assert found.counts["events"] == 3
    assert found.counts["outcomes"] == found.counts["corrections"] == 1
    assert found.counts["activities"] >= 1
    assert found.counts["score_items"] >= 1
    assert not found.is_empty
