"""A contact with something in every table that holds personal data, made through the services
as visitors, the tracking script, an e-mail tool and sales make them."""

from dataclasses import dataclass

import pytest
from django_tenants.utils import schema_context

from forms_builder.models import Form, LeadField, StepKind
from forms_builder.services import form_create, form_publish, form_update, step_create
from leads.models import Conversation, EventKind, Lead
from leads.services.conversations import conversation_start, conversation_turn
from leads.services.events import lead_event_create, page_view_record
from leads.services.leads import lead_correct
from leads.services.sales import lead_assign, lead_outcome_record
from tests.conversations import followups_answer
from tests.factories import MembershipFactory

# Words of the contact that appear nowhere else: after an erasure, no table may hold any of them.
EMAIL = "Zelda.Quokka@Quokkaflux.example"
TRACES = ("zelda.quokka@quokkaflux.example", "quokka", "zqv7", "wombat-spreadsheet")

CONTACT_STEPS = [
    ("Your work e-mail?", StepKind.EMAIL, LeadField.EMAIL),
    ("Your name?", StepKind.SHORT_TEXT, LeadField.FULL_NAME),
    ("Your job title?", StepKind.SHORT_TEXT, LeadField.JOB_TITLE),
    ("Your company?", StepKind.SHORT_TEXT, LeadField.COMPANY),
    ("Which country are you in?", StepKind.SHORT_TEXT, LeadField.COUNTRY),
    ("What is wrong exactly?", StepKind.LONG_TEXT, ""),
    ("Do you have a budget?", StepKind.LONG_TEXT, ""),
    ("How urgent is it?", StepKind.LONG_TEXT, ""),
]


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    company: str
    country: str
    # A word of their own in what they type, and the mark of their browser and campaign.
    word: str
    tag: str

    def answers(self) -> list[str]:
        return [
            self.email,
            self.name,
            f"CEO of {self.company}",
            self.company,
            self.country,
            f"Our inbound leads rot in a {self.word} and half of them are lost.",
            "Yes, the budget is approved: 6,000 euros a year.",
            "We must decide before the end of the quarter.",
        ]


ZELDA = Person(EMAIL, "Zelda Quokka", "Quokkaflux", "Quokkaland", "wombat-spreadsheet", "zqv7")
BYSTANDER = Person(
    "other@bystander.example", "Bob Stander", "Bystand Inc", "Belgium", "shoebox", "bystander"
)


@dataclass
class Contact:
    lead: Lead
    visitor_id: str
    # A conversation in progress that gave the address but has no lead yet.
    pending: Conversation


def _contact_form() -> Form:
    form = Form.objects.filter(name="Contact us").first()
    if form is not None:
        return form
    form = form_create(name="Contact us")
    form.steps.all().delete()
    for prompt, kind, lead_field in CONTACT_STEPS:
        step_create(form=form, kind=kind, prompt=prompt, lead_field=lead_field)
    form_update(form=form, hidden_fields=["plan"])
    form_publish(form=form)
    return form


def _talk(form, texts, *, visitor_id, tag):
    conversation = conversation_start(
        form=form,
        visitor_id=visitor_id,
        hidden_fields={"plan": f"pro-{tag}"},
        utm={"utm_source": "newsletter", "utm_campaign": f"{tag}-campaign"},
        referrer=f"https://search.example/?q={tag}",
        landing_page=f"https://site.example/landing?v={tag}",
    ).conversation
    for text in texts:
        conversation = conversation_turn(token=conversation.token, text=text).conversation
    return conversation


@pytest.fixture
def make_contact(django_capture_on_commit_callbacks):
    """`make_contact(workspace, person=ZELDA)`: the person as a contact of that workspace, with
    page views before and after the chat, an e-mail click, qualification, score, a correction,
    an assignment and an outcome."""

    def make(workspace, person: Person = ZELDA) -> Contact:
        email, tag = person.email, person.tag
        admin = MembershipFactory(workspace=workspace, role="admin").user
        visitor_id = f"visitor-{tag}"
        # The worker (eager) runs queued tasks in the schema they were queued from.
        with (
            schema_context(workspace.schema_name),
            django_capture_on_commit_callbacks(execute=True),
        ):
            form = _contact_form()
            page_view_record(visitor_id=visitor_id, url=f"https://site.example/pricing?v={tag}")
            conversation = _talk(form, person.answers(), visitor_id=visitor_id, tag=tag)
            followups_answer(conversation, text=f"Nothing more, the {tag} pipeline is all.")
            lead = Lead.objects.get(email__iexact=email)
            page_view_record(visitor_id=visitor_id, url=f"https://site.example/docs?v={tag}")
            lead_event_create(
                kind=EventKind.EMAIL_CLICK, email=email, url=f"https://site.example/?v={tag}"
            )
            lead_correct(lead=lead, values={"authority": "influencer"}, corrected_by=admin)
            lead_assign(lead=lead, assignee=admin, by=admin)
            lead_outcome_record(
                lead=lead,
                kind="lost",
                lost_reason="other",
                note=f"{person.name} said the {tag} budget moved",
                by=admin,
            )
            # Back on the site the next week: the address given again, the chat not finished.
            pending = _talk(form, [email], visitor_id=f"visitor-{tag}-2", tag=tag)
            lead.refresh_from_db()
        return Contact(lead=lead, visitor_id=visitor_id, pending=pending)

    return make
