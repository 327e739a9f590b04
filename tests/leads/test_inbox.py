"""The sales inbox at /w/<workspace>/leads/: its filters (band, qualification, conversation,
form, assignee, creation dates, overdue, search), its rows (band, speed-to-lead timer, why the
lead is here, assignee, outcome), its cursor pages, its query count, and the SQL it keeps
compiled serving the filters it was compiled for alone."""

import html as html_lib
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from forms_builder.services import form_create, form_publish
from leads.inbox import INBOX_ORDERS, lead_inbox_page
from leads.models import Band, Conversation, ConversationStatus, Lead, QualificationStatus
from leads.pagination import cursor_read
from leads.prioritization import band_priority_range
from tests.factories import LeadFactory
from tests.queries import queries_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_a(workspace_a):
    with schema_context(workspace_a.schema_name):
        yield


@pytest.fixture
def inbox(member_client, workspace_a):
    """`inbox(**params)`: the inbox page's HTML, as the member sees it."""
    url = f"/w/{workspace_a.slug}/leads/"

    def get(**params):
        response = member_client.get(url, params)
        assert response.status_code == 200
        return response.content.decode()

    get.url = url
    return get


def lead_in(band: str, name: str, **fields) -> Lead:
    """A lead in `band`, its priority the band's floor plus `rank` (default 0)."""
    low, _ = band_priority_range(band)
    return LeadFactory(full_name=name, band=band, priority=low + fields.pop("rank", 0), **fields)


def names(page: str) -> list[str]:
    """The leads' names, in the order of the rows."""
    return re.findall(r'<td class="leads-who">\s*<a href="[^"]+">([^<]+)</a>', page)


def link(page: str, rel: str) -> dict:
    """The query of the page's rel="next" or rel="prev" link."""
    found = re.search(rf'<a href="\?([^"]*)" rel="{rel}">', page)
    assert found, f"no {rel} link"
    return dict(parse_qsl(html_lib.unescape(found[1])))


# --- Filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("band", Band.values)
def test_band_filter_keeps_the_leads_of_that_band(in_a, inbox, band):
    for each in Band.values:
        lead_in(each, f"{each.title()} lead", rank=5)

    assert names(inbox(band=band)) == [f"{band.title()} lead"]


@pytest.mark.parametrize(
    ("qualification", "shown"),
    [
        ("sql", ["Sales ready"]),
        ("mql", ["Marketing ready"]),
        ("disqualified", ["Student", "Spammer"]),
        ("none", ["Fresh"]),
    ],
)
def test_qualification_filter_keeps_leads_as_their_reasons_word_them(
    in_a, inbox, qualification, shown
):
    lead_in(Band.HOT, "Sales ready", qualification_status=QualificationStatus.SQL)
    lead_in(Band.TODAY, "Marketing ready", qualification_status=QualificationStatus.MQL)
    lead_in(Band.NURTURE, "Fresh")
    # An admin marked her a student: disqualified, even before her status is recomputed.
    lead_in(
        Band.AUTOMATED,
        "Student",
        rank=2,
        qualification_status=QualificationStatus.MQL,
        disqualification="student",
    )
    lead_in(
        Band.AUTOMATED,
        "Spammer",
        rank=1,
        qualification_status=QualificationStatus.DISQUALIFIED,
        disqualification="spam",
    )

    assert names(inbox(qualification=qualification)) == shown


@pytest.mark.parametrize(
    ("assignee", "shown"),
    [
        ("", ["Mine", "Theirs", "Nobody's"]),
        ("me", ["Mine"]),
        ("none", ["Nobody's"]),
        ("admin", ["Theirs"]),
    ],
)
def test_assignee_filter_keeps_my_leads_unassigned_ones_or_a_members(
    in_a, inbox, member, admin, assignee, shown
):
    lead_in(Band.HOT, "Mine", rank=3, assignee=member)
    lead_in(Band.HOT, "Theirs", rank=2, assignee=admin)
    lead_in(Band.HOT, "Nobody's", rank=1)

    value = str(admin.pk) if assignee == "admin" else assignee

    assert names(inbox(assignee=value)) == [html_lib.escape(name) for name in shown]


def test_date_filter_keeps_leads_created_within_the_days_both_included(in_a, inbox):
    day = datetime(2025, 3, 10, tzinfo=timezone.get_current_timezone())
    lead_in(Band.HOT, "Day before", rank=4, created_at=day - timedelta(seconds=1))
    lead_in(Band.HOT, "First morning", rank=3, created_at=day)
    lead_in(Band.HOT, "Last evening", rank=2, created_at=day + timedelta(days=2, hours=23))
    lead_in(Band.HOT, "Day after", rank=1, created_at=day + timedelta(days=3))

    page = inbox(created_from="2025-03-10", created_to="2025-03-12")

    assert names(page) == ["First morning", "Last evening"]


