"""Data retention (ASVS 5.0 14.2.7): `amparo retention` erases what is due, and only that.

The register's confidential fields are filled with marker strings (one set per entry, so a test
can tell which entry kept what); what is erased must be gone from the decrypted values, from
the raw rows (their ciphertexts), from the database file and from the storage.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from amparo.accounts.models import AuditEvent
from amparo.analytics.models import PublicFacet, PublicFacetCell, PublicFacetCount, PublicWordHit
from amparo.analytics.services import rebuild_public_counts
from amparo.assessments.models import EntryAssessment
from amparo.cases import services
from amparo.cases.models import Action, Citation, Consent, Entry, Evidence, NameToken, Subject
from amparo.security.fields import encrypted_fields
from amparo.security.retention import NOTICE
from amparo.security.tests.production import amparo, sqlite_env
from amparo.sgreports.models import BatchState, Candidate, CandidateState, ImportBatch, Report

FIELDS = ("NAME", "ALIAS", "CONTACT", "NOTES", "PLACE", "INCIDENT", "ENGAGEMENT", "LIMITS")
FIELDS += ("WITHDRAWAL", "EVIDENCE", "FILENAME", "REPLY", "ACTIONNOTES", "ASSESSMENT")
LONG_AGO = datetime.timedelta(days=4 * 365)


def markers(tag: str) -> dict[str, str]:
    return {f: f"RTN{tag}{f}MARK" for f in FIELDS}


def confidential_entry(actor: Any, tag: str, status: str = "closed", **coding: Any) -> Entry:
    """A public named entry with every confidential field holding a marker of its own tag."""
    m = markers(tag)
    data = {"kind": "named", "title": f"Defender {tag} threatened", "country": "BHR"}
    data |= {
        "year": 2019,
        "status": status,
        "published": True,
        "reprisal_type": ["threats_intimidation"],
    }
    entry = services.open_entry(actor, data | coding | {"notes": m["NOTES"]})
    subject = services.add_subject(
        actor,
        entry,
        {"kind": "individual", "name": m["NAME"], "aliases": [m["ALIAS"]], "contact": m["CONTACT"]},
    )
    services.add_engagement(actor, entry, {"body": "hrc", "description": m["ENGAGEMENT"]})
    services.add_incident(
        actor,
        entry,
        {"date": datetime.date(2019, 3, 1), "place": m["PLACE"], "description": m["INCIDENT"]},
    )
    services.add_citation(actor, entry, "A/HRC/42/30 annex I para 7")
    consent = {"given_by": "person", "method": "written", "given_on": datetime.date(2019, 1, 5)}
    services.record_consent(actor, entry, consent | {"purpose": "publish_in_portal"})
    services.record_consent(
        actor,
        entry,
        consent | {"purpose": "raise_with_state", "subject": subject, "limits": m["LIMITS"]},
    )
    partner = services.record_consent(actor, entry, consent | {"purpose": "share_with_partner_ngo"})
    services.withdraw_consent(actor, partner, note=m["WITHDRAWAL"], on=datetime.date(2019, 6, 1))
    services.add_evidence(
        actor,
        entry,
        SimpleUploadedFile(f"{m['FILENAME']}.txt", b"a statement " + tag.encode()),
        description=m["EVIDENCE"],
    )
    services.add_action(
        actor,
        entry,
        {
            "avenue": "senior_official",
            "taken_on": datetime.date(2019, 4, 1),
            "replied_on": datetime.date(2019, 5, 2),
            "reply": m["REPLY"],
            "notes": m["ACTIONNOTES"],
        },
    )
    EntryAssessment.objects.create(entry=entry, data={"answers": m["ASSESSMENT"]})
    return entry


def age(entry: Entry, by: datetime.timedelta = LONG_AGO) -> None:
    """Make the entry look untouched for a while (past the services, as time would)."""
    Entry.objects.filter(pk=entry.pk).update(updated_at=timezone.now() - by)


def values(entry: Entry) -> str:
    """Every decrypted confidential value of an entry, as one string to search."""
    entry = Entry.objects.get(pk=entry.pk)
    parts: list[Any] = [entry.notes]
    for s in Subject.objects.filter(entry=entry):
        parts += [s.name, s.aliases, s.contact]
    for e in entry.engagements.all():
        parts.append(e.description)
    for i in entry.incidents.all():
        parts += [i.place, i.description]
    for c in entry.consents.all():
        parts += [c.limits, c.withdrawal_note]
    for ev in entry.evidence.all():
        parts += [ev.description, ev.original_name]
    for a in entry.actions.all():
        parts += [a.reply, a.notes]
    for assessment in entry.assessments.all():
        parts.append(assessment.data)
    return json.dumps(parts, default=str)


def raw_ciphertexts() -> set[str]:
    """Every stored value of every encrypted column, read with SQL past the model layer."""
    found: set[str] = set()
    with connection.cursor() as cursor:
        for model in apps.get_models():
            for f in encrypted_fields(model):
                table, column = model._meta.db_table, f.column
                cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 - model names
                found |= {row[0] for row in cursor.fetchall() if row[0]}
    return found


def entry_ciphertexts(entry: Entry) -> set[str]:
    """The stored ciphertexts of one entry's confidential values."""
    found: set[str] = set()
    related = [
        (Entry, {"pk": entry.pk}),
        (Subject, {"entry": entry}),
        (Consent, {"entry": entry}),
        (Action, {"entry": entry}),
        (Evidence, {"entry": entry}),
        (EntryAssessment, {"entry": entry}),
    ]
    for model in (m for m in apps.get_models() if m.__name__ in ("Engagement", "Incident")):
        related.append((model, {"entry": entry}))
    for model, lookup in related:
        names = [f.attname for f in encrypted_fields(model)]
        with connection.cursor() as cursor:
            pks = list(model.objects.filter(**lookup).values_list("pk", flat=True))
            for pk in pks:
                cols = ", ".join(model._meta.get_field(n).column for n in names)
                cursor.execute(
                    f"SELECT {cols} FROM {model._meta.db_table} WHERE {model._meta.pk.column} = %s",  # noqa: S608
                    [pk.hex if connection.vendor == "sqlite" and hasattr(pk, "hex") else pk],
                )
                found |= {v for v in cursor.fetchone() if v}
    return found


