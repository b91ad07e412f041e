"""A backup made on one database restores into the other (ADR 0013): SQLite to PostgreSQL, the
way an organisation moves from the embedded default to production, and back again.

Both instances are real `amparo` processes sharing one keyring; the PostgreSQL side is a fresh
database of its own on the suite's server, dropped at the end.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.db import connection

from amparo.security.tests.production import amparo, run_amparo, sqlite_env, suite_postgres_url

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs the PostgreSQL server: runs in that suite"
)

PASSPHRASE = "a long backup passphrase for the move"

MAKE = """
import datetime
from django.core.files.uploadedfile import SimpleUploadedFile
from amparo.accounts.models import User
from amparo.cases import services
user = User.objects.create_user("mover", password="a long test passphrase 42", role="documenter")
entry = services.open_entry(user, {"kind": "named", "title": "Moved entry", "country": "COL",
    "notes": "CANARY-MOVE-NOTES"})
services.add_subject(user, entry, {"kind": "individual", "name": "CANARY-MOVE-NAME",
    "contact": "CANARY-MOVE-CONTACT"})
services.record_consent(user, entry, {"purpose": "raise_with_state", "given_by": "person",
    "method": "in_person", "given_on": datetime.date(2025, 1, 2), "limits": "CANARY-MOVE-LIMITS"})
services.add_evidence(user, entry, SimpleUploadedFile("statement.txt", b"CANARY-MOVE-FILE"))
"""

READ = """
import json
from amparo.accounts.models import AuditEvent
from amparo.cases.models import Entry, Evidence
from amparo.cases import evidence as files
entry = Entry.objects.get(title="Moved entry")
subject = entry.subjects.get()
item = Evidence.objects.get(entry=entry)
print("JSON:" + json.dumps({
    "notes": entry.notes, "name": subject.name, "contact": subject.contact,
    "limits": entry.consents.get().limits,
    "file": files.load(item.stored_path, files.aad(item, "original")).decode(),
    "entries": Entry.objects.count(), "events": AuditEvent.objects.count(),
}))
"""


@pytest.fixture
def empty_postgres_url():
    """The URL of a new, empty PostgreSQL database on the suite's server."""
    parts = urlsplit(suite_postgres_url("postgres"))
    name = f"amparo_move_{secrets.token_hex(4)}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _answers(env: dict[str, str], script: str) -> dict:
    return json.loads(run_amparo(env, "shell", "-c", script).split("JSON:", 1)[1])


def test_a_sqlite_backup_restores_into_postgresql_and_back(tmp_path, empty_postgres_url):
    keyring = tmp_path / "keyring.json"
    (tmp_path / "passphrase").write_text(PASSPHRASE)
    passphrase = ["--passphrase-file", str(tmp_path / "passphrase")]
    lite = sqlite_env(tmp_path / "lite") | {"AMPARO_KEYRING_FILE": str(keyring)}
    (tmp_path / "lite").mkdir()
    run_amparo(lite, "keyring_create")
    run_amparo(lite, "migrate", "--verbosity", "0")
    run_amparo(lite, "shell", "-c", MAKE)
    before = _answers(lite, READ)
    run_amparo(lite, "backup", str(tmp_path / "lite.amparo"), *passphrase)

    pg = lite | {"DATABASE_URL": empty_postgres_url, "AMPARO_DATA_DIR": str(tmp_path / "pg")}
    run_amparo(pg, "migrate", "--verbosity", "0")
    restored = run_amparo(pg, "restore", str(tmp_path / "lite.amparo"), *passphrase)
    assert "verified" in restored.lower(), restored
    on_postgres = _answers(pg, READ)
    # the restore itself is audited on top of the events it brought
    assert on_postgres | {"events": before["events"]} == before
    assert on_postgres["events"] == before["events"] + 1
    assert amparo(pg, "audit_verify").returncode == 0

    run_amparo(pg, "backup", str(tmp_path / "pg.amparo"), *passphrase)
    back = sqlite_env(tmp_path / "back") | {"AMPARO_KEYRING_FILE": str(keyring)}
    (tmp_path / "back").mkdir()
    run_amparo(back, "migrate", "--verbosity", "0")
    run_amparo(back, "restore", str(tmp_path / "pg.amparo"), *passphrase)
    assert _answers(back, READ) | {"events": before["events"]} == before
    assert amparo(back, "audit_verify").returncode == 0
    assert Path(tmp_path / "back" / "raw.sqlite3").exists()
