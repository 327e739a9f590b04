"""Erasing a contact (leads/privacy/erasure.py, contact_erase): the erasers of every app run,
and an anonymous record says when, by whom and how many rows went, with a keyed hash of the
address that recognizes a repeated request. test_erase_leaves_nothing.py searches every table."""

import pytest
from django.test import override_settings
from django_tenants.utils import schema_context

from leads.models import ErasureRecord, EventKind, Lead, LeadEvent
from leads.privacy import erasure
from leads.privacy.contacts import erasure_records_for
from leads.privacy.erasure import contact_email_hash, contact_erase, eraser_register
from leads.services.events import page_view_record
from tests.factories import LeadFactory, UserFactory
from tests.leads.privacy.fixtures import EMAIL

pytestmark = pytest.mark.django_db


@pytest.fixture
def erased(workspace_a, make_contact):
    """The contact of A erased by an admin; (contact, record, admin)."""
    contact = make_contact(workspace_a)
    admin = UserFactory(email="dpo@alpha.example")
    with schema_context(workspace_a.schema_name):
        record = contact_erase(email=EMAIL.upper(), workspace=workspace_a, by=admin)
    return contact, record, admin


def test_erase_records_when_by_whom_and_how_many_rows_of_each_table(erased, workspace_a):
    contact, record, admin = erased

    assert (record.erased_by_id, record.erased_by_email) == (admin.pk, "dpo@alpha.example")
    counts = record.deleted_counts
    assert counts["leads.Lead"] == 1
    assert counts["leads.Conversation"] == 2  # the finished one and the one in progress
    assert counts["leads.LeadEvent"] == 3
    assert counts["leads.LeadOutcome"] == counts["leads.LeadCorrection"] == 1
    assert counts["leads.Message"] > 10
    assert counts["leads.LeadActivity"] >= 1 and counts["leads.LeadScoreItem"] >= 1
    assert counts["billing.QualifiedLeadRecord"] == 1
    assert record.rows_deleted == sum(counts.values())
    with schema_context(workspace_a.schema_name):
        assert not Lead.objects.filter(pk=contact.lead.pk).exists()
        assert ErasureRecord.objects.get() == record


def test_the_record_keeps_a_keyed_hash_never_the_address(erased, workspace_a, workspace_b):
    _, record, _ = erased

    with schema_context(workspace_a.schema_name):
        row = ErasureRecord.objects.filter(pk=record.pk).values().get()
    assert "quokka" not in str(row).lower()
    assert record.email_hash == contact_email_hash(EMAIL.lower(), workspace=workspace_a)
    # Keyed by the workspace too: the same address erased in two workspaces cannot be linked.
    assert record.email_hash != contact_email_hash(EMAIL, workspace=workspace_b)


def test_a_repeated_request_is_recognized_whatever_the_case(erased, workspace_a):
    _, record, _ = erased

    with schema_context(workspace_a.schema_name):
        assert erasure_records_for(email=EMAIL.upper(), workspace=workspace_a) == [record]
        assert erasure_records_for(email="someone@else.example", workspace=workspace_a) == []


def test_a_repeated_request_is_still_recognized_after_the_secret_key_rotated(
    erased, workspace_a, settings
):
    _, record, _ = erased

    with (
        override_settings(
            SECRET_KEY="a-new-secret" * 4, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]
        ),
        schema_context(workspace_a.schema_name),
    ):
        assert erasure_records_for(email=EMAIL, workspace=workspace_a) == [record]


def test_events_of_the_same_browser_that_belong_to_another_lead_stay(workspace_a, make_contact):
    """A shared computer: the browser was someone else's lead first; their page views are not
    the erased contact's."""
    contact = make_contact(workspace_a)
    with schema_context(workspace_a.schema_name):
        colleague = LeadFactory(email="colleague@alpha.example")
        theirs = LeadEvent.objects.create(
            lead=colleague, visitor_id=contact.visitor_id, kind=EventKind.PAGE_VIEW
        )
        anonymous = page_view_record(visitor_id=contact.visitor_id, url="https://site.example/")
        LeadEvent.objects.filter(pk=anonymous.pk).update(lead=None)

        contact_erase(email=EMAIL, workspace=workspace_a, by=UserFactory())

        assert LeadEvent.objects.filter(pk=theirs.pk).exists()
        assert not LeadEvent.objects.filter(pk=anonymous.pk).exists()


def test_an_eraser_an_app_registers_runs_with_the_contact_found_before_anything_went(
    workspace_a, make_contact, monkeypatch
):
    contact = make_contact(workspace_a)
    monkeypatch.setattr(erasure, "_ERASERS", dict(erasure._ERASERS))
    seen = []

    def webhook_deliveries(target):
        seen.append((target, Lead.objects.filter(pk__in=target.lead_ids).exists()))
        return {"webhooks.Delivery": 4}

    eraser_register("webhooks.deliveries", webhook_deliveries)
    with schema_context(workspace_a.schema_name):
        record = contact_erase(email=EMAIL, workspace=workspace_a, by=UserFactory())

    [(target, lead_still_there)] = seen
    assert target.email == EMAIL.lower()
    assert target.workspace == workspace_a
    assert target.lead_ids == (contact.lead.pk,)
    assert contact.pending.pk in target.conversation_ids
    assert contact.visitor_id in target.visitor_ids
    assert lead_still_there  # erasers run before the lead itself is deleted
    assert record.deleted_counts["webhooks.Delivery"] == 4


def test_erasing_an_address_nobody_has_deletes_nothing_and_is_recorded(workspace_a):
    with schema_context(workspace_a.schema_name):
        LeadFactory(email="someone@alpha.example")
        record = contact_erase(
            email="nobody@alpha.example", workspace=workspace_a, by=UserFactory()
        )

        assert record.deleted_counts == {}
        assert Lead.objects.filter(email="someone@alpha.example").exists()
