"""The lead pages of the dashboard: the list (order, filters, search, empty state; the inbox's
own filters, cursor pages and assignment are in test_inbox*.py) and a lead's page (contact,
conversations, answers, transcript, where the visitor came from), who may read them, how they
escape what visitors wrote, and their query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_builder.models import StepKind
from forms_builder.services import form_create, form_publish, step_create
from leads.models import Conversation, ConversationStatus, Lead
from leads.services.conversations import (
    conversation_start,
    conversation_turn,
    conversations_abandon_stale,
)
from tests.conversations import followups_answer
from tests.factories import LeadFactory
from tests.queries import queries_of

pytestmark = pytest.mark.django_db

# Answers to a starter form: need, e-mail, name, company, job title, headcount.
ADA = ["We waste hours on bad leads", "ada@example.com", "Ada Lovelace", "Analytical", "CEO", "30"]
GRACE = ["Too many tools", "grace@navy.example", "Grace Hopper", "Navy", "Admiral", "5000"]
ALAN = ["Just looking", "alan@bletchley.example", "Alan Turing", "Bletchley", "Research", "8"]

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture
def in_a(workspace_a):
    """Run ORM code in workspace A's schema: `with in_a(): ...`."""
    return lambda: schema_context(workspace_a.schema_name)


@pytest.fixture
def leads_url(workspace_a):
    return f"/w/{workspace_a.slug}/leads/"


def published(in_a, name="Contact sales", language="en", hidden_fields=()):
    with in_a():
        form = form_create(name=name, language=language)
        form.hidden_fields = list(hidden_fields)
        form.save()
        form_publish(form=form)
        return form


@pytest.fixture
def form(in_a):
    return published(in_a)


def talk(in_a, form, answers, **start):
    """A visitor's conversation through the services, as the public endpoints hold it."""
    with in_a():
        conversation = conversation_start(form=form, **start).conversation
        for text in answers:
            conversation = conversation_turn(token=conversation.token, text=text).conversation
        return followups_answer(conversation)


def abandon_all(in_a):
    with in_a():
        conversations_abandon_stale(now=timezone.now() + timedelta(hours=1))


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def names_in_order(html, names):
    """The given names in the order the page shows them (absent ones left out)."""
    return sorted((n for n in names if n in html), key=html.index)


# --- List: order -----------------------------------------------------------------------------


def test_list_in_activity_order_shows_the_lead_with_the_latest_activity_first(
    member_client, in_a, form, leads_url
):
    talk(in_a, form, ADA)
    talk(in_a, form, GRACE)
    talk(in_a, form, ALAN)
    # Ada comes back: her new conversation makes her the latest activity.
    talk(in_a, form, ["Back again", "ADA@example.com", "Ada Lovelace", "Analytical", "CEO", "35"])

    html = page(member_client, leads_url, order="activity")

    assert names_in_order(html, ["Ada Lovelace", "Grace Hopper", "Alan Turing"]) == [
        "Ada Lovelace",
        "Alan Turing",
        "Grace Hopper",
    ]


def test_list_row_shows_contact_form_activity_and_status(member_client, in_a, form, leads_url):
    talk(in_a, form, ADA)

    html = page(member_client, leads_url)

    for text in ("Ada Lovelace", "ada@example.com", "Analytical"):
        assert text in html
    assert "<td>Contact sales</td>" in html
    assert '<span class="lead-status lead-status-completed">Completed</span>' in html
    with in_a():
        lead = Lead.objects.get()
    assert f'href="{leads_url}{lead.pk}/"' in html


def test_list_row_lists_every_form_the_lead_talked_to(member_client, in_a, form, leads_url):
    other = published(in_a, name="Pricing questions")
    talk(in_a, form, ADA)
    talk(in_a, other, ADA)

    html = page(member_client, leads_url)

    assert "Contact sales, Pricing questions" in html


# --- List: filters and search ----------------------------------------------------------------


def test_form_filter_keeps_leads_with_a_conversation_of_that_form(
    member_client, in_a, form, leads_url
):
    other = published(in_a, name="Pricing questions")
    talk(in_a, form, ADA)
    talk(in_a, other, GRACE)
    talk(in_a, other, ALAN)
    talk(in_a, form, ALAN)

    html = page(member_client, leads_url, form=form.pk)

    assert "Ada Lovelace" in html and "Alan Turing" in html
    assert "Grace Hopper" not in html


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (ConversationStatus.COMPLETED, "Ada Lovelace"),
        (ConversationStatus.ABANDONED, "Grace Hopper"),
        (ConversationStatus.ACTIVE, "Alan Turing"),
    ],
)
def test_status_filter_keeps_leads_whose_latest_conversation_has_that_status(
    member_client, in_a, form, leads_url, status, shown
):
    talk(in_a, form, ADA)  # completed
    talk(in_a, form, GRACE[:3])  # left after her name: abandoned below
    alan = talk(in_a, form, ALAN[:3])  # left, abandoned, then came back: in progress
    abandon_all(in_a)
    with in_a():
        alan = Conversation.objects.select_related("form_version").get(pk=alan.pk)
        conversation_turn(token=alan.token, text="Bletchley")

    html = page(member_client, leads_url, status=status)

    assert names_in_order(html, ["Ada Lovelace", "Grace Hopper", "Alan Turing"]) == [shown]


