"""The conversation token's uniqueness becomes a named constraint, and the LIKE index Django adds
beside a unique CharField goes: tokens are only ever matched exactly, and every turn's write kept
that index up to date. The existing unique index is renamed rather than rebuilt, so no table is
locked while a workspace's conversations are indexed again."""

from django.db import migrations, models

import leads.models


def _token_indexes(schema_editor) -> tuple[str | None, str | None]:
    """The names of the token's unique constraint and LIKE index in the current schema."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "leads_conversation")
    unique = like = None
    for name, constraint in constraints.items():
        if constraint["columns"] != ["token"]:
            continue
        if constraint["unique"]:
            unique = name
        elif constraint["index"] and name.endswith("_like"):
            like = name
    return unique, like


def token_constraint_named(apps, schema_editor):
    unique, like = _token_indexes(schema_editor)
    quote = schema_editor.quote_name
    if like:
        schema_editor.execute(f"DROP INDEX {quote(like)}")
    if unique and unique != "conversation_token_unique":
        schema_editor.execute(
            f"ALTER TABLE leads_conversation RENAME CONSTRAINT {quote(unique)} "
            "TO conversation_token_unique"
        )


def token_like_index_back(apps, schema_editor):
    # Whatever the unique constraint is named, Django finds a unique field's by introspection.
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS leads_conversation_token_3ad9ca09_like "
        "ON leads_conversation (token varchar_pattern_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0013_rescore_run_change"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="conversation",
                    name="token",
                    field=models.CharField(
                        default=leads.models.new_conversation_token, max_length=40
                    ),
                ),
                migrations.AddConstraint(
                    model_name="conversation",
                    constraint=models.UniqueConstraint(
                        fields=("token",), name="conversation_token_unique"
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(token_constraint_named, token_like_index_back),
            ],
        ),
    ]
