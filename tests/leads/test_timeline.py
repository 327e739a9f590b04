"""A lead's timeline (leads/timeline.py): one list, newest first, of its conversations, page
views and e-mail events, qualification, corrections, outcomes, assignments and alerts; at most
fifty entries, saying how many earlier ones are left out, in the same few queries whatever the
lead holds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from leads.models import EventKind, LeadActivity, LeadCorrection, LeadEvent, LeadOutcome
from leads.selectors import lead_get
from leads.services.leads import lead_correct
from leads.services.sales import lead_assign, lead_outcome_record
from leads.timeline import TIMELINE_MAX, lead_timeline
from tests.factories import LeadFactory
from tests.leads.conversations import LEAD_A, LEAD_B

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_a(workspace_a):
    with schema_context(workspace_a.schema_name):
        yield


def event(lead, kind, minutes, url=""):
    return LeadEvent.objects.create(
        lead=lead, kind=kind, url=url, occurred_at=timezone.now() + timedelta(minutes=minutes)
    )


def at(rows, minutes):
    """Move rows (corrections, outcomes, activities just made) to now + `minutes`."""
    for row in rows:
        type(row).objects.filter(pk=row.pk).update(
            created_at=timezone.now() + timedelta(minutes=minutes)
        )


def every_kind(lead, admin, member, *, copies=1):
    """`copies` of each kind of entry, each kind later than the one before."""
    for n in range(copies):
        event(lead, EventKind.PAGE_VIEW, 10 + n / 100, f"https://acme.example/pricing?{n}")
        event(lead, EventKind.EMAIL_OPEN, 20 + n / 100)
        event(lead, EventKind.EMAIL_CLICK, 30 + n / 100, "https://acme.example/demo")
        corrected = lead_correct(
            lead=lead,
            values={"authority": "decision_maker" if n % 2 == 0 else "influencer"},
            corrected_by=admin,
        )
        at(corrected, 40 + n / 100)
        assignee = member if n % 2 == 0 else admin
        lead_assign(lead=lead, assignee=assignee, by=admin)
        at([LeadActivity.objects.filter(lead=lead).latest("pk")], 50 + n / 100)
        at(
            [
                lead_outcome_record(
                    lead=lead, kind="won", by=member, amount=Decimal("6000"), currency="eur"
                )
            ],
            60 + n / 100,
        )


def test_every_kind_of_entry_in_one_list_newest_first(pipeline, in_a, admin, member):
    lead = pipeline(LEAD_B)
    read_by_the_engine = lead.authority or "unknown"
    every_kind(lead, admin, member)

    timeline = lead_timeline(lead=lead_get(lead_id=lead.pk))

    assert [(e.title, e.detail, e.by) for e in timeline.entries] == [
        ("Won", "6,000 EUR", member.email),
        (f"Assigned to {member.email}", "", admin.email),
        ("Authority corrected", f"{read_by_the_engine} → decision_maker", admin.email),
        ("Clicked a link in an e-mail", "https://acme.example/demo", ""),
        ("Opened an e-mail", "", ""),
        ("Viewed a page", "https://acme.example/pricing?0", ""),
        # The hot-lead alert left once the qualification was committed, after it.
        ("Hot lead alert sent", LeadActivity.objects.get(kind="hot_alert").detail, ""),
        ("SQL", "by the offline engine (version 2)", ""),
        ("Completed the conversation on Qualification", "", ""),
        ("Started a conversation on Qualification", "", ""),
    ]
    assert timeline.earlier == []


def test_an_abandoned_conversation_and_a_lost_deal_read_as_such(pipeline, in_a, member):
    lead = pipeline(LEAD_A[:5], finish=False)
    lead_outcome_record(
        lead=lead, kind="lost", by=member, lost_reason="timing", note="Call back in spring"
    )

    entries = lead_timeline(lead=lead_get(lead_id=lead.pk)).entries

    assert (entries[0].title, entries[0].detail) == (
        "Lost",
        "Not the right time · Call back in spring",
    )
    titles = [e.title for e in entries]
    assert "Left the conversation on Qualification unfinished" in titles


def test_thousands_of_page_views_show_the_latest_and_count_the_rest(pipeline, in_a):
    lead = pipeline(LEAD_B)
    LeadEvent.objects.bulk_create(
        LeadEvent(
            lead=lead,
            kind=EventKind.PAGE_VIEW,
            url=f"https://acme.example/{n}",
            occurred_at=timezone.now() + timedelta(seconds=n),
        )
        for n in range(2000)
    )

    timeline = lead_timeline(lead=lead_get(lead_id=lead.pk))

    assert len(timeline.entries) == TIMELINE_MAX
    assert timeline.entries[0].detail == "https://acme.example/1999"
    assert timeline.entries[-1].detail == f"https://acme.example/{2000 - TIMELINE_MAX}"
    # Left out: the older page views, and the conversation, qualification and alert.
    assert timeline.earlier == [
        "1,950 page views",
        "1 assignment or alert",
        "2 conversation events",
        "1 qualification",
    ]


def test_a_lead_with_nothing_has_an_empty_timeline(in_a):
    lead = LeadFactory()

    assert lead_timeline(lead=lead_get(lead_id=lead.pk)).entries == []


def queries_of_timeline(lead_id) -> int:
    with CaptureQueriesContext(connection) as captured:
        lead_timeline(lead=lead_get(lead_id=lead_id))
    return len(captured)


def test_the_timeline_takes_the_same_queries_for_one_or_many_of_each(
    pipeline, in_a, admin, member, django_assert_num_queries
):
    one = pipeline(LEAD_B)
    every_kind(one, admin, member)
    with_one = queries_of_timeline(one.pk)

    many = pipeline(LEAD_A)
    pipeline(LEAD_A)  # a second conversation
    every_kind(many, admin, member, copies=30)
    # (The first correction of A is no change: A already is a decision maker.)
    assert LeadCorrection.objects.filter(lead=many).count() == 29
    assert LeadOutcome.objects.filter(lead=many).count() == 30

    # The lead with its prefetches (lead, conversations, messages, corrections), then the
    # latest events, outcomes and activities, and one query counting what is left out.
    assert with_one == 4 + 4
    with django_assert_num_queries(with_one):
        timeline = lead_timeline(lead=lead_get(lead_id=many.pk))
    assert len(timeline.entries) == TIMELINE_MAX
    assert timeline.earlier
