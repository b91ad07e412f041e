"""The audit log is append-only in the database itself, not only in the ORM.

A trigger refuses UPDATE and DELETE of ``accounts_auditevent`` rows (and TRUNCATE on
PostgreSQL) unless the connection is in audit maintenance (amparo.accounts.audit.
audit_maintenance), which only ``flush`` and tests that tamper on purpose use. On PostgreSQL the
flag is the transaction-local setting ``amparo.audit_unlocked``; on SQLite it is the function
``amparo_audit_unlocked()`` that Amparo registers on each connection, so any other client (the
sqlite3 shell) cannot change a row at all. SQLite drops triggers when Django rebuilds a table:
a future migration that alters this table must run this migration's SQL again.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE TRIGGER accounts_auditevent_no_update BEFORE UPDATE ON accounts_auditevent "
    "WHEN NOT amparo_audit_unlocked() BEGIN SELECT RAISE(ABORT, 'append-only'); END",
    "CREATE TRIGGER accounts_auditevent_no_delete BEFORE DELETE ON accounts_auditevent "
    "WHEN NOT amparo_audit_unlocked() BEGIN SELECT RAISE(ABORT, 'append-only'); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_update",
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_delete",
]
PG_FORWARD = [
    """CREATE OR REPLACE FUNCTION accounts_auditevent_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF coalesce(current_setting('amparo.audit_unlocked', true), '') = 'on' THEN
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END IF;
        RAISE EXCEPTION USING
            MESSAGE = 'append-only: ' || TG_OP || ' on accounts_auditevent is refused',
            ERRCODE = 'insufficient_privilege';
    END $$""",
    "CREATE TRIGGER accounts_auditevent_no_change BEFORE UPDATE OR DELETE ON accounts_auditevent "
    "FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_append_only()",
    "CREATE TRIGGER accounts_auditevent_no_truncate BEFORE TRUNCATE ON accounts_auditevent "
    "FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditevent_append_only()",
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_change ON accounts_auditevent",
    "DROP TRIGGER IF EXISTS accounts_auditevent_no_truncate ON accounts_auditevent",
    "DROP FUNCTION IF EXISTS accounts_auditevent_append_only()",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
