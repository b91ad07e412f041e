"""Full-text search over public title, summary and reference: FTS5 on SQLite, GIN on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE cases_entry_fts USING fts5(title, summary, ref, content='cases_entry', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER cases_entry_fts_ai AFTER INSERT ON cases_entry BEGIN "
    "INSERT INTO cases_entry_fts(rowid, title, summary, ref) VALUES (new.id, new.title, new.summary, new.ref); END",
    "CREATE TRIGGER cases_entry_fts_ad AFTER DELETE ON cases_entry BEGIN "
    "INSERT INTO cases_entry_fts(cases_entry_fts, rowid, title, summary, ref) "
    "VALUES ('delete', old.id, old.title, old.summary, old.ref); END",
    "CREATE TRIGGER cases_entry_fts_au AFTER UPDATE OF title, summary, ref ON cases_entry BEGIN "
    "INSERT INTO cases_entry_fts(cases_entry_fts, rowid, title, summary, ref) "
    "VALUES ('delete', old.id, old.title, old.summary, old.ref); "
    "INSERT INTO cases_entry_fts(rowid, title, summary, ref) VALUES (new.id, new.title, new.summary, new.ref); END",
    "INSERT INTO cases_entry_fts(cases_entry_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS cases_entry_fts_ai",
    "DROP TRIGGER IF EXISTS cases_entry_fts_ad",
    "DROP TRIGGER IF EXISTS cases_entry_fts_au",
    "DROP TABLE IF EXISTS cases_entry_fts",
]
PG_FORWARD = [
    "CREATE INDEX cases_entry_fts_idx ON cases_entry USING GIN "
    "((to_tsvector('simple'::regconfig, title || ' ' || summary || ' ' || ref)))"
]
PG_BACKWARD = ["DROP INDEX IF EXISTS cases_entry_fts_idx"]


def forward(apps, schema_editor):
    statements = SQLITE_FORWARD if schema_editor.connection.vendor == "sqlite" else PG_FORWARD
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    statements = SQLITE_BACKWARD if schema_editor.connection.vendor == "sqlite" else PG_BACKWARD
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