@pytest.mark.parametrize(
    ("start", "end"), [("0001-01-01", "9999-12-31"), ("9999-12-31", ""), ("", "0001-01-01")]
)
def test_dates_at_the_ends_of_the_calendar_are_no_trouble(in_a, inbox, start, end):
    lead_in(Band.HOT, "Ada Lovelace")

    page = inbox(created_from=start, created_to=end)

    assert names(page) == (["Ada Lovelace"] if end == "9999-12-31" else [])


def test_overdue_filter_keeps_leads_past_their_deadline_never_called(in_a, inbox):
    now = timezone.now()
    lead_in(Band.HOT, "Overdue", rank=5, sla_due_at=now - timedelta(minutes=5))
    lead_in(Band.HOT, "Due soon", rank=4, sla_due_at=now + timedelta(minutes=5))
    lead_in(
        Band.HOT,
        "Called late",
        rank=3,
        sla_due_at=now - timedelta(minutes=5),
        first_contacted_at=now - timedelta(minutes=1),
    )
    lead_in(Band.AUTOMATED, "No deadline")

    assert names(inbox(overdue="on")) == ["Overdue"]


def test_filters_combine_with_search_and_order(in_a, inbox, member):
    lead_in(Band.HOT, "Ada Lovelace", assignee=member, company="Analytical")
    lead_in(Band.HOT, "Ada Byron", company="Analytical")
    lead_in(Band.TODAY, "Ada King", assignee=member, company="Analytical")

    page = inbox(band="hot", assignee="me", q="analyt", order="activity")

    assert names(page) == ["Ada Lovelace"]


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"band": "lukewarm"}, "Unknown band."),
        ({"qualification": "maybe"}, "Unknown qualification."),
        ({"assignee": "2000000000"}, "Unknown assignee."),
        ({"assignee": "'; DROP TABLE"}, "Unknown assignee."),
        ({"created_from": "yesterday"}, "Give the start date as YYYY-MM-DD."),
        ({"created_to": "2025-13-45"}, "Give the end date as YYYY-MM-DD."),
        (
            {"created_from": "2025-03-12", "created_to": "2025-03-10"},
            "The end date is before the start date.",
        ),
        ({"order": "random"}, "Unknown order."),
    ],
)
def test_a_bad_filter_value_is_left_out_said_so_and_the_list_still_shows(
    in_a, inbox, params, error
):
    lead_in(Band.HOT, "Ada Lovelace")

    page = inbox(**params)

    assert error in page
    assert names(page) == ["Ada Lovelace"]


def test_the_form_keeps_the_filters_it_was_given(in_a, inbox, member):
    lead_in(Band.HOT, "Ada Lovelace", assignee=member)

    page = inbox(band="hot", assignee="me", overdue="on", created_from="2025-03-10")

    assert '<option value="hot" selected>' in page
    assert '<option value="me" selected>' in page
    assert 'name="overdue" id="id_overdue" checked' in page
    assert 'value="2025-03-10"' in page


# --- Rows ------------------------------------------------------------------------------------


def test_a_row_shows_band_timer_reasons_score_assignee_outcome_and_forms(in_a, inbox, admin):
    form = form_create(name="Contact sales")
    form_publish(form=form)
    now = timezone.now()
    lead = lead_in(
        Band.HOT,
        "Ada Lovelace",
        email="ada@example.com",
        company="Analytical",
        qualification_status=QualificationStatus.SQL,
        timing="quarter",
        score=45,
        assignee=admin,
        outcome="meeting",
        band_since=now - timedelta(hours=2),
        sla_due_at=now - timedelta(hours=1, minutes=5),
    )
    Conversation.objects.create(
        form=form,
        form_version=form.published_version,
        lead=lead,
        status=ConversationStatus.COMPLETED,
    )

    page = inbox()

    assert '<span class="band band-hot" title="Call within the hour">Hot</span>' in page
    assert '<span class="timer timer-overdue">overdue by 1 h 05</span>' in page
    for text in ("ada@example.com", "Analytical", "SQL · urgent (this quarter)", "45 points"):
        assert text in page
    assert '<td class="leads-nowrap">45</td>' in page
    assert admin.email in page
    assert "<td>Meeting booked</td>" in page
    assert "<td>Contact sales</td>" in page
    assert '<span class="lead-status lead-status-completed">Completed</span>' in page
    assert f'data-href="{inbox.url}{lead.pk}/"' in page


def test_a_lead_not_mine_offers_assign_to_me_and_mine_does_not(in_a, inbox, member):
    lead_in(Band.HOT, "Mine", rank=1, assignee=member)
    theirs = lead_in(Band.HOT, "Free")

    page = inbox()

    assert re.findall(r'name="me" value="(\d+)"', page) == [str(theirs.pk)]


