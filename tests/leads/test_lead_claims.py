"""A conversation that gives the e-mail of an existing lead proves nothing about who typed it:
it joins the lead's timeline and fills its blank contact fields, but never overwrites what the
lead's first conversation established nor lowers its qualification or place in the call queue.
What it claimed is kept on the conversation and shown on the lead page for a person to judge.

The attack that found it: anyone who knows a hot prospect's address opens the public chat, says
they are a student with another name and company, and the prospect dropped out of the queue."""

import json
import re

import pytest
from django_tenants.utils import schema_context

from forms_builder.models import LeadField, StepKind
from forms_builder.services import form_create, form_publish, step_create
from leads.models import Band, Conversation, ConversationStatus, Lead
from leads.services.leads import lead_qualify
from leads.timeline import lead_timeline
from tests.leads.conversations import LEAD_A, LEAD_B
from webhooks.payloads import lead_payload, payload_leads

pytestmark = pytest.mark.django_db

EMAIL = LEAD_B[0]

# The prospect: a manager of a 30-person company, budget validated, deciding this quarter.
PROSPECT = [
    EMAIL,
    "Béatrice Martin",
    "PME Services",
    "Manager",
    "30",
    *LEAD_B[3:],
]
# Anyone who knows the prospect's address, on another form of the workspace.
IMPOSTOR = [
    EMAIL,
    "Bob Faussaire",
    "École de commerce",
    "Étudiant",
    "+33 6 12 34 56 78",
    "Je suis étudiant en master, c'est pour mon mémoire.",
    "Pas de budget, je suis étudiant.",
]

CONTACT_STEPS = [
    ("Votre adresse e-mail ?", StepKind.EMAIL, LeadField.EMAIL),
    ("Votre nom ?", StepKind.SHORT_TEXT, LeadField.FULL_NAME),
    ("Votre entreprise ?", StepKind.SHORT_TEXT, LeadField.COMPANY),
    ("Votre poste ?", StepKind.SHORT_TEXT, LeadField.JOB_TITLE),
]
QUALIFICATION_STEPS = [
    *CONTACT_STEPS,
    ("Combien de personnes y travaillent ?", StepKind.COMPANY_SIZE, LeadField.COMPANY_SIZE),
    ("Qu'est-ce qui vous amène ?", StepKind.LONG_TEXT, ""),
    ("Qu'est-ce qui ne va pas exactement ?", StepKind.LONG_TEXT, ""),
    ("Si c'était résolu, ça changerait quoi ?", StepKind.LONG_TEXT, ""),
    ("Avez-vous un budget ?", StepKind.LONG_TEXT, ""),
    ("C'est urgent ou vous avez le temps ?", StepKind.LONG_TEXT, ""),
]
CALLBACK_STEPS = [
    *CONTACT_STEPS,
    ("Votre téléphone ?", StepKind.PHONE, LeadField.PHONE),
    ("Qu'est-ce qui vous amène ?", StepKind.LONG_TEXT, ""),
    ("Avez-vous un budget ?", StepKind.LONG_TEXT, ""),
]


def published(workspace, name, steps):
    with schema_context(workspace.schema_name):
        form = form_create(name=name, language="fr")
        form.steps.all().delete()
        for prompt, kind, lead_field in steps:
            step_create(form=form, kind=kind, prompt=prompt, lead_field=lead_field)
        form_publish(form=form)
        return form


def chat(client, workspace, form, answers, capture):
    """A whole conversation through the public chat, as a visitor's browser holds it, with the
    lead's qualification run as the worker runs it once the last turn is committed."""
    base = f"/w/{workspace.slug}/f/{form.slug}/conversations/"
    with capture(execute=True):
        started = client.post(base, "{}", content_type="application/json")
        assert started.status_code == 201
        token = started.json()["token"]
        for text in [*answers, *["Rien à ajouter."] * 5]:
            response = client.post(
                f"{base}{token}/turns/", json.dumps({"text": text}), content_type="application/json"
            )
            assert response.status_code == 200, response.content
            if response.json()["status"] == ConversationStatus.COMPLETED:
                break
        assert response.json()["status"] == ConversationStatus.COMPLETED
    with schema_context(workspace.schema_name):
        return Conversation.objects.get(token=token)


def claims_panel(html: str) -> str:
    found = re.search(r'<section class="card lead-claims".*?</section>', html, re.S)
    assert found, "the lead page shows no claims panel"
    return found.group(0)


