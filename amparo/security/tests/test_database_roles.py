"""The two PostgreSQL roles of docs/deployment.md work as written (ASVS 5.0 13.2.2).

The owner runs the migrations; the application role, which runs the web server and the worker,
reads and writes the register but cannot change or delete an audit event even if the triggers
were dropped: its privilege on that table is revoked. The SQL below is the deployment guide's.
"""

from __future__ import annotations

import secrets
import subprocess
from urllib.parse import urlsplit

import psycopg
import pytest
from django.db import connection

from amparo.security.tests.production import amparo, clean_env, suite_postgres_url

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database roles are PostgreSQL's"
)

SETUP = """
GRANT USAGE ON SCHEMA public TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO {app};
"""
AFTER_MIGRATE = "REVOKE UPDATE, DELETE, TRUNCATE ON accounts_auditevent FROM {app};"

WRITE_AS_APP = """
from amparo.accounts.models import AuditEvent, User
from amparo.cases import services
from django.db import connection, transaction
user = User.objects.create_user("role_probe", password="a long probe passphrase 42", role="documenter")
entry = services.open_entry(user, {"kind": "named", "title": "Role probe", "country": "COL", "notes": "n"})
services.update_entry(user, entry, {"title": "Role probe, changed"})
print("events", AuditEvent.objects.count())
for sql in ("UPDATE accounts_auditevent SET action = 'x'", "DELETE FROM accounts_auditevent",
            "TRUNCATE accounts_auditevent"):
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        print("allowed", sql.split()[0])
    except Exception as exc:
        print("refused", sql.split()[0], type(exc).__name__, "permission denied" in str(exc))
"""


def _psql(url: str, sql: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def _amparo(url: str, data_dir: str, *args: str) -> subprocess.CompletedProcess[str]:
    return amparo(clean_env(DATABASE_URL=url, AMPARO_DATA_DIR=data_dir), *args)


def test_the_application_role_writes_the_register_but_cannot_rewrite_the_audit_log(tmp_path):
    admin = suite_postgres_url("postgres")
    server = urlsplit(admin)
    suffix = secrets.token_hex(4)
    owner, app, name = f"amparo_owner_{suffix}", f"amparo_app_{suffix}", f"amparo_roles_{suffix}"
    netloc = f"{server.hostname}:{server.port or 5432}"
    try:
        _psql(admin, f"CREATE ROLE {owner} LOGIN; CREATE ROLE {app} LOGIN;")
        _psql(admin, f"CREATE DATABASE {name} OWNER {owner};")
        _psql(f"postgres://postgres@{netloc}/{name}", SETUP.format(owner=owner, app=app))
        data = str(tmp_path / "data")
        migrated = _amparo(f"postgres://{owner}@{netloc}/{name}", data, "migrate", "-v", "0")
        assert migrated.returncode == 0, migrated.stderr[-2000:]
        _psql(f"postgres://postgres@{netloc}/{name}", AFTER_MIGRATE.format(app=app))
        ran = _amparo(f"postgres://{app}@{netloc}/{name}", data, "shell", "-c", WRITE_AS_APP)
        assert ran.returncode == 0, ran.stderr[-2000:]
        lines = ran.stdout.splitlines()
        assert any(line.startswith("events ") and int(line.split()[1]) >= 2 for line in lines)
        for verb in ("UPDATE", "DELETE", "TRUNCATE"):
            # Refused by the missing privilege, before any trigger runs.
            assert any(
                line.startswith(f"refused {verb} ") and line.endswith(" True") for line in lines
            ), lines
        assert not any(line.startswith("allowed") for line in lines)
    finally:
        _psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")
        _psql(admin, f"DROP ROLE IF EXISTS {app}; DROP ROLE IF EXISTS {owner};")