def test_the_page_lists_the_keyboard_shortcuts_and_loads_its_script(in_a, inbox):
    lead_in(Band.HOT, "Ada Lovelace")

    page = inbox()

    assert 'id="inbox-help"' in page and "Assign the lead to me" in page
    assert "/static/leads/inbox.js" in page
    assert 'class="inbox-row" tabindex="-1" aria-selected="false"' in page


# --- Cursor pages ----------------------------------------------------------------------------


def fifty_one_acme_leads():
    """Person 00 (first in the queue) to Person 50, and someone the search leaves out."""
    for number in reversed(range(51)):
        lead_in(Band.HOT, f"Person {number:02d}", rank=100 - number, company="Acme")
    lead_in(Band.HOT, "Someone else", rank=500, company="Globex")


def test_fifty_leads_a_page_and_next_keeps_the_filters(in_a, inbox):
    fifty_one_acme_leads()

    first = inbox(q="acme", band="hot")
    params = link(first, "next")
    second = inbox(**params)

    assert names(first) == [f"Person {n:02d}" for n in range(50)]
    assert names(second) == ["Person 50"]
    assert (params["q"], params["band"]) == ("acme", "hot")
    assert 'rel="next"' not in second


def test_a_later_page_links_back_to_the_previous_page_and_to_the_first(in_a, inbox):
    fifty_one_acme_leads()
    second = inbox(**link(inbox(q="acme"), "next"))

    back = inbox(**link(second, "prev"))

    assert names(back) == [f"Person {n:02d}" for n in range(50)]
    assert re.search(r'<a href="\?q=acme">⇤ First page</a>', second)
    assert 'rel="prev"' not in inbox(q="acme")


def test_page_two_repeats_nobody_and_skips_nobody_while_leads_arrive(in_a, inbox, workspace_a):
    fifty_one_acme_leads()
    first = inbox(q="acme")

    # Between the two clicks: three leads above everyone (with page numbers, they would push
    # Persons 47 to 49 onto page 2 a second time), and one among page 2's rows.
    with schema_context(workspace_a.schema_name):
        for number in range(3):
            lead_in(Band.HOT, f"Newcomer {number}", rank=900 + number, company="Acme")
        lead_in(Band.HOT, "Late arrival", rank=100 - 50, company="Acme")
    second = inbox(**link(first, "next"))

    assert not set(names(first)) & set(names(second))
    assert set(names(first)) | set(names(second)) >= {f"Person {n:02d}" for n in range(51)}
    assert names(second) == ["Late arrival", "Person 50"]


@pytest.mark.parametrize("order", ["priority", "activity"])
def test_both_orders_page_through_every_lead_once(in_a, inbox, workspace_a, order):
    now = timezone.now()
    for number in range(120):
        lead_in(
            Band.HOT,
            f"Person {number:03d}",
            rank=number % 7,
            last_activity_at=now - timedelta(minutes=number % 5),
        )

    seen, params = [], {"order": order}
    for _ in range(4):  # three pages, and a bound should a "next" link ever loop
        page = inbox(**params)
        seen += names(page)
        if 'rel="next"' not in page:
            break
        params = link(page, "next")

    assert sorted(seen) == [f"Person {n:03d}" for n in range(120)]
    with schema_context(workspace_a.schema_name):
        keys = ("-priority", "-pk") if order == "priority" else ("-last_activity_at", "-pk")
        assert seen == list(Lead.objects.order_by(*keys).values_list("full_name", flat=True))


@pytest.mark.parametrize(
    "cursor", ["tampered", "eyJhIjoxfQ:1tXyZ:not-a-signature", "x" * 3000, "%00", "[]"]
)
def test_a_tampered_or_malformed_cursor_shows_the_first_page_and_says_so(in_a, inbox, cursor):
    fifty_one_acme_leads()

    page = inbox(cursor=cursor)

    assert "That page link is not valid" in page
    assert names(page)[:2] == ["Someone else", "Person 00"]


def test_an_edited_cursor_is_not_followed(in_a, inbox):
    fifty_one_acme_leads()
    cursor = link(inbox(q="acme"), "next")["cursor"]
    value, signature = cursor.rsplit(":", 1)

    page = inbox(q="acme", cursor=f"{value}A:{signature}")

    assert "That page link is not valid" in page
    assert names(page)[0] == "Person 00"


def test_a_cursor_of_the_other_order_shows_the_first_page(in_a, inbox):
    fifty_one_acme_leads()
    cursor = link(inbox(q="acme"), "next")["cursor"]

    page = inbox(q="acme", order="activity", cursor=cursor)

    assert "That page link is not valid" in page


