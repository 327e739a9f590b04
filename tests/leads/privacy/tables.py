"""Looking at a whole schema with SQL, whatever tables it has: so that a table added later, by
any app, is searched without anyone updating these tests."""

from django.db import connection
from psycopg import sql

# Columns that can hold what a person typed or what was said about them.
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb")


def _columns(schema: str, data_types=TEXT_TYPES, name: str | None = None) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t "
            "  ON t.table_schema = c.table_schema AND t.table_name = c.table_name "
            "WHERE c.table_schema = %s AND t.table_type = 'BASE TABLE' "
            "  AND (%s OR c.data_type = ANY(%s)) AND (%s::text IS NULL OR c.column_name = %s) "
            "ORDER BY 1, 2",
            [schema, data_types is None, list(data_types or ()), name, name],
        )
        return cursor.fetchall()


def text_hits(schema: str, needle: str) -> dict[str, int]:
    """{"table.column": rows} of every text or JSON column of the schema holding `needle`
    (case-insensitive)."""
    hits = {}
    with connection.cursor() as cursor:
        for table, column in _columns(schema):
            query = sql.SQL("SELECT count(*) FROM {}.{} WHERE {}::text ILIKE %s").format(
                sql.Identifier(schema), sql.Identifier(table), sql.Identifier(column)
            )
            cursor.execute(query, [f"%{needle}%"])
            if count := cursor.fetchone()[0]:
                hits[f"{table}.{column}"] = count
    return hits


def lead_id_hits(schema: str, lead_id: int) -> dict[str, int]:
    """{"table": rows} of every table of the schema with a `lead_id` column naming the lead."""
    hits = {}
    with connection.cursor() as cursor:
        for table, column in _columns(schema, data_types=None, name="lead_id"):
            query = sql.SQL("SELECT count(*) FROM {}.{} WHERE {} = %s").format(
                sql.Identifier(schema), sql.Identifier(table), sql.Identifier(column)
            )
            cursor.execute(query, [lead_id])
            if count := cursor.fetchone()[0]:
                hits[table] = count
    return hits


def schema_rows(schema: str) -> dict[str, list[tuple]]:
    """Every row of every table of the schema, in a stable order: a snapshot to compare."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY 1",
            [schema],
        )
        tables = [row[0] for row in cursor.fetchall()]
        rows = {}
        for table in tables:
            query = sql.SQL("SELECT * FROM {}.{} ORDER BY 1")
            cursor.execute(query.format(sql.Identifier(schema), sql.Identifier(table)))
            rows[table] = cursor.fetchall()
        return rows
