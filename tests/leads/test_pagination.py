"""Keyset pages (leads/pagination.py): a cursor names the last row seen, so a page neither
repeats nor skips a row when leads arrive meanwhile; a cursor cannot be edited into another one;
a page reads from the order's index wherever it is; a page's query compiled once reads the pages
the query itself reads."""

from collections import namedtuple
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from leads.models import Lead
from leads.pagination import (
    _SIGNER,
    AFTER,
    BEFORE,
    ExpiredCursor,
    ForeignCursor,
    InvalidCursor,
    Keyset,
    cursor_make,
    cursor_read,
    keyset_page,
    keyset_page_fetched,
    keyset_rows,
    keyset_statement,
)
from leads.selectors import LEAD_LIST_ORDERS
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

BY_PRIORITY = LEAD_LIST_ORDERS["priority"]
BY_ACTIVITY = LEAD_LIST_ORDERS["activity"]


@pytest.fixture(autouse=True)
def in_a(workspace_a):
    with schema_context(workspace_a.schema_name):
        yield


def leads_with_priorities(*priorities):
    return [LeadFactory(priority=priority) for priority in priorities]


def page_of(cursor_token, keyset=BY_PRIORITY, size=3):
    return keyset_page(
        Lead.objects.all(), keyset=keyset, cursor=cursor_read(cursor_token, keyset), size=size
    )


def ids(page):
    return [lead.pk for lead in page.rows]


def walk(keyset=BY_PRIORITY, size=3):
    """Every page from the first, following "next"."""
    pages, token = [], None
    while True:
        page = page_of(token, keyset, size)
        pages.append(ids(page))
        token = page.next_cursor
        if token is None:
            return pages


def test_following_next_reads_every_lead_once_in_call_order_ties_newest_first():
    leads = leads_with_priorities(5, 9, 5, 5, 1, 9, 5)
    expected = [
        lead.pk for lead in sorted(leads, key=lambda lead: (lead.priority, lead.pk), reverse=True)
    ]

    pages = walk(size=3)

    assert pages == [expected[0:3], expected[3:6], expected[6:7]]


def test_the_first_page_has_no_previous_link_and_the_last_no_next_link():
    leads_with_priorities(3, 2, 1)

    only = page_of(None, size=3)

    assert (only.previous_cursor, only.next_cursor) == (None, None)
    assert only.is_first


def test_page_two_repeats_nothing_and_skips_nothing_while_leads_arrive():
    existing = leads_with_priorities(*range(100, 160))  # 60 leads, one page and a bit
    first = page_of(None, size=50)

    # Given leads arriving between the two clicks: above everything (they would push page 1's
    # last rows onto page 2 with page numbers), among page 2's rows, and below everything.
    arrived = leads_with_priorities(500, 501, 105, 106, 1)
    second = page_of(first.next_cursor, size=50)

    assert not set(ids(first)) & set(ids(second))
    assert {lead.pk for lead in existing} <= set(ids(first)) | set(ids(second))
    # The newcomers below the cursor are on page 2, in their place; those above are not.
    assert {arrived[2].pk, arrived[3].pk, arrived[4].pk} <= set(ids(second))
    assert arrived[0].pk not in ids(second) and arrived[1].pk not in ids(second)
    priorities = [lead.priority for lead in second.rows]
    assert priorities == sorted(priorities, reverse=True)


def test_previous_goes_back_to_the_page_before():
    leads_with_priorities(*range(10))
    first = page_of(None)
    second = page_of(first.next_cursor)
    third = page_of(second.next_cursor)

    back = page_of(third.previous_cursor)

    assert ids(back) == ids(second)
    assert back.previous_cursor is not None and back.next_cursor is not None


def test_previous_with_fewer_leads_left_above_shows_the_whole_first_page():
    leads = leads_with_priorities(*range(10))
    first = page_of(None)
    second = page_of(first.next_cursor)
    leads[9].delete()  # one lead of page 1 is gone: two rows are left above page 2

    back = page_of(second.previous_cursor)

    assert [lead.priority for lead in back.rows] == [8, 7, 6]
    assert back.previous_cursor is None


