"""Keyset (cursor) pagination: a page is "the next N rows after this row's key" in an order that
an index gives, rather than "rows 900,000 to 900,050". PostgreSQL then reads N rows from the
index wherever the page is, and a page does not shift when rows arrive above it (page numbers
would show a row twice, or skip one, as soon as a new lead enters page 1).

A cursor is the key of a page's last row (or first, going back) and the workspace whose rows
it was made from, signed so that a link cannot be edited into something else: the inbox and
/api/v1/ hand them out and read them alike, and a cursor read in another workspace is refused
(ForeignCursor) rather than read as a position among that workspace's rows. The signature carries
the time it was made, so that a reader may refuse old cursors (the API does).

    keyset = Keyset("priority", ("priority", "id"))
    page = keyset_page(leads, keyset=keyset, cursor=cursor_read(token, keyset), size=50)
    page.rows, page.next_cursor, page.previous_cursor

keyset_rows() is the query alone (what EXPLAIN should show reading the index). keyset_statement()
compiles a page's query once for any key, for a caller that pages the same query again and again
(the inbox): keyset_page_fetched() pages over its rows.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.db import connection, connections
from django.db.models import BooleanField, Expression, F, Field, Func, QuerySet, Value

AFTER = "after"  # the rows that follow the key: the next page
BEFORE = "before"  # the rows that precede it: the previous page

_SIGNER = signing.TimestampSigner(salt="leads.pagination.cursor")


class InvalidCursor(ValueError):
    """A cursor that was edited, truncated, made for another order, or holds a malformed key."""


class ExpiredCursor(InvalidCursor):
    """A cursor older than the reader accepts."""


class ForeignCursor(InvalidCursor):
    """A cursor made in another workspace than the one reading it."""


@dataclass(frozen=True)
class Keyset:
    """An order for keyset pages: model fields, all descending (highest first, the inbox's) or
    all ascending (oldest first, the API's sync order), the last one unique (the id) so that no
    two rows share a key. The model needs an index on exactly these fields (PostgreSQL scans a
    btree either way) for a page to be an index range scan."""

    name: str
    fields: tuple[str, ...]
    ascending: bool = False

    def order_by(self, *, reverse: bool = False) -> list[str]:
        descending = self.ascending == reverse
        return [f"-{name}" if descending else name for name in self.fields]


@dataclass(frozen=True)
class Cursor:
    direction: str  # AFTER or BEFORE
    key: tuple


@dataclass(frozen=True)
class KeysetPage:
    rows: list
    next_cursor: str | None  # None on the last page
    previous_cursor: str | None  # None on the first page

    @property
    def is_first(self) -> bool:
        return self.previous_cursor is None


class RowComparison(Func):
    """`(a, b) < (x, y)`, PostgreSQL's row comparison. A btree index on (a, b) answers it as an
    index condition, so a deep page starts reading at its key; the equivalent
    `a < x OR (a = x AND b < y)` is only a filter, and PostgreSQL would read (and throw away)
    every row above the key first."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, fields: list[str], operator: str, values: list):
        if operator not in ("<", ">") or len(fields) != len(values):
            raise ValueError("A row comparison needs < or > and as many values as fields.")
        self.operator = operator
        super().__init__(*(F(name) for name in fields), *values)

    def as_sql(self, compiler, connection, **extra):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        half = len(parts) // 2
        columns, values = ", ".join(parts[:half]), ", ".join(parts[half:])
        return f"({columns}) {self.operator} ({values})", params


class KeyPart(Expression):
    """The place of one part of a cursor's key in a statement compiled before the key is known
    (keyset_statement): it compiles to a parameter, itself, that KeysetStatement fills."""

    def __init__(self, index: int, field: Field):
        super().__init__(output_field=field)
        self.index = index

    def as_sql(self, compiler, connection):
        return "%s", [self]


def _key_of(row, keyset: Keyset) -> tuple:
    return tuple(getattr(row, name) for name in keyset.fields)


def _dump(value):
    # JSON has no datetime: an aware datetime travels as its ISO form, tagged.
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _load(value):
    if isinstance(value, dict) and set(value) == {"t"} and isinstance(value["t"], str):
        moment = datetime.fromisoformat(value["t"])
        if moment.tzinfo is None:
            raise ValueError("naive datetime")
        return moment
    # bool is an int to Python, not a key to us; and a key fits a bigint column.
    if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return value
    raise ValueError(f"unexpected key part {value!r}")


def _workspace_schema() -> str:
    # The schema the connection reads now (django-tenants sets it from the request's workspace):
    # the rows a cursor's key was read from, and so the only ones it is a position among.
    return connection.schema_name


def cursor_make(keyset: Keyset, direction: str, key: tuple) -> str:
    """An opaque, signed cursor naming a position in `keyset`'s order, in the current
    workspace."""
    payload = [keyset.name, direction, [_dump(value) for value in key], _workspace_schema()]
    return _SIGNER.sign_object(payload, compress=True)


def cursor_read(
    token: str | None, keyset: Keyset, *, max_age: timedelta | None = None
) -> Cursor | None:
    """The cursor in a link, None when there is none; InvalidCursor when it was tampered with,
    made for another order, or is malformed; ExpiredCursor when made more than `max_age` ago;
    ForeignCursor when made in another workspace."""
    if not token:
        return None
    try:
        name, direction, key, schema = _SIGNER.unsign_object(token, max_age=max_age)
        if schema != _workspace_schema():
            raise ForeignCursor("This page link was made in another workspace.")
        if name != keyset.name or direction not in (AFTER, BEFORE):
            raise ValueError("another order")
        if not isinstance(key, list) or len(key) != len(keyset.fields):
            raise ValueError("wrong key length")
        return Cursor(direction, tuple(_load(value) for value in key))
    except signing.SignatureExpired as error:
        raise ExpiredCursor("This page link has expired.") from error
    except ForeignCursor:
        raise
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise InvalidCursor("This page link is not valid.") from error


def keyset_rows(queryset: QuerySet, *, keyset: Keyset, cursor: Cursor | None) -> QuerySet:
    """`queryset` from the cursor on, in reading order: the keyset's order, or the reverse of
    it before a BEFORE cursor (the same index, scanned backwards). Slice it for a page."""
    if cursor is None:
        return queryset.order_by(*keyset.order_by())
    values = [
        value
        if isinstance(value, KeyPart)
        else Value(value, output_field=queryset.model._meta.get_field(name))
        for name, value in zip(keyset.fields, cursor.key, strict=True)
    ]
    # The next page lies below the key in a descending order, above it in an ascending one.
    operator = "<" if (cursor.direction == AFTER) != keyset.ascending else ">"
    rows = queryset.filter(RowComparison(list(keyset.fields), operator, values))
    return rows.order_by(*keyset.order_by(reverse=cursor.direction == BEFORE))


def keyset_page(
    queryset: QuerySet, *, keyset: Keyset, cursor: Cursor | None, size: int
) -> KeysetPage:
    """One page of `queryset` in `keyset`'s order: the first page without a cursor, else the
    `size` rows after (or before) the cursor's key. One query (two when a "previous" link leads
    back to the top of the list, which then shows a full first page)."""
    return keyset_page_fetched(
        # One row more than the page tells whether another page follows.
        lambda cursor: list(keyset_rows(queryset, keyset=keyset, cursor=cursor)[: size + 1]),
        keyset=keyset,
        cursor=cursor,
        size=size,
    )


def keyset_page_fetched(
    fetch: Callable[[Cursor | None], list], *, keyset: Keyset, cursor: Cursor | None, size: int
) -> KeysetPage:
    """keyset_page over `fetch(cursor)`: at most `size + 1` rows from the cursor on (the first
    ones without a cursor), in reading order, as keyset_rows gives them. A row is anything with
    the keyset's fields as attributes."""
    rows = fetch(cursor)
    if cursor is None or cursor.direction == AFTER:
        return _page(rows, keyset, size, has_previous=cursor is not None)
    if len(rows) <= size:
        # Back at the top: show the first page whole (rows may have arrived above).
        return keyset_page_fetched(fetch, keyset=keyset, cursor=None, size=size)
    rows = rows[:size][::-1]
    return KeysetPage(
        rows=rows,
        next_cursor=cursor_make(keyset, AFTER, _key_of(rows[-1], keyset)),
        previous_cursor=cursor_make(keyset, BEFORE, _key_of(rows[0], keyset)),
    )


def _page(rows: list, keyset: Keyset, size: int, *, has_previous: bool) -> KeysetPage:
    has_next = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        rows=rows,
        next_cursor=cursor_make(keyset, AFTER, _key_of(rows[-1], keyset)) if has_next else None,
        previous_cursor=(
            cursor_make(keyset, BEFORE, _key_of(rows[0], keyset)) if has_previous and rows else None
        ),
    )


@dataclass(frozen=True)
class KeysetStatement:
    """A page's query compiled once, for the first page (no key) or for the rows after (or
    before) any key: building and compiling a query with the ORM costs more than a page's
    reading on the index, so a caller that pages the same query keeps this instead."""

    sql: str
    params: tuple  # KeyPart where the key goes
    key_fields: tuple[Field, ...]
    using: str

    def params_for(self, key: tuple) -> list:
        connection = connections[self.using]
        # Each part prepared as keyset_rows' Value would prepare it.
        values = [
            field.get_db_prep_value(value, connection)
            for field, value in zip(self.key_fields, key, strict=True)
        ]
        return [
            values[param.index] if isinstance(param, KeyPart) else param for param in self.params
        ]

    def rows(self, key: tuple = ()) -> list[tuple]:
        """The page's rows, as tuples of the queryset's values_list, in reading order."""
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql, self.params_for(key))
            return cursor.fetchall()


def keyset_statement(
    queryset: QuerySet, *, keyset: Keyset, direction: str | None, limit: int
) -> KeysetStatement:
    """keyset_rows(queryset)[:limit] compiled once for any cursor going `direction` (None: the
    first rows). `queryset` is a values_list() whose columns come as the database sends them:
    one that Django converts on reading (a JSON column, say) is refused, as the statement's rows
    skip the ORM."""
    fields, cursor = (), None
    if direction is not None:
        fields = tuple(queryset.model._meta.get_field(name) for name in keyset.fields)
        cursor = Cursor(direction, tuple(KeyPart(i, field) for i, field in enumerate(fields)))
    query = keyset_rows(queryset, keyset=keyset, cursor=cursor)[:limit].query
    compiler = query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    if compiler.get_converters([column for column, _, _ in compiler.select]):
        raise ValueError("A keyset statement cannot read columns that Django converts.")
    return KeysetStatement(sql, tuple(params), fields, queryset.db)