def test_a_lead_who_abandoned_then_completed_is_not_listed_as_abandoned(
    member_client, in_a, form, leads_url
):
    talk(in_a, form, ADA[:2])
    abandon_all(in_a)
    talk(in_a, form, ADA)

    assert "Ada Lovelace" not in page(member_client, leads_url, status="abandoned")
    assert "Ada Lovelace" in page(member_client, leads_url, status="completed")


@pytest.mark.parametrize("search", ["lovelace", "ADA@EXAMPLE", "analyt"])
def test_search_finds_a_lead_by_name_email_or_company(member_client, in_a, form, leads_url, search):
    talk(in_a, form, ADA)
    talk(in_a, form, GRACE)

    html = page(member_client, leads_url, q=search)

    assert "Ada Lovelace" in html
    assert "Grace Hopper" not in html


def test_filters_combine(member_client, in_a, form, leads_url):
    other = published(in_a, name="Pricing questions")
    talk(in_a, form, ADA)
    talk(in_a, other, GRACE)
    talk(in_a, form, ALAN)

    html = page(member_client, leads_url, form=form.pk, status="completed", q="turing")

    assert names_in_order(html, ["Ada Lovelace", "Grace Hopper", "Alan Turing"]) == ["Alan Turing"]


def test_an_unknown_filter_value_is_left_out_and_said_so(member_client, in_a, form, leads_url):
    talk(in_a, form, ADA)

    html = page(member_client, leads_url, status="bogus", form="999999")

    assert "Ada Lovelace" in html
    assert "Unknown status." in html
    assert "That form does not exist." in html


def test_filter_with_no_match_says_so_and_offers_all_leads(member_client, in_a, form, leads_url):
    talk(in_a, form, ADA)

    html = page(member_client, leads_url, q="nobody")

    assert "No lead matches these filters." in html
    assert "Ada Lovelace" not in html


# --- List: empty state -------------------------------------------------------------


def test_empty_list_says_how_leads_arrive(member_client, leads_url, workspace_a):
    html = page(member_client, leads_url)

    assert "No leads yet." in html
    assert "publish a form" in html
    assert "share its link or embed it" in html
    assert f'href="/w/{workspace_a.slug}/forms/"' in html


def test_dashboard_navigation_links_to_the_leads(member_client, leads_url, workspace_a):
    html = page(member_client, f"/w/{workspace_a.slug}/")

    assert f'<a href="{leads_url}">Leads</a>' in html


# --- Lead page -------------------------------------------------------------------------------


@pytest.fixture
def campaign_form(in_a):
    return published(in_a, name="Demo request", hidden_fields=["plan"])


