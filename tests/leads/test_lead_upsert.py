from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_builder.models import StepKind
from forms_builder.services import form_create, form_publish, form_update, step_create
from leads.models import Conversation, ConversationStatus, Lead
from leads.services.conversations import (
    conversation_start,
    conversation_turn,
    conversations_abandon_stale,
)
from tests.conversations import followups_answer

pytestmark = pytest.mark.django_db

ANSWERS = ["We need help", "ada@example.com", "Ada", "Acme", "CEO", "200"]


@pytest.fixture
def in_workspace_a(workspace_a):
    with schema_context(workspace_a.schema_name):
        yield workspace_a


@pytest.fixture
def form(in_workspace_a):
    form = form_create(name="Contact")
    form_publish(form=form)
    return form


def talk(form, answers):
    conversation = conversation_start(form=form).conversation
    for text in answers:
        conversation = conversation_turn(token=conversation.token, text=text).conversation
    return followups_answer(conversation)


def test_same_email_adds_the_conversation_to_the_existing_lead(form):
    first = talk(form, ANSWERS)
    second = talk(form, ["Again", "ADA@example.com", "Ada L.", "Acme Corp", "CEO", "250"])

    assert Lead.objects.count() == 1
    lead = Lead.objects.get()
    assert first.lead == second.lead == lead
    assert lead.conversations.count() == 2


def test_the_first_conversation_establishes_the_contact_a_later_one_only_claims(form):
    """An e-mail typed into a form proves nothing: the later conversation's differing answers
    are kept on it as claims, and the lead keeps what its first conversation gave."""
    first = talk(form, ANSWERS)
    second = talk(form, ["Again", "ADA@example.com", "Ada L.", "acme", "CEO", "250"])

    lead = Lead.objects.get()
    assert (lead.full_name, lead.company, lead.job_title, lead.company_size) == (
        "Ada",
        "Acme",
        "CEO",
        "51-200",
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.unverified, first.claims) == (False, {})
    assert second.unverified is True
    # "acme" is Acme written otherwise, "CEO" the same: only what differs is a claim.
    assert second.claims["contact"] == {"full_name": "Ada L.", "company_size": "201-1000"}


def test_a_later_conversation_fills_the_fields_the_lead_left_blank(form):
    talk(form, ANSWERS[:2])
    Conversation.objects.update(last_turn_at=timezone.now() - timedelta(hours=1))
    conversations_abandon_stale()  # a lead with an e-mail only

    later = talk(form, ["Again", "ada@example.com", "Ada", "Acme", "CEO", "200"])

    lead = Lead.objects.get()
    assert (lead.full_name, lead.company, lead.job_title) == ("Ada", "Acme", "CEO")
    later.refresh_from_db()
    assert later.unverified is True
    assert later.claims["contact"] == {}


def test_the_establishing_conversation_resumed_keeps_establishing(form):
    """A visitor who left after giving their e-mail and comes back to the same conversation
    is still the one who made the lead: what they add is theirs, not a claim."""
    conversation = talk(form, ANSWERS[:2])
    Conversation.objects.filter(pk=conversation.pk).update(
        last_turn_at=timezone.now() - timedelta(hours=1)
    )
    conversations_abandon_stale()

    for text in ANSWERS[2:]:
        conversation = conversation_turn(token=conversation.token, text=text).conversation
    conversation = followups_answer(conversation)

    conversation.refresh_from_db()
    assert conversation.unverified is False
    assert conversation.lead.full_name == "Ada"


def test_different_emails_make_different_leads(form):
    talk(form, ANSWERS)
    talk(form, ["Hi", "grace@example.com", "Grace", "Navy", "Admiral", "5000"])
    assert sorted(Lead.objects.values_list("email", flat=True)) == [
        "ada@example.com",
        "grace@example.com",
    ]


def test_the_same_email_in_another_workspace_is_another_lead(form, workspace_b):
    talk(form, ANSWERS)
    with schema_context(workspace_b.schema_name):
        other = form_create(name="Contact")
        form_publish(form=other)
        talk(other, ANSWERS)
        assert Lead.objects.count() == 1
    assert Lead.objects.count() == 1


def test_an_abandoned_conversation_keeps_its_answers_in_a_lead(form):
    conversation = talk(form, ANSWERS[:3])
    Conversation.objects.filter(pk=conversation.pk).update(
        last_turn_at=timezone.now() - timedelta(minutes=31)
    )

    assert conversations_abandon_stale() == 1

    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ABANDONED
    assert conversation.answers
    assert conversation.lead.email == "ada@example.com"
    assert conversation.lead.full_name == "Ada"


def test_recent_conversations_are_not_abandoned(form):
    conversation = talk(form, ANSWERS[:2])
    assert conversations_abandon_stale() == 0
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ACTIVE


def test_a_conversation_without_answers_makes_no_lead(form):
    conversation = conversation_start(form=form).conversation
    Conversation.objects.filter(pk=conversation.pk).update(
        last_turn_at=timezone.now() - timedelta(hours=1)
    )
    conversations_abandon_stale()
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ABANDONED
    assert conversation.lead is None
    assert not Lead.objects.exists()


def test_a_visitor_coming_back_after_abandoning_carries_on(form):
    conversation = talk(form, ANSWERS[:2])
    Conversation.objects.filter(pk=conversation.pk).update(
        last_turn_at=timezone.now() - timedelta(hours=2)
    )
    conversations_abandon_stale()
    conversation.refresh_from_db()

    result = conversation_turn(token=conversation.token, text="Ada")

    assert result.conversation.status == ConversationStatus.ACTIVE
    assert result.messages[0].text == "Which company are you with?"


def test_a_country_step_fills_the_leads_country(in_workspace_a):
    form = form_create(name="Contact")
    step_create(form=form, kind=StepKind.SHORT_TEXT, prompt="Country?", lead_field="country")
    form_publish(form=form)

    conversation = talk(form, [*ANSWERS, "Belgique"])

    assert conversation.lead.country == "Belgique"


def test_a_country_hidden_field_fills_the_country_the_visitor_did_not_give(in_workspace_a):
    form = form_create(name="Contact")
    form_update(form=form, hidden_fields=["country"])
    form_publish(form=form)

    conversation = conversation_start(form=form, hidden_fields={"country": "FR"}).conversation
    for text in ANSWERS:
        conversation = conversation_turn(token=conversation.token, text=text).conversation
    conversation = followups_answer(conversation)

    assert conversation.lead.country == "FR"
