"""Conversations of the seed's two leads, and of a student, held through the services as
visitors hold them, for the qualification tests (tests/leads/test_lead_qualify.py and the lead
page's), the call queue's (tests/leads/test_prioritization.py) and the browser journey's."""

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context

from forms_builder.models import LeadField, StepKind
from forms_builder.services import form_create, form_publish, form_update, step_create
from leads.models import Conversation, ConversationStatus
from leads.services.conversations import (
    conversation_start,
    conversation_turn,
    conversations_abandon_stale,
)

OFFER = (
    "Formulaire conversationnel IA qui qualifie les leads entrants avant de les transmettre aux "
    "commerciaux, à partir de 99 €/mois"
)

# (prompt, kind, lead field) of a French discovery form, contact first.
DISCOVERY_STEPS = [
    ("Quelle est votre adresse e-mail professionnelle ?", StepKind.EMAIL, LeadField.EMAIL),
    ("Quel est votre poste ?", StepKind.SHORT_TEXT, LeadField.JOB_TITLE),
    ("Combien de personnes y travaillent ?", StepKind.COMPANY_SIZE, LeadField.COMPANY_SIZE),
    ("Qu'est-ce qui vous amène ?", StepKind.LONG_TEXT, ""),
    ("Qu'est-ce qui ne va pas exactement ?", StepKind.LONG_TEXT, ""),
    ("Si c'était résolu, ça changerait quoi ?", StepKind.LONG_TEXT, ""),
    ("Avez-vous un budget ?", StepKind.LONG_TEXT, ""),
    ("C'est urgent ou vous avez le temps ?", StepKind.LONG_TEXT, ""),
]

# Manager of a 30-person company: urgent, budget validated. An SQL.
LEAD_B = [
    "b@pme-services.example",
    "Manager",
    "30",
    "Notre process de qualification prend trop de temps",
    "Mes commerciaux appellent 50 leads pour closer 2",
    "On pourrait doubler les ventes sans recruter",
    "Oui, le budget est validé : 6 000 euros par an.",
    "On doit décider avant la fin du trimestre",
]
# CEO of a 200-person company, benchmarking for a project in 18 months. An MQL, timing later.
LEAD_A = [
    "a@grand-groupe.example",
    "CEO",
    "200",
    "Je fais un benchmark des solutions de qualification de leads.",
    "Nos commerciaux passent trop de temps sur des demandes qui n'aboutissent pas.",
    "On gagnerait du temps.",
    "Pas encore défini.",
    "Dans 18 mois. Le projet est dans la feuille de route mais rien n'est lancé.",
]
# A disqualified student who still ticks every box a scoring rule could reward.
STUDENT = [
    "etudiante@ecole.example",
    "CEO",
    "200",
    "Je suis étudiante en master, c'est pour mon mémoire sur la qualification de leads.",
    "Je compare les outils du marché.",
    "Une bonne note.",
    "Pas de budget, je suis étudiante.",
    "Je dois rendre mon mémoire avant la fin du trimestre.",
]


def discovery_form(workspace):
    """A published French form asking the seed's questions; made in the workspace's schema."""
    with schema_context(workspace.schema_name):
        form = form_create(name="Qualification", language="fr")
        form.steps.all().delete()
        for prompt, kind, lead_field in DISCOVERY_STEPS:
            step_create(form=form, kind=kind, prompt=prompt, lead_field=lead_field)
        form_update(form=form, offer_description=OFFER)
        form_publish(form=form)
        return form


def converse(
    workspace, form, answers: list[str], *, finish: bool = True, visitor_id: str = ""
) -> Conversation:
    """Answer the form's steps; then, when `finish`, a discovery follow-up the runtime may add
    gets a short answer until the conversation is over."""
    with schema_context(workspace.schema_name):
        conversation = conversation_start(form=form, visitor_id=visitor_id).conversation
        for text in answers:
            conversation = conversation_turn(token=conversation.token, text=text).conversation
        for _ in range(5 if finish else 0):
            if conversation.status == ConversationStatus.COMPLETED:
                break
            conversation = conversation_turn(
                token=conversation.token, text="Rien à ajouter."
            ).conversation
        return conversation


def abandon(workspace, conversation) -> Conversation:
    with schema_context(workspace.schema_name):
        Conversation.objects.filter(pk=conversation.pk).update(
            last_turn_at=timezone.now() - timedelta(hours=1)
        )
        conversations_abandon_stale()
        conversation.refresh_from_db()
        return conversation
