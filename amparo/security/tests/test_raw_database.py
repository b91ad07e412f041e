"""A raw copy of the SQLite database file holds no protected value in clear (issue §5).

The test runs the real ``amparo`` command against a file database of its own: migrate, then a
script through ``amparo shell -c`` that stores canaries through the register's services, enrols
an authenticator and prints its secret and recovery codes so the test can look for them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from amparo.security.tests.production import run_amparo, sqlite_env

CANARIES = [
    "CANARY-NAME-7f3a",
    "CANARY-ALIAS-91bc",
    "CANARY-CONTACT-2d4e",
    "CANARY-NOTES-5a6b",
    "CANARY-LIMITS-c0de",
]

SCRIPT = """
import datetime, json
from django.db import connection
from amparo.accounts.models import User
from amparo.accounts import two_factor
from amparo.cases import services
user = User.objects.create_user("canary_documenter", password="a long test passphrase 42", role="documenter")
entry = services.open_entry(user, {"kind": "named", "title": "Public title", "country": "COL",
    "notes": "CANARY-NOTES-5a6b"})
services.add_subject(user, entry, {"kind": "individual", "name": "CANARY-NAME-7f3a",
    "aliases": ["CANARY-ALIAS-91bc"], "contact": "CANARY-CONTACT-2d4e"})
services.record_consent(user, entry, {"purpose": "raise_with_state", "given_by": "person",
    "method": "in_person", "given_on": datetime.date(2025, 1, 2), "limits": "CANARY-LIMITS-c0de"})
device = two_factor.start_enrolment(user)
codes = two_factor.issue_recovery_codes(user)
with connection.cursor() as cursor:
    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
print(json.dumps({"secret": device.secret, "codes": codes}))
"""


@pytest.mark.skipif(not Path(sys.executable).exists(), reason="needs the interpreter")
def test_the_raw_database_file_holds_no_protected_value(tmp_path):
    env = sqlite_env(tmp_path)
    run_amparo(env, "migrate", "--verbosity", "0")
    printed = json.loads(run_amparo(env, "shell", "-c", SCRIPT).strip().splitlines()[-1])

    files = [p for p in tmp_path.iterdir() if p.name.startswith("raw.sqlite3")]
    raw = b"".join(p.read_bytes() for p in files)
    assert b"Public title" in raw  # the reading works: public coding is stored in clear
    for secret in [*CANARIES, printed["secret"], *printed["codes"]]:
        assert secret.encode() not in raw, f"{secret} found in the database file"
        assert secret.encode("utf-16-le") not in raw
