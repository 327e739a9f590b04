"""The sales inbox's reads (leads/views.py lead_list): a page of lead_list's leads from a cursor,
each row with what the inbox shows of it, in one query whatever the page holds.

The inbox pages through a million leads about as fast as the bare keyset query on the call
queue's index (bench/inbox.py), because the Python around the query costs little: the ORM's
building and compiling of the query and its making of Lead instances took longer than the
database's reading of the page. So a page's SQL is compiled once per filters, order, direction
and size, then run with each cursor's key, and a row holds the columns it shows rather than a
Lead. lead_list stays the one definition of which leads are listed, and in which order.
"""

import functools
from datetime import datetime
from typing import NamedTuple

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from leads.models import Band, ConversationStatus, Outcome
from leads.pagination import Cursor, KeysetStatement, keyset_page_fetched, keyset_statement
from leads.prioritization import lead_priority_reasons
from leads.selectors import LEAD_LIST_ORDERS, lead_list
from leads.sla import LeadTimer, lead_timer
from tenants.models import User

# The orders the inbox offers (leads/forms.py): an InboxLead holds their keys.
INBOX_ORDERS = {name: LEAD_LIST_ORDERS[name] for name in ("priority", "activity")}

_STATUS_LABELS = dict(ConversationStatus.choices)
_BAND_LABELS = dict(Band.choices)
_OUTCOME_LABELS = dict(Outcome.choices)


class InboxLead(NamedTuple):
    """A lead as its inbox row reads it: the columns of its cells, of its timer (leads/sla.py),
    of its reasons (leads/prioritization.py) and of the orders' keys, then what lead_list and
    the inbox annotate. The rest (the qualification's detail above all, kilobytes of JSON with
    the visitor's quotes) stays in the database."""

    id: int
    full_name: str
    email: str
    company: str
    band: str
    band_since: datetime
    sla_due_at: datetime | None
    first_contacted_at: datetime | None
    last_activity_at: datetime
    priority: int
    score: int
    qualification_status: str
    disqualification: str
    timing: str
    budget_status: str
    authority: str
    need: str
    assignee_id: int | None
    outcome: str
    latest_status: str | None  # of its latest conversation, None without any
    form_names: list[str]  # of every form it talked to
    assignee_email: str | None  # None when unassigned, or the person is gone

    @property
    def pk(self) -> int:
        return self.id

    @property
    def band_label(self) -> str:
        return _BAND_LABELS.get(self.band, self.band)

    @property
    def outcome_label(self) -> str:
        return _OUTCOME_LABELS.get(self.outcome, self.outcome)


class InboxRow(NamedTuple):
    """A lead as its inbox row shows it."""

    lead: InboxLead
    timer: LeadTimer
    reasons: list[str]  # "why is this lead here?"
    status_label: str  # of its latest conversation
    assignee_email: str  # "" when unassigned


class InboxPage(NamedTuple):
    rows: list[InboxRow]
    next_cursor: str | None
    previous_cursor: str | None


def lead_inbox_page(
    *,
    filters: dict,
    order: str = "priority",
    cursor: Cursor | None = None,
    size: int = 50,
    now: datetime | None = None,
) -> InboxPage:
    """One page of the sales inbox: lead_list's leads (`filters` are its arguments) from
    `cursor` on, the first page without one, each with its speed-to-lead timer, its reasons
    and its assignee's e-mail. One query whatever the page holds (bench/inbox.py times it
    against the bare keyset query)."""
    now = now or timezone.now()

    def fetch(cursor: Cursor | None) -> list[InboxLead]:
        statement = lead_inbox_statement(
            filters=filters,
            order=order,
            direction=cursor.direction if cursor else None,
            size=size,
            now=now,
        )
        return list(map(InboxLead._make, statement.rows(cursor.key if cursor else ())))

    page = keyset_page_fetched(fetch, keyset=INBOX_ORDERS[order], cursor=cursor, size=size)
    rows = [
        InboxRow(
            lead,
            lead_timer(lead, now=now),
            lead_priority_reasons(lead),
            _STATUS_LABELS.get(lead.latest_status, ""),
            lead.assignee_email or "",
        )
        for lead in page.rows
    ]
    return InboxPage(rows, page.next_cursor, page.previous_cursor)


def lead_inbox_statement(
    *,
    filters: dict,
    order: str = "priority",
    direction: str | None = None,
    size: int = 50,
    now: datetime | None = None,
) -> KeysetStatement:
    """The SQL of the inbox's pages of `size` rows with these filters, in this order, going
    `direction` from a cursor (None: the first page), each row an InboxLead's values. Compiled
    once and kept, but with the overdue filter, whose SQL holds `now`."""
    if filters.get("overdue"):
        return _statement_compile(tuple(filters.items()), order, direction, size, now)
    return _statement_kept(tuple(sorted(filters.items())), order, direction, size)


# A statement is a few kilobytes; the inbox's views need few of them: the first page and the
# next ones of the filters in use.
@functools.lru_cache(maxsize=256)
def _statement_kept(
    filters: tuple, order: str, direction: str | None, size: int
) -> KeysetStatement:
    return _statement_compile(filters, order, direction, size, now=None)


def _statement_compile(
    filters: tuple, order: str, direction: str | None, size: int, now: datetime | None
) -> KeysetStatement:
    leads = (
        lead_list(**dict(filters), order=order, now=now)
        .annotate(
            # People live in the public schema, which is on every workspace's search path: the
            # row reads its assignee's address there rather than in a query of its own. (The
            # link has no constraint, so a person since deleted reads as nobody.)
            assignee_email=Subquery(
                User.objects.filter(pk=OuterRef("assignee_id")).values("email")[:1]
            )
        )
        .values_list(*InboxLead._fields)
    )
    return keyset_statement(leads, keyset=INBOX_ORDERS[order], direction=direction, limit=size + 1)
