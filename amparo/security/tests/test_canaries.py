"""Canaries: a marker in every confidential field never shows in clear at rest (issue 7 §2).

Where we look: the SQLite database file with its WAL and shared-memory files (written by the
real ``amparo`` command, no checkpoint, so the latest rows sit in the WAL), every other file
of the data dir (the uploads folder above all: contents and names), what the command logged at
DEBUG level, and on PostgreSQL every table read raw with COPY. The logs of the whole test run
are checked by canary_plugin.py at the end of the session; the first tests here show that
check can see a record and can fail.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from amparo.security.tests import canary_plugin
from amparo.security.tests.canary_plugin import HANDLER, OWN_MARKERS, leaks, markers

M = OWN_MARKERS


def fill_every_confidential_field(actor: Any) -> dict[str, Any]:
    """A public entry with OWN_MARKERS in every encrypted field, through the services."""
    from amparo.accounts import two_factor
    from amparo.assessments.models import EntryAssessment
    from amparo.cases import services
    from amparo.sgreports.models import Candidate, ImportBatch, Report

    entry = services.open_entry(
        actor,
        {
            "kind": "named",
            "title": "Canary public title",
            "country": "COL",
            "published": True,
            "notes": M["canary.notes"],
        },
    )
    consent = {"given_by": "person", "method": "written", "given_on": datetime.date(2024, 1, 5)}
    services.record_consent(actor, entry, {"purpose": "publish_in_portal", **consent})
    services.add_subject(
        actor,
        entry,
        {
            "kind": "individual",
            "name": M["canary.name"],
            "aliases": [M["canary.alias"]],
            "contact": M["canary.contact"],
        },
    )
    services.add_engagement(actor, entry, {"body": "hrc", "description": M["canary.engagement"]})
    services.add_incident(
        actor, entry, {"place": M["canary.place"], "description": M["canary.incident"]}
    )
    services.record_consent(
        actor, entry, {"purpose": "raise_with_state", "limits": M["canary.limits"], **consent}
    )
    withdrawn = services.record_consent(
        actor, entry, {"purpose": "share_with_partner_ngo", **consent}
    )
    services.withdraw_consent(actor, withdrawn, note=M["canary.withdrawal"])
    services.add_evidence(
        actor,
        entry,
        SimpleUploadedFile(f"{M['canary.filename']}.txt", M["canary.filebody"].encode()),
        description=M["canary.evidence"],
    )
    services.add_action(
        actor,
        entry,
        {
            "avenue": "senior_official",
            "taken_on": datetime.date(2021, 4, 1),
            "reply": M["canary.reply"],
            "notes": M["canary.actionnotes"],
        },
    )
    EntryAssessment.objects.create(entry=entry, data={"notes": M["canary.assessment"]})
    report, _ = Report.objects.get_or_create(
        symbol="A/HRC/99/10", defaults={"year": 2024, "layout_era": "annexes"}
    )
    batch = ImportBatch.objects.create(
        report=report, text=M["canary.reporttext"], upload=M["canary.reporttext"]
    )
    Candidate.objects.create(
        batch=batch,
        paragraph=1,
        country="COL",
        kind="named",
        names={"persons": [M["canary.candidate"]]},
        text=M["canary.candidate"],
    )
    device = two_factor.start_enrolment(actor)
    codes = two_factor.issue_recovery_codes(actor)
    return {"secret": device.secret, "codes": codes}


def assert_no_canary(raw: bytes, where: str, extra: list[str] = ()) -> None:
    for marker in [*OWN_MARKERS.values(), *extra]:
        for encoding in ("utf-8", "utf-16-le"):
            assert marker.encode(encoding) not in raw, f"{marker} ({encoding}) in {where}"


def test_the_run_wide_log_check_sees_every_record_and_can_fail():
    logging.getLogger("amparo.canary_probe").warning("probe %s", "7f3a9c")
    assert HANDLER.lines and HANDLER.lines[-1].endswith("probe 7f3a9c")
    logging.getLogger("django.request").error("GET /cases/?q=%s", "Ana")
    assert HANDLER.lines[-1].endswith("GET /cases/")  # as the redacting console writes it
    assert leaks(["a line with ZQXCANARYNAME in it"], markers())
    assert not leaks(HANDLER.lines, markers())
    canary_plugin.register_canary("ZQXREGISTERED")
    assert "ZQXREGISTERED" in markers()


SCRIPT = """
import json
from amparo.accounts.models import User
from amparo.security.tests.test_canaries import fill_every_confidential_field
user = User.objects.create_user("canary_coordinator", password="a long test passphrase 42",
    role="coordinator")
print(json.dumps(fill_every_confidential_field(user)), flush=True)
# Leave without closing the database: SQLite would checkpoint and delete the WAL on close.
import os
os._exit(0)
"""


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="the SQLite file test"
)
def test_no_marker_in_the_sqlite_files_wal_uploads_or_logs(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "AMPARO_"))}
    env |= {"AMPARO_DATA_DIR": str(tmp_path), "AMPARO_LOG_LEVEL": "DEBUG"}
    logs = []
    for args in (["migrate", "--verbosity", "0"], ["shell", "-c", SCRIPT]):
        done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "amparo", *args],
            env=env,
            capture_output=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        logs.append(done.stderr)
    printed = json.loads(done.stdout.decode().strip().splitlines()[-1])
    secrets = [printed["secret"], *printed["codes"]]

    database = tmp_path / "amparo.sqlite3"
    wal = Path(f"{database}-wal")
    assert wal.exists() and wal.stat().st_size > 0  # the latest rows sit in the WAL
    assert b"Canary public title" in database.read_bytes() + wal.read_bytes()  # the reading works
    uploads = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert uploads  # the encrypted original (and any shared copy) are there to read
    for path in tmp_path.rglob("*"):
        assert_no_canary(str(path).encode(), f"the file name {path}")
        if path.is_file():
            assert_no_canary(path.read_bytes(), str(path), secrets)
    assert_no_canary(b"".join(logs), "the command's DEBUG log", secrets)


@pytest.mark.django_db
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="PostgreSQL only"
)
def test_no_marker_in_any_postgresql_table_read_raw(coordinator):
    printed = fill_every_confidential_field(coordinator)
    dump = bytearray()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            name = connection.ops.quote_name(table)
            with cursor.copy(f"COPY {name} TO STDOUT") as copy:  # uncommitted rows included
                for block in copy:
                    dump += bytes(block)
    assert b"Canary public title" in dump  # the reading works
    assert_no_canary(bytes(dump), "a PostgreSQL table", [printed["secret"], *printed["codes"]])
