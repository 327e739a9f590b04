"""The sales side of the lead page: its band and speed-to-lead timer, who calls it (and the
form to change that), the suggested opening line, recording outcomes, and the timeline; who may
do what, what bad input gets (never a 500), escaping, and query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.models import Band, EventKind, Lead, LeadActivity, LeadEvent, LeadOutcome
from leads.services.sales import lead_assign, lead_outcome_record
from tests.factories import LeadFactory
from tests.leads.conversations import LEAD_B

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"


@pytest.fixture
def lead(in_a):
    with in_a():
        return LeadFactory(full_name="Marie Dupont", company="Acme")


@pytest.fixture
def lead_url(workspace_a):
    return lambda lead, action="": f"/w/{workspace_a.slug}/leads/{lead.pk}/{action}"


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def reloaded(in_a, lead) -> Lead:
    with in_a():
        return Lead.objects.get(pk=lead.pk)


# --- Band and timer ------------------------------------------------------------------------------


def test_the_page_shows_the_band_and_how_long_is_left_to_call(member_client, in_a, lead_url):
    with in_a():
        lead = LeadFactory(
            band=Band.HOT,
            band_since=timezone.now() - timedelta(minutes=20),
            sla_due_at=timezone.now() + timedelta(minutes=40, seconds=30),
        )

    html = page(member_client, lead_url(lead))

    assert '<span class="lead-band lead-band-hot">Call within the hour</span>' in html
    assert '<span class="lead-timer lead-timer-waiting">due in 40 min</span>' in html


def test_an_overdue_lead_is_highlighted(member_client, in_a, lead_url):
    with in_a():
        lead = LeadFactory(
            band=Band.HOT,
            band_since=timezone.now() - timedelta(hours=3),
            sla_due_at=timezone.now() - timedelta(hours=2, minutes=5, seconds=30),
        )

    html = page(member_client, lead_url(lead))

    assert '<span class="lead-timer lead-timer-overdue"><strong>overdue by 2 h 05</strong>' in html


# --- Assignee ------------------------------------------------------------------------------------


def test_the_assign_form_offers_the_workspaces_members_and_nobody(
    member_client, admin, member, outsider, lead, lead_url
):
    html = page(member_client, lead_url(lead))

    assert '<option value="" selected>Nobody</option>' in html
    assert f'<option value="{admin.pk}">{admin.display_name}</option>' in html
    assert f'<option value="{member.pk}">{member.display_name}</option>' in html
    assert outsider.email not in html


def test_any_member_assigns_a_lead_and_the_assignee_is_emailed(
    member_client,
    admin,
    member,
    in_a,
    lead,
    lead_url,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post(lead_url(lead, "assign/"), {"assignee": admin.pk})

    assert response.status_code == 302
    assert response["Location"] == lead_url(lead)
    assert reloaded(in_a, lead).assignee_id == admin.pk
    assert [message.to for message in mailoutbox] == [[admin.email]]
    html = page(member_client, lead_url(lead))
    assert f"Assigned to {admin.display_name}." in html
    assert f'<option value="{admin.pk}" selected>' in html


def test_an_empty_assignee_gives_the_lead_back_to_nobody(
    member_client, member, in_a, lead, lead_url
):
    with in_a():
        lead_assign(lead=lead, assignee=member, by=member)

    response = member_client.post(lead_url(lead, "assign/"), {"assignee": ""})

    assert response.status_code == 302
    assert reloaded(in_a, lead).assignee_id is None
    assert "Nobody has this lead now." in page(member_client, lead_url(lead))


@pytest.mark.parametrize("value", ["abc", "2000000000", "-1", "1.5", "outsider", XSS])
def test_an_assignee_who_is_not_a_member_is_refused_with_a_message(
    member_client, outsider, in_a, lead, lead_url, value, mailoutbox
):
    value = outsider.pk if value == "outsider" else value

    response = member_client.post(lead_url(lead, "assign/"), {"assignee": value})

    assert response.status_code == 302
    assert reloaded(in_a, lead).assignee_id is None
    html = page(member_client, lead_url(lead))
    assert "Choose a member of this workspace, or nobody." in html
    assert "<script>alert" not in html
    assert mailoutbox == []


def test_assigning_reads_only_posts(member_client, lead, lead_url, workspace_a):
    assert member_client.get(lead_url(lead, "assign/")).status_code == 405
    assert member_client.get(lead_url(lead, "outcomes/")).status_code == 405
    for action in ("assign/", "outcomes/"):
        missing = f"/w/{workspace_a.slug}/leads/2000000000/{action}"
        assert member_client.post(missing, {"assignee": ""}).status_code == 404
        assert member_client.get(missing).status_code == 404


# --- Opening line --------------------------------------------------------------------------------


def test_the_page_suggests_an_opening_line_from_the_visitors_words(
    member_client, pipeline, lead_url
):
    lead = pipeline(LEAD_B)

    html = page(member_client, lead_url(lead))

    assert "Suggested opening line" in html
    assert "« notre process de qualification prend trop de temps »" in html.replace("\u00a0", " ")


# --- Outcomes ------------------------------------------------------------------------------------


def test_any_member_records_an_outcome_which_stops_the_timer(
    member_client, member, in_a, lead, lead_url
):
    response = member_client.post(lead_url(lead, "outcomes/"), {"kind": "contacted"})

    assert response.status_code == 302
    assert response["Location"] == lead_url(lead)
    saved = reloaded(in_a, lead)
    assert (saved.outcome, saved.first_contacted_at is not None) == ("contacted", True)
    html = page(member_client, lead_url(lead))
    assert "Recorded: contacted." in html
    assert f"by {member.email}" in html


def test_a_won_deal_and_a_lost_one_are_listed_with_who_and_why(
    member_client, admin_client_a, member, admin, in_a, lead, lead_url
):
    member_client.post(
        lead_url(lead, "outcomes/"), {"kind": "won", "amount": "12000", "currency": "eur"}
    )
    admin_client_a.post(
        lead_url(lead, "outcomes/"),
        {"kind": "lost", "lost_reason": "competitor", "note": "Went with the cheaper one"},
    )

    html = page(member_client, lead_url(lead))

    assert "<strong>Won</strong> · 12,000 EUR" in html
    assert "<strong>Lost</strong> · Chose a competitor · Went with the cheaper one" in html
    assert f"by {member.email}" in html and f"by {admin.email}" in html
    with in_a():
        assert LeadOutcome.objects.filter(lead=lead).count() == 2


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"kind": "won"}, "amount", "A won deal needs its amount, above zero."),
        ({"kind": "won", "amount": "12000"}, "currency", "Give the currency as three letters"),
        (
            {"kind": "won", "amount": "12000", "currency": "XYZ"},
            "currency",
            "XYZ is not an ISO 4217 currency code",
        ),
        ({"kind": "won", "amount": "lots", "currency": "EUR"}, "amount", "Enter a number."),
        ({"kind": "lost"}, "lost_reason", "Say why the deal was lost."),
        ({"kind": "lost", "lost_reason": "bored"}, "lost_reason", "Select a valid choice."),
        ({"kind": "ghosted"}, "kind", "Select a valid choice."),
        ({}, "kind", "This field is required."),
        ({"kind": "contacted", "note": "x" * 501}, "note", "at most 500 characters"),
    ],
)
def test_an_outcome_that_makes_no_sense_shows_the_page_again_with_the_error(
    member_client, in_a, lead, lead_url, data, field, error
):
    response = member_client.post(lead_url(lead, "outcomes/"), data)

    assert response.status_code == 400
    assert field in response.context["outcome_form"].errors
    assert error in response.content.decode()
    with in_a():
        assert not LeadOutcome.objects.exists()
    assert reloaded(in_a, lead).first_contacted_at is None


# --- Timeline ------------------------------------------------------------------------------------


def test_the_page_shows_the_timeline_newest_first(member_client, member, in_a, pipeline, lead_url):
    lead = pipeline(LEAD_B)
    with in_a():
        lead_outcome_record(lead=lead, kind="meeting", by=member, note="Demo on Tuesday")

    html = page(member_client, lead_url(lead))

    timeline = html[html.index('id="timeline-title"') :]
    order = ["Meeting booked", "Hot lead alert sent", "SQL", "Completed the conversation"]
    assert sorted(order, key=timeline.index) == order


def test_what_visitors_and_members_wrote_is_escaped_on_the_sales_side(
    member_client, member, in_a, lead_url
):
    with in_a():
        lead = LeadFactory(
            full_name=XSS,
            qualification_status="mql",
            qualification_detail={"need": {"evidence": [XSS]}, "brief": {"problem": XSS}},
        )
        LeadEvent.objects.create(
            lead=lead, kind=EventKind.PAGE_VIEW, url=f"https://x.example/{XSS}"
        )
        lead_outcome_record(lead=lead, kind="contacted", by=member, note=XSS)

    html = page(member_client, lead_url(lead))

    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4


def test_the_page_takes_the_same_queries_whatever_the_timeline_holds(
    member_client, admin, member, in_a, lead, lead_url, django_assert_num_queries
):
    with in_a():
        LeadEvent.objects.create(lead=lead, kind=EventKind.PAGE_VIEW)
        lead_outcome_record(lead=lead, kind="contacted", by=member)
        lead_assign(lead=lead, assignee=member, by=admin)
    url = lead_url(lead)
    member_client.get(url)
    with CaptureQueriesContext(connection) as with_one:
        page(member_client, url)

    with in_a():
        LeadEvent.objects.bulk_create(
            LeadEvent(lead=lead, kind=kind, url="https://acme.example/")
            for kind in (EventKind.PAGE_VIEW, EventKind.EMAIL_OPEN, EventKind.EMAIL_CLICK) * 400
        )
        for n in range(25):
            lead_outcome_record(lead=lead, kind="meeting", by=member, note=f"Call {n}")
            lead_assign(lead=lead, assignee=admin if n % 2 == 0 else member, by=member)
        assert LeadActivity.objects.filter(lead=lead).count() == 26

    with django_assert_num_queries(len(with_one)):
        html = page(member_client, url)
    assert html.count('<li class="lead-timeline-') == 50
    assert "And earlier:" in html
