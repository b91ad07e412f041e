"""PostgreSQL: the full-text document stored in a generated column, indexed, instead of an
expression index.

With the expression index of 0002 the planner often read the whole table and computed
to_tsvector for every row, for every query of a search page: about 40 ms a query for 1,000
entries, eight queries on the register's search page (facet counts), 435 ms in all. A stored
tsvector is computed once, when a row is written; scanning it costs about 1 ms either way, and
PostgreSQL's manual (12.2.2) recommends the separate column for that reason. The column is the
database's own: the model does not know it, so Django never writes it and backups never carry it
(it is computed again on restore). SQLite keeps its FTS5 table.
"""

from django.db import migrations

DOCUMENT = "to_tsvector('simple'::regconfig, title || ' ' || summary || ' ' || ref)"
FORWARD = [
    f"ALTER TABLE cases_entry ADD COLUMN search_document tsvector GENERATED ALWAYS AS ({DOCUMENT}) STORED",
    "CREATE INDEX cases_entry_search_document ON cases_entry USING GIN (search_document)",
    "DROP INDEX IF EXISTS cases_entry_fts_idx",
]
BACKWARD = [
    f"CREATE INDEX IF NOT EXISTS cases_entry_fts_idx ON cases_entry USING GIN (({DOCUMENT}))",
    "DROP INDEX IF EXISTS cases_entry_search_document",
    "ALTER TABLE cases_entry DROP COLUMN IF EXISTS search_document",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_staff_newest_index")]
    operations = [migrations.RunPython(forward, backward)]