@pytest.fixture
def hot_prospect(client, workspace_a, django_capture_on_commit_callbacks):
    """Given a prospect whose conversation made a hot SQL lead."""
    form = published(workspace_a, "Qualification", QUALIFICATION_STEPS)
    conversation = chat(client, workspace_a, form, PROSPECT, django_capture_on_commit_callbacks)
    with schema_context(workspace_a.schema_name):
        lead = Lead.objects.get(pk=conversation.lead_id)
    assert (lead.qualification_status, lead.band) == ("sql", Band.HOT)
    return lead


def test_an_impostor_giving_a_hot_leads_email_cannot_rewrite_or_disqualify_it(
    client, member_client, workspace_a, hot_prospect, django_capture_on_commit_callbacks
):
    """Given a hot SQL lead, when a new anonymous conversation on another form gives its e-mail
    and claims to be a student with another name, company and title, then the lead keeps its
    contact, its SQL status and its place in the queue; the conversation is on its timeline,
    the phone it gave fills the blank one, and the lead page shows what it claimed."""
    before = hot_prospect
    callback = published(workspace_a, "Rappel", CALLBACK_STEPS)

    impostor = chat(client, workspace_a, callback, IMPOSTOR, django_capture_on_commit_callbacks)

    assert impostor.lead_id == before.pk
    with schema_context(workspace_a.schema_name):
        lead = Lead.objects.get(pk=before.pk)
        timeline = lead_timeline(lead=Lead.objects.prefetch_related("conversations__form").get())
        payload = lead_payload(payload_leads([lead.pk]).get(), workspace=workspace_a)
    assert (lead.full_name, lead.company, lead.job_title, lead.company_size) == (
        "Béatrice Martin",
        "PME Services",
        "Manager",
        "11-50",
    )
    assert lead.phone == "+33 6 12 34 56 78"  # was blank: filled
    assert (lead.qualification_status, lead.disqualification) == ("sql", "")
    assert (lead.band, lead.priority, lead.sla_due_at) == (
        before.band,
        before.priority,
        before.sla_due_at,
    )
    # What integrators are told is the lead as stored, not the impostor's words.
    assert (payload["name"], payload["company"], payload["status"]) == (
        "Béatrice Martin",
        "PME Services",
        "sql",
    )
    assert any("Rappel" in entry.title for entry in timeline.entries)

    html = member_client.get(f"/w/{workspace_a.slug}/leads/{lead.pk}/").content.decode()
    heading = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert "Béatrice Martin" in heading
    panel = claims_panel(html)
    for claimed in ("Bob Faussaire", "École de commerce", "Étudiant"):
        assert claimed in panel
    assert "Student" in panel  # what the conversation on its own reads as
    assert "+33 6 12 34 56 78" not in panel  # filled, not a claim


def test_a_later_conversation_that_qualifies_the_lead_higher_raises_it(
    client, workspace_a, django_capture_on_commit_callbacks
):
    """Given a lead benchmarking for a project in 18 months (an MQL), when a later conversation
    with its e-mail says the budget is validated and the decision due this quarter, then the
    lead rises: a claim may add to a lead, never take away."""
    form = published(workspace_a, "Qualification", QUALIFICATION_STEPS)
    benchmark = [LEAD_A[0], "Alice Grand", "Grand Groupe", "CEO", "200", *LEAD_A[3:]]
    first = chat(client, workspace_a, form, benchmark, django_capture_on_commit_callbacks)
    with schema_context(workspace_a.schema_name):
        assert Lead.objects.get(pk=first.lead_id).qualification_status == "mql"

    urgent = [LEAD_A[0], "Alice Grand", "Grand Groupe", "CEO", "200", *LEAD_B[3:]]
    chat(client, workspace_a, form, urgent, django_capture_on_commit_callbacks)

    with schema_context(workspace_a.schema_name):
        lead = Lead.objects.get(pk=first.lead_id)
    assert (lead.qualification_status, lead.band) == ("sql", Band.HOT)


def test_a_lead_with_claims_qualified_again_writes_nothing(
    client, workspace_a, hot_prospect, django_capture_on_commit_callbacks
):
    callback = published(workspace_a, "Rappel", CALLBACK_STEPS)
    chat(client, workspace_a, callback, IMPOSTOR, django_capture_on_commit_callbacks)
    with schema_context(workspace_a.schema_name):
        before = Lead.objects.values().get(pk=hot_prospect.pk)
        claims = Conversation.objects.get(form=callback).claims

        lead_qualify(lead=Lead.objects.get(pk=hot_prospect.pk))

        assert Lead.objects.values().get(pk=hot_prospect.pk) == before
        assert Conversation.objects.get(form=callback).claims == claims
