"""An index for the staff list's newest-first order on PostgreSQL.

SQLite reads that order from its existing year index as it is; PostgreSQL needs the
direction and NULLS LAST spelled out to walk an index instead of sorting every entry.
"""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS cases_entry_newest ON cases_entry (year DESC NULLS LAST, id DESC)"
DROP = "DROP INDEX IF EXISTS cases_entry_newest"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_portal_visible")]
    operations = [migrations.RunPython(forward, backward)]
