"""A member who judged a value that a later, unverified conversation claimed takes it for the
lead from the lead page (POST /leads/<id>/claims/): the lead's value is replaced, the claim is
settled, and the timeline says who did it. Only a value a conversation of this lead claims can
be taken: the form names a claim, never a value of its own."""

import pytest
from django_tenants.utils import schema_context

from forms_builder.services import form_create, form_publish
from leads.models import Conversation, Lead, LeadActivity
from leads.services.conversations import conversation_start, conversation_turn
from leads.timeline import lead_timeline
from tests.conversations import followups_answer

pytestmark = pytest.mark.django_db

FIRST = ["We need help", "ada@example.com", "Ada", "Acme", "CEO", "30"]
LATER = ["Again", "ada@example.com", "Ada Lovelace", "Analytical Engines", "CEO", "30"]


@pytest.fixture
def claimed(workspace_a):
    """Given a lead made by a first conversation, and a later one with its e-mail that claims
    another name and company."""
    with schema_context(workspace_a.schema_name):
        form = form_create(name="Contact")
        form_publish(form=form)
        for answers in (FIRST, LATER):
            conversation = conversation_start(form=form).conversation
            for text in answers:
                conversation = conversation_turn(token=conversation.token, text=text).conversation
            conversation = followups_answer(conversation)
        conversation.refresh_from_db()
        assert conversation.claims["contact"] == {
            "full_name": "Ada Lovelace",
            "company": "Analytical Engines",
        }
        return conversation


def url(workspace, lead_id):
    return f"/w/{workspace.slug}/leads/{lead_id}/claims/"


def test_a_member_takes_a_claimed_value_for_the_lead(member_client, member, workspace_a, claimed):
    response = member_client.post(
        url(workspace_a, claimed.lead_id), {"conversation": claimed.pk, "field": "company"}
    )

    assert response.status_code == 302
    with schema_context(workspace_a.schema_name):
        lead = Lead.objects.prefetch_related("conversations__form").get(pk=claimed.lead_id)
        assert (lead.full_name, lead.company) == ("Ada", "Analytical Engines")
        # Settled: the other claim still waits for a person.
        assert Conversation.objects.get(pk=claimed.pk).claims["contact"] == {
            "full_name": "Ada Lovelace"
        }
        entry = lead_timeline(lead=lead).entries[0]
    assert (entry.detail, entry.by) == ("Company: Acme → Analytical Engines", member.email)
    page = member_client.get(f"/w/{workspace_a.slug}/leads/{claimed.lead_id}/").content.decode()
    assert "Analytical Engines" in page.split('<section class="card lead-contact"')[1]


@pytest.mark.parametrize(
    "form",
    [
        {"field": "email"},  # not claimed (and never claimable)
        {"field": "job_title"},  # said the same: no claim
        {"field": "company", "conversation": "establishing"},
        {"field": "company", "conversation": "x"},
        {},
    ],
)
def test_only_a_value_a_conversation_of_the_lead_claims_can_be_taken(
    member_client, workspace_a, claimed, form
):
    with schema_context(workspace_a.schema_name):
        establishing = Conversation.objects.filter(unverified=False).get()
    data = {"conversation": claimed.pk, **form}
    if data.get("conversation") == "establishing":
        data["conversation"] = establishing.pk

    response = member_client.post(url(workspace_a, claimed.lead_id), data)

    assert response.status_code == 302
    with schema_context(workspace_a.schema_name):
        lead = Lead.objects.get(pk=claimed.lead_id)
        assert (lead.email, lead.full_name, lead.company) == ("ada@example.com", "Ada", "Acme")
        assert not LeadActivity.objects.exists()
        assert len(Conversation.objects.get(pk=claimed.pk).claims["contact"]) == 2


def test_a_claim_of_another_lead_cannot_be_taken(member_client, workspace_a, claimed):
    with schema_context(workspace_a.schema_name):
        other = Lead.objects.create(email="grace@example.com", company="Navy")

    member_client.post(url(workspace_a, other.pk), {"conversation": claimed.pk, "field": "company"})

    with schema_context(workspace_a.schema_name):
        assert Lead.objects.get(pk=other.pk).company == "Navy"
        assert len(Conversation.objects.get(pk=claimed.pk).claims["contact"]) == 2


def test_the_lead_page_offers_to_take_each_claimed_value(member_client, workspace_a, claimed):
    page = member_client.get(f"/w/{workspace_a.slug}/leads/{claimed.lead_id}/").content.decode()

    panel = page.split('<section class="card lead-claims"')[1].split("</section>")[0]
    assert panel.count(f'action="{url(workspace_a, claimed.lead_id)}"') == 2


def test_claimed_values_are_shown_escaped(member_client, workspace_a):
    script = "<script>alert(1)</script>"
    with schema_context(workspace_a.schema_name):
        form = form_create(name="Contact")
        form_publish(form=form)
        for company in ("Acme", f"Evil {script}"):
            conversation = conversation_start(form=form).conversation
            for text in ["Hi", "ada@example.com", "Ada", company, "CEO", "30"]:
                conversation = conversation_turn(token=conversation.token, text=text).conversation
            conversation = followups_answer(conversation)

    page = member_client.get(f"/w/{workspace_a.slug}/leads/{conversation.lead_id}/").content
    panel = page.decode().split('<section class="card lead-claims"')[1].split("</section>")[0]
    assert "Evil &lt;script&gt;alert(1)&lt;/script&gt;" in panel
    assert script not in page.decode()
