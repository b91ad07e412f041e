"""Entry.portal_visible: the public() rule stored and indexed (ADR 0011).

The column is added with ALTER TABLE, not Django's AddField: on SQLite, AddField of a NOT NULL
column rebuilds the table, which would drop the full-text triggers of migration 0002. The
indexes, partial (only visible entries), serve the portal's pages: newest first, and newest
first within a country; a bare boolean condition can use them where a full index could not.
"""

# SQL assembled from constants only.
# ruff: noqa: S608

from django.db import migrations, models

IMPERSONAL = "('general_situation', 'preemptive_statement')"
BACKFILL = f"""
UPDATE cases_entry SET portal_visible = (published AND (kind IN {IMPERSONAL} OR EXISTS (
    SELECT 1 FROM cases_consent c WHERE c.entry_id = cases_entry.id
    AND c.purpose = 'publish_in_portal' AND c.withdrawn_on IS NULL)))
"""
SQLITE = [
    "ALTER TABLE cases_entry ADD COLUMN portal_visible bool NOT NULL DEFAULT 0",
    BACKFILL,
    "CREATE INDEX cases_entry_portal_newest ON cases_entry (year, id) WHERE portal_visible",
    "CREATE INDEX cases_entry_portal_country ON cases_entry (country, year, id) "
    "WHERE portal_visible",
]
POSTGRESQL = [
    "ALTER TABLE cases_entry ADD COLUMN portal_visible boolean NOT NULL DEFAULT false",
    BACKFILL,
    "CREATE INDEX cases_entry_portal_newest ON cases_entry "
    "(year DESC NULLS LAST, id DESC) WHERE portal_visible",
    "CREATE INDEX cases_entry_portal_country ON cases_entry "
    "(country, year DESC NULLS LAST, id DESC) WHERE portal_visible",
]
BACKWARD = [
    "DROP INDEX IF EXISTS cases_entry_portal_newest",
    "DROP INDEX IF EXISTS cases_entry_portal_country",
    "ALTER TABLE cases_entry DROP COLUMN portal_visible",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in SQLITE if vendor == "sqlite" else POSTGRESQL:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    for sql in BACKWARD:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_full_text_search")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="entry",
                    name="portal_visible",
                    field=models.BooleanField(
                        db_default=False,
                        default=False,
                        editable=False,
                        verbose_name="shown in the portal",
                    ),
                )
            ],
            database_operations=[migrations.RunPython(forward, backward)],
        )
    ]