def test_activity_order_pages_on_the_latest_activity_then_the_id():
    now = timezone.now()
    leads = [LeadFactory(last_activity_at=now - timedelta(minutes=n % 3)) for n in range(7)]
    expected = [
        lead.pk
        for lead in sorted(leads, key=lambda lead: (lead.last_activity_at, lead.pk), reverse=True)
    ]

    assert [pk for page in walk(BY_ACTIVITY) for pk in page] == expected


def test_a_cursor_reads_back_as_the_key_it_was_made_from():
    moment = timezone.now()

    cursor = cursor_read(cursor_make(BY_ACTIVITY, BEFORE, (moment, 42)), BY_ACTIVITY)

    assert (cursor.direction, cursor.key) == (BEFORE, (moment, 42))


@pytest.mark.parametrize("token", ["garbage", "a" * 500, "W3sicHJpb3JpdHkiXQ:1abc:deadbeef"])
def test_a_malformed_cursor_is_refused(token):
    with pytest.raises(InvalidCursor):
        cursor_read(token, BY_PRIORITY)


@pytest.mark.parametrize("token", [None, ""])
def test_no_cursor_means_the_first_page(token):
    assert cursor_read(token, BY_PRIORITY) is None


def test_an_edited_cursor_is_refused():
    token = cursor_make(BY_PRIORITY, AFTER, (30_000_000, 12))
    value, signature = token.rsplit(":", 1)

    with pytest.raises(InvalidCursor):
        cursor_read(f"{value}x:{signature}", BY_PRIORITY)
    with pytest.raises(InvalidCursor):
        cursor_read(f"{value}:{signature[:-2]}", BY_PRIORITY)


def signer_clock_at(moment):
    """The cursor's signer reads the clock through time.time()."""
    return mock.patch("django.core.signing.time.time", return_value=moment.timestamp())


def test_a_cursor_older_than_the_reader_accepts_is_refused_as_expired():
    token = cursor_make(BY_PRIORITY, AFTER, (30_000_000, 12))
    later = timezone.now() + timedelta(hours=25)

    assert cursor_read(token, BY_PRIORITY, max_age=timedelta(hours=24)) is not None
    with pytest.raises(ExpiredCursor), signer_clock_at(later):
        cursor_read(token, BY_PRIORITY, max_age=timedelta(hours=24))


def test_an_ascending_keyset_pages_oldest_first_without_repeat_or_gap():
    oldest_first = Keyset("updated", ("updated_at", "id"), ascending=True)
    start = timezone.now() - timedelta(days=1)
    leads = [LeadFactory() for _ in range(5)]
    for offset, lead in enumerate(leads):
        Lead.objects.filter(pk=lead.pk).update(updated_at=start + timedelta(minutes=offset))

    first = keyset_page(Lead.objects.all(), keyset=oldest_first, cursor=None, size=2)
    cursor = cursor_read(first.next_cursor, oldest_first)
    second = keyset_page(Lead.objects.all(), keyset=oldest_first, cursor=cursor, size=2)
    third = keyset_page(
        Lead.objects.all(),
        keyset=oldest_first,
        cursor=cursor_read(second.next_cursor, oldest_first),
        size=2,
    )
    back = keyset_page(
        Lead.objects.all(),
        keyset=oldest_first,
        cursor=cursor_read(third.previous_cursor, oldest_first),
        size=2,
    )

    seen = [lead.pk for page in (first, second, third) for lead in page.rows]
    assert seen == [lead.pk for lead in leads]
    assert third.next_cursor is None
    assert [lead.pk for lead in back.rows] == [lead.pk for lead in leads[2:4]]


def test_a_cursor_made_in_one_workspace_is_refused_in_another(workspace_b):
    token = cursor_make(BY_PRIORITY, AFTER, (30_000_000, 12))

    with schema_context(workspace_b.schema_name), pytest.raises(ForeignCursor):
        cursor_read(token, BY_PRIORITY)


def test_a_cursor_of_the_other_order_is_refused():
    token = cursor_make(BY_PRIORITY, AFTER, (30_000_000, 12))

    with pytest.raises(InvalidCursor):
        cursor_read(token, BY_ACTIVITY)