def stored_files(entry: Entry) -> list[str]:
    return [
        p for pair in entry.evidence.values_list("stored_path", "shared_path") for p in pair if p
    ]


def retention(*args: str) -> str:
    out = io.StringIO()
    call_command("retention", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot() -> dict[str, Any]:
    """Row counts of the tables retention may change, and the stored ciphertexts."""
    models = [Entry, Subject, NameToken, Consent, Citation, Action, Evidence, EntryAssessment]
    models += [Candidate, ImportBatch, Session, AuditEvent]
    return {
        "rows": {m.__name__: m.objects.count() for m in models},
        "ciphertexts": raw_ciphertexts(),
        "files": sorted(default_storage.listdir("evidence")[1])
        if default_storage.exists("evidence")
        else [],
    }


@pytest.fixture
def policy(settings):
    settings.AMPARO_RETAIN_CLOSED_YEARS = 3
    settings.AMPARO_RETAIN_WITHDRAWN_DAYS = 90
    return settings


# --- The register ------------------------------------------------------------------------------


def test_the_dry_run_lists_what_is_due_and_changes_nothing(policy, documenter):
    due = confidential_entry(documenter, "DRY")
    age(due)
    before = snapshot()

    out = retention()

    assert "closed_entries: would erase 1 entries" in out
    assert due.ref in out
    assert "dry run: nothing was changed" in out
    assert "RTNDRY" not in out
    assert snapshot() == before
    assert "RTNDRYNAMEMARK" in values(due)


def test_apply_erases_the_entries_due_and_nothing_else(policy, documenter):
    due = confidential_entry(documenter, "DUE")
    resolved = confidential_entry(documenter, "RES", status="resolved")
    recent = confidential_entry(documenter, "NEW")
    still_open = confidential_entry(documenter, "OPEN", status="open")
    follow_up = confidential_entry(documenter, "FUP", status="follow_up_due")
    planned = confidential_entry(documenter, "PLAN")
    services.add_action(
        documenter,
        planned,
        {
            "avenue": "sg_report",
            "taken_on": datetime.date.today(),
            "reminder_on": datetime.date.today() + datetime.timedelta(days=30),
        },
    )
    for entry in (due, resolved, still_open, follow_up, planned):
        age(entry)
    age(recent, datetime.timedelta(days=2 * 365))
    due_files = stored_files(due)
    kept = {e: values(e) for e in (recent, still_open, follow_up, planned)}

    out = retention("--apply")

    assert "closed_entries: erased 2 entries" in out
    for entry in (due, resolved):
        assert "MARK" not in values(entry).replace(NOTICE, "")
        assert Entry.objects.get(pk=entry.pk).notes.startswith(NOTICE)
        assert not NameToken.objects.filter(entry=entry).exists()
        assert not entry.evidence.exists() and not entry.assessments.exists()
    for name in due_files:
        assert not default_storage.exists(name)
    for entry, before in kept.items():
        assert values(entry) == before, f"{entry.ref} was touched"
        assert NameToken.objects.filter(entry=entry).exists()
        assert all(default_storage.exists(p) for p in stored_files(entry))


def test_erasure_keeps_the_coding_citations_consent_records_and_action_dates(policy, documenter):
    entry = confidential_entry(documenter, "KEEP")
    age(entry)
    consents = list(entry.consents.values_list("purpose", "given_by", "given_on", "withdrawn_on"))
    actions = list(entry.actions.values_list("avenue", "taken_on", "replied_on", "status"))
    coding = Entry.objects.filter(pk=entry.pk).values(
        "title", "kind", "country", "year", "status", "published"
    )[0]

    retention("--apply")

    assert Entry.objects.filter(pk=entry.pk).values(*coding)[0] == coding
    assert [str(c) for c in entry.citations.all()] == ["A/HRC/42/30 annex I para 7"]
    after = entry.consents.values_list("purpose", "given_by", "given_on", "withdrawn_on")
    assert list(after) == consents
    assert list(entry.actions.values_list("avenue", "taken_on", "replied_on", "status")) == actions
    assert entry.subjects.count() == 1  # the row stays, so its consent record stays too


def test_the_raw_rows_no_longer_hold_the_erased_ciphertexts(policy, documenter):
    due = confidential_entry(documenter, "RAW")
    kept = confidential_entry(documenter, "RAWKEPT", status="open")
    age(due)
    erased, still = entry_ciphertexts(due), entry_ciphertexts(kept)
    assert erased and erased <= raw_ciphertexts()  # the reading works

    retention("--apply")

    remaining = raw_ciphertexts()
    assert not erased & remaining
    assert still <= remaining


def test_entries_whose_every_consent_was_withdrawn_are_erased_after_the_delay(policy, documenter):
    withdrawn = confidential_entry(documenter, "WDR", status="closed")
    recent = confidential_entry(documenter, "WNEW", status="closed")
    active = confidential_entry(documenter, "WACT", status="closed")
    still_open = confidential_entry(documenter, "WOPEN", status="open")
    long_ago = datetime.date.today() - datetime.timedelta(days=200)
    for entry in (withdrawn, still_open):
        Consent.objects.filter(entry=entry).update(withdrawn_on=long_ago)
    Consent.objects.filter(entry=recent).update(withdrawn_on=datetime.date.today())
    Consent.objects.filter(entry=active, purpose="raise_with_state").update(withdrawn_on=long_ago)
    policy.AMPARO_RETAIN_CLOSED_YEARS = 0
    kept = {e: values(e) for e in (recent, active, still_open)}

    out = retention("--apply")

    assert "withdrawn_entries: erased 1 entries" in out
    assert "MARK" not in values(withdrawn).replace(NOTICE, "")
    assert withdrawn.consents.filter(withdrawn_on=long_ago).count() == 3
    for entry, before in kept.items():
        assert values(entry) == before, f"{entry.ref} was touched"


def test_the_rules_on_the_register_are_off_by_default(documenter):
    entry = confidential_entry(documenter, "OFF")
    age(entry, datetime.timedelta(days=40 * 365))
    Consent.objects.filter(entry=entry).update(withdrawn_on=datetime.date(2000, 1, 1))
    before = values(entry)

    out = retention("--apply")

    assert "closed_entries: closed entries: off (AMPARO_RETAIN_CLOSED_YEARS=0)" in out
    assert values(entry) == before


def test_audit_events_carry_counts_and_never_a_value(policy, documenter):
    entry = confidential_entry(documenter, "AUD")
    age(entry)
    first = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    retention("--apply")

    events = list(AuditEvent.objects.filter(id__gt=first).order_by("id"))
    category = [e for e in events if e.action == "retention.closed_entries"]
    assert len(category) == 1
    assert category[0].detail["entries"] == 1 and category[0].detail["evidence"] == 1
    assert all(isinstance(n, int) for n in category[0].detail.values())
    per_entry = [e for e in events if e.action == "entry.retention_erase"]
    assert [(e.object_id, e.detail) for e in per_entry] == [
        (str(entry.pk), {"rule": "closed_entries"})
    ]
    dumped = json.dumps([[e.fields, e.detail, e.object_id] for e in events])
    assert "MARK" not in dumped and entry.ref not in dumped
    call_command("audit_verify", stdout=io.StringIO())


def test_running_it_twice_changes_nothing_the_second_time(policy, documenter):
    for tag in ("TW1", "TW2"):
        age(confidential_entry(documenter, tag))
    retention("--apply")
    after_first = snapshot()

    out = retention("--apply")

    assert snapshot() == after_first
    assert "closed_entries: erased nothing" in out


def test_the_public_portal_is_unchanged_by_erasure(policy, documenter, anonymous_client):
    entry = confidential_entry(documenter, "PUB")
    age(entry)
    rebuild_public_counts(track_share=0, track_min_entries=1)

    def public_state() -> list[Any]:
        return [
            sorted(PublicFacet.objects.values_list("entry", "vocabulary", "slug", "country")),
            sorted(PublicFacetCount.objects.values_list("word", "vocabulary", "slug", "count")),
            sorted(PublicFacetCell.objects.values_list("country", "year", "vocabulary", "count")),
            sorted(PublicWordHit.objects.values_list("entry", "word")),
            list(Entry.objects.filter(portal_visible=True).values_list("pk", flat=True)),
        ]

    before = public_state()
    assert entry.pk in before[-1]

    retention("--apply")

    assert public_state() == before
    rebuild_public_counts(track_share=0, track_min_entries=1)
    assert public_state() == before  # what is stored equals a recount of the register
    page = anonymous_client.get(reverse("portal:entry", args=[entry.ref]))
    assert page.status_code == 200 and b"Defender PUB threatened" in page.content


# --- Housekeeping ------------------------------------------------------------------------------


def test_it_clears_expired_sessions_only(db):
    expired, live = SessionStore(), SessionStore()
    for store in (expired, live):
        store["x"] = 1
        store.create()
    Session.objects.filter(pk=expired.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )

    assert "sessions: would erase 1 sessions" in retention()
    retention("--apply")

    assert list(Session.objects.values_list("pk", flat=True)) == [live.session_key]


def test_it_prunes_old_finished_task_results(db):
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    common = {"args_kwargs": {"args": [], "kwargs": {}}, "task_path": "x.y", "run_after": now}
    common |= {"backend_name": "default"}
    old = DBTaskResult.objects.create(
        status="SUCCESSFUL", finished_at=now - datetime.timedelta(days=20), **common
    )
    recent = DBTaskResult.objects.create(
        status="FAILED", finished_at=now - datetime.timedelta(days=2), **common
    )
    waiting = DBTaskResult.objects.create(status="READY", **common)

    retention("--apply")

    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert not DBTaskResult.objects.filter(pk=old.pk).exists()


def batch(report: Report, tag: str, *, reviewed_days: int, pending: bool = False) -> ImportBatch:
    created = timezone.now() - datetime.timedelta(days=reviewed_days + 1)
    item = ImportBatch.objects.create(
        report=report, text=f"RTN{tag}TEXTMARK", state=BatchState.DONE, created_at=created
    )
    Candidate.objects.create(
        batch=item,
        paragraph=1,
        country="BHR",
        kind="named",
        names={"persons": [f"RTN{tag}PERSONMARK"]},
        text=f"RTN{tag}PARAMARK",
        state=CandidateState.PENDING if pending else CandidateState.ACCEPTED,
        reviewed_at=None if pending else timezone.now() - datetime.timedelta(days=reviewed_days),
    )
    return item


def batch_values(item: ImportBatch) -> str:
    item = ImportBatch.objects.get(pk=item.pk)
    parts = [item.text, item.upload] + [[c.names, c.text] for c in item.candidates.all()]
    return json.dumps(parts)


def test_it_erases_the_text_and_names_of_import_batches_reviewed_long_ago(db):
    report = Report.objects.create(symbol="A/HRC/99/1", year=2031, layout_era="annexes")
    old = batch(report, "OLD", reviewed_days=120)
    recent = batch(report, "RECENT", reviewed_days=10)
    waiting = batch(report, "WAIT", reviewed_days=400, pending=True)
    kept = {b: batch_values(b) for b in (recent, waiting)}

    retention("--apply")

    assert "MARK" not in batch_values(old)
    assert old.candidates.get().state == CandidateState.ACCEPTED  # the review itself stays
    for item, before in kept.items():
        assert batch_values(item) == before


def test_it_deletes_old_sign_in_records_but_no_running_lockout(db):
    from axes.models import AccessAttempt, AccessLog

    common = {"user_agent": "ua", "ip_address": "192.0.2.1", "username": "u", "http_accept": ""}
    common |= {"path_info": "/accounts/login/"}
    old_log = AccessLog.objects.create(**common)
    new_log = AccessLog.objects.create(**common)
    attempt = AccessAttempt.objects.create(
        get_data="", post_data="", failures_since_start=5, **common
    )
    long_ago = timezone.now() - datetime.timedelta(days=100)
    AccessLog.objects.filter(pk=old_log.pk).update(attempt_time=long_ago)

    retention("--apply")

    assert list(AccessLog.objects.values_list("pk", flat=True)) == [new_log.pk]
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_it_deletes_stored_files_no_evidence_refers_to_once_a_day_old(db, media_root):
    orphan = default_storage.save("evidence/orphan", ContentFile(b"sealed"))
    fresh = default_storage.save("evidence/fresh", ContentFile(b"sealed"))
    day_old = (timezone.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(Path(media_root) / orphan, (day_old, day_old))

    assert "orphan_files: would erase 1 files" in retention()
    retention("--apply")

    assert not default_storage.exists(orphan)
    assert default_storage.exists(fresh)


def test_a_file_the_storage_cannot_delete_is_reported_clearly(policy, documenter, monkeypatch):
    entry = confidential_entry(documenter, "FAIL")
    age(entry)

    def refuse(name: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(default_storage, "delete", refuse)
    with pytest.raises(CommandError, match=r"[12] stored file\(s\) could not be deleted"):
        retention("--apply")
    assert "MARK" not in values(entry).replace(NOTICE, "")  # the records were erased all the same


# --- The command, end to end, on a database file ----------------------------------------------

SCRIPT = """
import datetime, json
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from amparo.cases import services
from amparo.cases.models import Entry, Evidence
entry = services.open_entry(None, {"kind": "named", "title": "Public title", "country": "COL",
    "status": "closed", "notes": "CANARY-NOTES-retention"})
services.add_subject(None, entry, {"kind": "individual", "name": "CANARY-NAME-retention",
    "contact": "CANARY-CONTACT-retention"})
services.add_evidence(None, entry, SimpleUploadedFile("canary.txt", b"CANARY-FILE-retention"))
Entry.objects.filter(pk=entry.pk).update(updated_at=timezone.now() - datetime.timedelta(days=800))
with connection.cursor() as cursor:
    cursor.execute("SELECT name, contact FROM cases_subject")
    sealed = [v for row in cursor.fetchall() for v in row]
    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
paths = [p for pair in Evidence.objects.values_list("stored_path", "shared_path") for p in pair if p]
print(json.dumps({"sealed": sealed, "files": paths}))
"""


def database_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith("raw.sqlite3"))


@pytest.mark.skipif(not Path(sys.executable).exists(), reason="needs the interpreter")
def test_erased_values_are_gone_from_the_database_file_and_the_upload_folder(tmp_path):
    env = sqlite_env(tmp_path)
    assert amparo(env, "migrate", "--verbosity", "0").returncode == 0
    made = amparo(env, "shell", "-c", SCRIPT)
    assert made.returncode == 0, made.stderr[-2000:]
    printed = json.loads(made.stdout.strip().splitlines()[-1])
    sealed = [s.encode() for s in printed["sealed"]]
    files = [tmp_path / "media" / p for p in printed["files"]]
    assert sealed and all(s in database_bytes(tmp_path) for s in sealed)  # the reading works
    assert files and all(f.exists() for f in files)

    bad = amparo(env | {"AMPARO_RETAIN_CLOSED_YEARS": "soon"}, "retention")
    assert bad.returncode == 2 and "AMPARO_RETAIN_CLOSED_YEARS='soon'" in bad.stderr
    done = amparo(env | {"AMPARO_RETAIN_CLOSED_YEARS": "2"}, "retention", "--apply")

    assert done.returncode == 0, done.stderr[-2000:]
    assert "closed_entries: erased 1 entries" in done.stdout
    assert "closed_entries: 1/1 entries" in done.stderr  # progress
    raw = database_bytes(tmp_path)
    assert b"Public title" in raw
    for value in sealed:
        assert value not in raw, "an erased ciphertext is still in the database file"
    assert not any(f.exists() for f in files)
    assert b"CANARY" not in (done.stdout + done.stderr).encode()