def test_a_cursor_of_another_workspace_shows_the_first_page(
    in_a, inbox, outsider_client, workspace_b
):
    fifty_one_acme_leads()
    cursor = link(inbox(q="acme"), "next")["cursor"]

    response = outsider_client.get(f"/w/{workspace_b.slug}/leads/", {"q": "acme", "cursor": cursor})

    assert response.status_code == 200
    assert "That page link is not valid" in response.content.decode()


def test_a_page_past_the_last_lead_offers_the_first_page(in_a, inbox, workspace_a):
    fifty_one_acme_leads()
    second = link(inbox(q="acme"), "next")
    with schema_context(workspace_a.schema_name):
        Lead.objects.filter(full_name="Person 50").delete()

    page = inbox(**second)

    assert "No more leads here." in page
    assert "Back to the first page" in page


# --- Query count -----------------------------------------------------------------------------


def leads_with_everything(count: int, form, people) -> None:
    """`count` leads, each assigned, with a conversation of `form`."""
    for number in range(count):
        lead = lead_in(
            Band.HOT,
            f"Person {number}",
            assignee=people[number % len(people)],
            outcome="contacted",
        )
        Conversation.objects.create(form=form, form_version=form.published_version, lead=lead)


def test_a_page_of_fifty_leads_takes_the_queries_of_a_page_of_three(
    in_a, inbox, workspace_a, member_client, member, admin, owner, django_assert_num_queries
):
    form = form_create(name="Contact sales")
    form_publish(form=form)
    other = form_create(name="Pricing")
    form_publish(form=other)
    leads_with_everything(3, form, [member, admin])
    with_three = queries_of(member_client, inbox.url)

    with schema_context(workspace_a.schema_name):
        leads_with_everything(47, other, [member, admin, owner])

    with django_assert_num_queries(with_three):
        page = inbox()
    assert len(names(page)) == 50
    assert owner.email in page and "Pricing" in page


def test_every_page_of_rows_comes_in_one_query(in_a, member, admin, django_assert_num_queries):
    form = form_create(name="Contact sales")
    form_publish(form=form)
    leads_with_everything(7, form, [member, admin])

    def page_after(page, link):
        cursor = cursor_read(getattr(page, link), INBOX_ORDERS["priority"])
        with django_assert_num_queries(1):
            return lead_inbox_page(filters={}, cursor=cursor, size=3)

    with django_assert_num_queries(1):
        first = lead_inbox_page(filters={}, size=3)
    second = page_after(first, "next_cursor")
    third = page_after(second, "next_cursor")
    back = page_after(third, "previous_cursor")

    rows = [*first.rows, *second.rows, *third.rows]
    assert [row.lead.full_name for row in rows] == [f"Person {n}" for n in reversed(range(7))]
    assert [row.lead for row in back.rows] == [row.lead for row in second.rows]
    assert {row.assignee_email for row in rows} == {member.email, admin.email}
    assert all(row.lead.form_names == ["Contact sales"] for row in rows)


def test_the_sql_kept_for_some_filters_never_serves_others(in_a):
    # The inbox compiles a page's SQL once for each set of filters (leads/inbox.py).
    lead_in(Band.HOT, "Ada Lovelace", rank=1, company="Analytical")
    lead_in(Band.TODAY, "Grace Hopper", company="Navy")

    def shown(**filters):
        return [row.lead.full_name for row in lead_inbox_page(filters=filters).rows]

    assert shown(search="Ada") == ["Ada Lovelace"]
    assert shown(search="Navy") == ["Grace Hopper"]
    assert shown(search="Ada") == ["Ada Lovelace"]
    assert shown(band="today") == ["Grace Hopper"]
    assert shown(band="today", search="Ada") == []
    assert shown() == ["Ada Lovelace", "Grace Hopper"]


def test_the_overdue_filter_reads_each_page_at_its_own_time(in_a):
    now = timezone.now()
    lead_in(Band.HOT, "Due in ten minutes", sla_due_at=now + timedelta(minutes=10))

    def overdue_at(moment):
        page = lead_inbox_page(filters={"overdue": True}, now=moment)
        return [row.lead.full_name for row in page.rows]

    assert overdue_at(now) == []
    assert overdue_at(now + timedelta(minutes=11)) == ["Due in ten minutes"]
    assert overdue_at(now) == []


def test_an_assignee_whose_account_is_gone_reads_as_nobody(in_a, inbox):
    # The link to a person has no database constraint (people live in the public schema).
    lead_in(Band.HOT, "Ada Lovelace", assignee_id=2_000_000_000)

    page = lead_inbox_page(filters={})

    assert page.rows[0].assignee_email == ""
    assert "Ada Lovelace" in inbox()