@pytest.mark.parametrize(
    "payload",
    [
        ["priority", "sideways", [1, 2]],
        ["priority", AFTER, [1]],
        ["priority", AFTER, [1, "2"]],
        ["priority", AFTER, [True, 2]],
        ["priority", AFTER, [10**30, 2]],
        ["priority", AFTER, "12"],
        ["activity", AFTER, [{"t": "2025-01-01T00:00:00"}, 2]],  # no time zone
        ["activity", AFTER, [{"t": "yesterday"}, 2]],
        {"not": "a list"},
    ],
)
def test_a_signed_cursor_with_a_malformed_key_is_refused(payload):
    """A key that the signature vouches for is still checked: the secret may be shared with
    another part of the code one day, and a bad key must never reach the database as a 500."""
    keyset = BY_ACTIVITY if isinstance(payload, list) and payload[0] == "activity" else BY_PRIORITY

    if isinstance(payload, list):  # made in this workspace: refused for its key alone
        payload = [*payload, connection.schema_name]

    with pytest.raises(InvalidCursor):
        cursor_read(_SIGNER.sign_object(payload, compress=True), keyset)


@pytest.mark.parametrize("direction", [AFTER, BEFORE])
def test_a_deep_page_starts_reading_at_its_key_in_the_call_queue_index(direction):
    """The row comparison is an index condition, not a filter over every row above the key.
    (Sequential and bitmap scans are turned off: on a test's few rows, the planner would rightly
    read the table instead, which would prove nothing either way.)"""
    leads_with_priorities(*range(20))
    cursor = cursor_read(cursor_make(BY_PRIORITY, direction, (10, 10**9)), BY_PRIORITY)
    with connection.cursor() as db:
        db.execute("SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off")

    plan = keyset_rows(Lead.objects.all(), keyset=BY_PRIORITY, cursor=cursor)[:50].explain()

    operator = "<" if direction == AFTER else ">"
    assert "lead_call_queue" in plan
    assert f"Index Cond: (ROW(priority, id) {operator} ROW(" in plan
    assert "Sort" not in plan


# --- A page's query compiled once ----------------------------------------------------------------


def statement_pager(keyset, size=3):
    """`page_of(token)` read as the inbox reads its pages: through statements compiled once, one
    per direction, each run with the cursor's key."""
    leads = Lead.objects.values_list(*keyset.fields)
    statements = {
        direction: keyset_statement(leads, keyset=keyset, direction=direction, limit=size + 1)
        for direction in (None, AFTER, BEFORE)
    }
    row = namedtuple("Row", keyset.fields)

    def fetch(cursor):
        statement = statements[cursor.direction if cursor else None]
        return [row._make(values) for values in statement.rows(cursor.key if cursor else ())]

    def page_of(token):
        return keyset_page_fetched(
            fetch, keyset=keyset, cursor=cursor_read(token, keyset), size=size
        )

    return page_of


@pytest.mark.parametrize("keyset", [BY_PRIORITY, BY_ACTIVITY], ids=lambda keyset: keyset.name)
def test_statements_compiled_once_read_the_pages_the_query_reads_both_ways(keyset):
    now = timezone.now()
    for number in range(8):
        LeadFactory(priority=number % 3, last_activity_at=now - timedelta(minutes=number % 3))
    statement_page = statement_pager(keyset)

    def same_page(token):
        page, expected = statement_page(token), page_of(token, keyset)
        assert [row.id for row in page.rows] == ids(expected)
        for link in ("next_cursor", "previous_cursor"):
            mine, theirs = getattr(page, link), getattr(expected, link)
            assert cursor_read(mine, keyset) == cursor_read(theirs, keyset), link
        return page

    pages, token = [], None
    for _ in range(4):  # 8 rows make three pages; a bound should "next" ever loop
        pages.append(same_page(token))
        if pages[-1].previous_cursor:
            same_page(pages[-1].previous_cursor)
        token = pages[-1].next_cursor
        if token is None:
            break

    assert [[row.id for row in page.rows] for page in pages] == walk(keyset)
    assert len(pages) == 3


def test_a_statement_refuses_a_column_django_converts_on_reading():
    # Its rows skip the ORM: a JSON column would come as the database's text.
    leads = Lead.objects.values_list("priority", "id", "qualification_detail")

    with pytest.raises(ValueError, match="converts"):
        keyset_statement(leads, keyset=BY_PRIORITY, direction=AFTER, limit=4)