@pytest.fixture
def ada(in_a, campaign_form):
    conversation = talk(
        in_a,
        campaign_form,
        ADA,
        utm={"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "spring"},
        hidden_fields={"plan": "pro"},
        referrer="https://news.example/issue-12",
        landing_page="https://acme.example/pricing",
    )
    return conversation.lead


def test_lead_page_shows_contact_details(member_client, leads_url, ada):
    html = page(member_client, f"{leads_url}{ada.pk}/")

    assert 'href="mailto:ada@example.com"' in html
    for text in ("Ada Lovelace", "Analytical", "CEO", "11-50"):
        assert text in html


def test_lead_page_shows_answers_question_by_question(member_client, leads_url, ada):
    html = page(member_client, f"{leads_url}{ada.pk}/")

    assert "<dt>What brings you here today?</dt><dd>We waste hours on bad leads</dd>" in html
    assert "<dt>How many people work there?</dt><dd>11-50</dd>" in html


def test_lead_page_reads_answers_back_in_the_form_language(member_client, in_a, leads_url):
    with in_a():
        form = form_create(name="Devis", language="fr")
        step_create(form=form, kind=StepKind.YES_NO, prompt="Avez-vous un budget ?")
        form_publish(form=form)
    lead = talk(in_a, form, [*ADA[:5], "12", "oui"]).lead

    html = page(member_client, f"{leads_url}{lead.pk}/")

    assert "<dt>Avez-vous un budget ?</dt><dd>Oui</dd>" in html


def test_lead_page_shows_the_conversation_source_utm_and_hidden_fields(
    member_client, leads_url, ada
):
    html = page(member_client, f"{leads_url}{ada.pk}/")

    assert "Demo request" in html and "version 1" in html
    assert '<span class="lead-status lead-status-completed">Completed</span>' in html
    assert "<dt>utm_source</dt><dd>newsletter</dd>" in html
    assert "<dt>utm_campaign</dt><dd>spring</dd>" in html
    assert "https://news.example/issue-12" in html
    assert "https://acme.example/pricing" in html
    assert "<dt>plan</dt><dd>pro</dd>" in html


def test_lead_page_shows_the_whole_transcript(member_client, leads_url, ada):
    html = page(member_client, f"{leads_url}{ada.pk}/")

    # The form's six answers, then three to the discovery follow-ups (problem, impact, urgency).
    assert html.count('class="lead-bubble visitor"') == len(ADA) + 3
    # Welcome, six questions, three follow-ups, closing message.
    assert html.count('class="lead-bubble assistant"') == 11
    assert names_in_order(html, ["What is your work e-mail?", "ada@example.com</li>"]) == [
        "What is your work e-mail?",
        "ada@example.com</li>",
    ]


def test_lead_page_shows_each_conversation_newest_first_with_its_version(
    member_client, in_a, leads_url, campaign_form, ada
):
    with in_a():
        step_create(form=campaign_form, kind=StepKind.SHORT_TEXT, prompt="Anything else?")
        form_publish(form=campaign_form)
    talk(in_a, campaign_form, [*ADA, "Call me on Monday"])

    html = page(member_client, f"{leads_url}{ada.pk}/")

    assert names_in_order(html, ["version 2", "version 1"]) == ["version 2", "version 1"]
    assert "<dt>Anything else?</dt><dd>Call me on Monday</dd>" in html


def test_a_lead_of_no_conversation_still_has_a_page(member_client, in_a, leads_url):
    with in_a():
        lead = LeadFactory(full_name="Imported person")

    assert "Imported person" in page(member_client, f"{leads_url}{lead.pk}/")


def test_an_unknown_lead_is_a_404(member_client, leads_url):
    assert member_client.get(f"{leads_url}2000000000/").status_code == 404


def test_lead_pages_only_read(owner_client, leads_url, ada):
    assert owner_client.post(leads_url).status_code == 405
    assert owner_client.post(f"{leads_url}{ada.pk}/").status_code == 405


# --- Escaping --------------------------------------------------------------------------------


def test_what_a_visitor_wrote_is_escaped_on_both_pages(member_client, in_a, form, leads_url):
    conversation = talk(
        in_a,
        form,
        [XSS_SCRIPT, "mallory@example.com", XSS_IMG, XSS_SCRIPT, XSS_IMG, "12"],
        utm={"utm_source": XSS_IMG, "utm_campaign": XSS_SCRIPT},
        referrer=f"https://x.example/{XSS_SCRIPT}",
    )

    for url in (leads_url, f"{leads_url}{conversation.lead_id}/"):
        html = page(member_client, url)
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


# --- Who may read ----------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["member_client", "admin_client_a", "owner_client"])
def test_every_member_of_the_workspace_reads_the_leads(request, reader, leads_url, ada):
    client = request.getfixturevalue(reader)

    assert "Ada Lovelace" in page(client, leads_url)
    assert "Ada Lovelace" in page(client, f"{leads_url}{ada.pk}/")


def test_outsider_gets_404_on_both_pages(outsider_client, leads_url, ada):
    listed = outsider_client.get(leads_url)
    shown = outsider_client.get(f"{leads_url}{ada.pk}/")

    assert listed.status_code == shown.status_code == 404
    assert b"Ada Lovelace" not in listed.content + shown.content


# --- Query counts ----------------------------------------------------------------------------


def test_list_query_count_does_not_grow_with_the_leads(
    member_client, in_a, form, leads_url, django_assert_num_queries
):
    other = published(in_a, name="Pricing questions")
    people = [ADA, GRACE, ALAN]
    for number in range(2):
        talk(in_a, form, [*people[number][:1], f"p{number}@example.com", *people[number][2:]])
    with_two = queries_of(member_client, leads_url)

    for number in range(2, 8):
        talk(in_a, other, ["Hi", f"p{number}@example.com", f"Person {number}", "Co", "VP", "9"])
        talk(in_a, form, ["Again", f"p{number}@example.com"])
    abandon_all(in_a)

    with django_assert_num_queries(with_two):
        html = page(member_client, leads_url)
    assert html.count('class="leads-who"') == 8


def test_lead_page_query_count_does_not_grow_with_conversations_and_messages(
    member_client, in_a, form, leads_url, django_assert_num_queries
):
    talk(in_a, form, ADA[:2])
    abandon_all(in_a)
    with in_a():
        lead = Lead.objects.get()
    with_one = queries_of(member_client, f"{leads_url}{lead.pk}/")

    other = published(in_a, name="Pricing questions")
    talk(in_a, other, ADA)
    talk(in_a, form, ADA)

    with django_assert_num_queries(with_one):
        html = page(member_client, f"{leads_url}{lead.pk}/")
    assert html.count('class="card lead-conversation"') == 3


def test_lead_page_shows_the_custom_fields_an_integration_set_escaped(
    member_client, in_a, leads_url
):
    with in_a():
        lead = LeadFactory(custom_fields={"crm_id": "0061x00000", "stage": XSS_SCRIPT, "vip": True})

    page = member_client.get(f"{leads_url}{lead.pk}/")

    assert page.status_code == 200
    assert b"Custom fields" in page.content
    assert b"0061x00000" in page.content and b"True" in page.content
    assert XSS_SCRIPT.encode() not in page.content
