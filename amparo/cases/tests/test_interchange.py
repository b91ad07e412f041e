"""amparo import / amparo export (REFERENCE §6): all or nothing, audited, round trip."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from amparo.accounts.models import AuditEvent
from amparo.cases import interchange
from amparo.cases.models import Citation, Consent, Entry, NameToken, Subject
from amparo.cases.services import add_subject, open_entry, record_consent, withdraw_consent
from amparo.core.interchange import COLUMNS

HEADER = ",".join(COLUMNS)
GOOD_ROWS = [
    "A-1,named,Lawyer detained after a UN session,individual,male,VEN,,civil_political,"
    "un_meeting_abroad,hrc|special_procedures,detention|threats_intimidation,state,2019,"
    "A/HRC/42/30 annex I para 12,open,publish_in_portal|include_in_sg_report,true,Summary one",
    "A-2,general_situation,New law restricts NGOs,,,chn,asia_pacific,,,hrc,travel_restriction,"
    "state,2020,A/HRC/45/36 para 4,closed,,true,",
    'A-3,unnamed,"Activists threatened, then charged",group,,EGY,mena,unclear,remote_information,'
    "ohchr,threats_intimidation|criminal_proceedings,state|state_affiliated,2015,,follow_up_due,"
    'raise_with_state,false,"Line one\nline two"',
]
BAD_ROW = "A-4,named,Bad row,individual,male,BHR,,,,hrc,beating,state,2018,,open,,true,"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(*args, stdout=out, stderr=err)
    return err.getvalue(), str(exc.value)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def jsonl(*records: dict) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def record(ref: str, **extra: object) -> dict:
    return {"ref": ref, "kind": "named", "title": f"Entry {ref}", "country": "BHR"} | extra


@pytest.fixture
def good_csv(tmp_path) -> str:
    return write(tmp_path, "good.csv", "\n".join([HEADER, *GOOD_ROWS]) + "\n")


def test_it_imports_a_good_csv_file(db, good_csv):
    out, _ = run("import", good_csv)
    assert "imported 3 entries" in out
    lawyer = Entry.objects.get(ref="A-1")
    assert lawyer.region == "latin_america_caribbean"
    assert sorted(lawyer.terms_of("body")) == ["hrc", "special_procedures"]
    assert str(lawyer.citations.get()) == "A/HRC/42/30 annex I para 12"
    consent = lawyer.consents.get(purpose="publish_in_portal")
    assert consent.source == "import" and consent.active
    assert Entry.objects.get(ref="A-2").country == "CHN"
    assert Entry.objects.get(ref="A-3").summary == "Line one\nline two"
    event = AuditEvent.objects.get(action="import")
    assert event.detail["entries"] == 3 and event.detail["format"] == "csv"


def test_one_bad_row_imports_nothing_and_names_line_column_value(db, tmp_path):
    path = write(tmp_path, "mixed.csv", "\n".join([HEADER, *GOOD_ROWS, BAD_ROW]) + "\n")
    err, message = refused("import", path)
    # GOOD_ROWS[2] spans two lines, so the bad row starts on line 6.
    assert "line 6, column reprisal_types: 'beating' is not one of: threats_intimidation" in err
    assert "nothing was imported" in message
    assert Entry.objects.count() == 0 and Citation.objects.count() == 0
    assert not AuditEvent.objects.filter(action="import").exists()


def test_it_lists_every_problem_one_per_line(db, tmp_path):
    rows = [
        "B-1,named,T,individual,male,VEN,mena,,,,,,20x0,,open,,yes,",
        "B-1,named,,individual,male,ZZZ,,,,,,,2019,para 3,done,,true,",
    ]
    path = write(tmp_path, "bad.csv", "\n".join([HEADER, *rows]) + "\n")
    err, _ = refused("import", path)
    lines = err.strip().splitlines()
    assert lines == [
        "line 2, column region: 'mena' does not match VEN, which is in latin_america_caribbean",
        "line 2, column year: '20x0' is not a year between 1900 and 2100",
        "line 2, column published: 'yes' is not true or false",
        "line 3, column title: is required",
        "line 3, column status: 'done' is not one of: open, follow_up_due, resolved, closed",
        "line 3, column country: 'ZZZ' is not an ISO 3166-1 alpha-3 code",
        "line 3, column citations: 'para 3' is not a citation like 'A/HRC/57/60 annex I para 45'",
        "line 3, column ref: 'B-1' appears twice in the file (line 2)",
    ]


def test_a_ref_already_in_the_database_refuses_the_file(db, good_csv):
    run("import", good_csv)
    err, _ = refused("import", good_csv)
    assert "line 2, column ref: 'A-1' already exists in the database" in err
    assert Entry.objects.count() == 3


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("entries.json", "{}", "must end in .csv or .jsonl"),
        ("entries.csv", "ref\n", "applies to .jsonl files"),
        ("missing.csv", None, "no such file"),
        ("bad.jsonl", '{"ref": "x"\n', "line 1: is not valid JSON"),
        ("latin1.csv", b"ref,kind,title,country\nx,named,caf\xe9,VEN\n", "not UTF-8"),
    ],
)
def test_it_explains_files_it_cannot_read(db, tmp_path, name, content, expected):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    flags = ["--include-confidential"] if "jsonl files" in expected else []
    err, message = refused("import", str(path), *flags)
    assert expected in err + message
    assert Entry.objects.count() == 0


SECRET = {
    "subjects": [{"name": "Tarel Vosk", "aliases": ["T. V."], "contact": "demo-only +00 000"}],
    "notes": "Demo note",
}


def test_without_the_flag_confidential_objects_are_skipped_with_a_warning(db, tmp_path):
    path = write(tmp_path, "c.jsonl", jsonl(record("C-1", confidential=SECRET), record("C-2")))
    out, err = run("import", path)
    assert "imported 2 entries" in out
    assert "warning: 1 confidential object(s) skipped" in err
    assert Subject.objects.count() == 0 and Entry.objects.get(ref="C-1").notes == ""
    assert not AuditEvent.objects.filter(action="import.confidential").exists()
    assert AuditEvent.objects.get(action="import").detail["skipped_confidential"] == 1


def test_with_the_flag_confidential_objects_are_imported_encrypted_and_audited(db, tmp_path):
    path = write(tmp_path, "c.jsonl", jsonl(record("C-1", confidential=SECRET), record("C-2")))
    run("import", path, "--include-confidential")
    entry = Entry.objects.get(ref="C-1")
    subject = entry.subjects.get()
    assert (subject.name, subject.aliases, subject.contact) == (
        "Tarel Vosk",
        ["T. V."],
        SECRET["subjects"][0]["contact"],
    )
    assert entry.notes == "Demo note"
    assert NameToken.objects.filter(subject=subject).count() >= 2  # staff can search the name
    raw = Subject.objects.values_list("name", flat=True).get()
    assert "Tarel" not in raw and raw.startswith("v1:")
    event = AuditEvent.objects.get(action="import.confidential")
    assert event.detail == {"entries": 1, "subjects": 1}
    every_event = json.dumps(list(AuditEvent.objects.values("fields", "detail", "object_id")))
    assert "Tarel" not in every_event and "Demo note" not in every_event


def test_a_malformed_confidential_object_refuses_the_file_without_quoting_it(db, tmp_path):
    bad = {"subjects": [{"name": "Tarel Vosk", "aliases": "T. V."}]}
    path = write(tmp_path, "c.jsonl", jsonl(record("C-1", confidential=bad)))
    err, _ = refused("import", path, "--include-confidential")
    assert "line 1, column confidential.subjects[0].aliases: must be a list of text" in err
    assert "Tarel" not in err and "T. V." not in err


def test_it_reports_progress_for_long_files(db, tmp_path, monkeypatch):
    monkeypatch.setattr(interchange, "ANALYZE_FROM", 1000)  # and refreshes planner statistics
    records = [record(f"P-{n:05d}") for n in range(1200)]
    path = write(tmp_path, "long.jsonl", jsonl(*records))
    out, err = run("import", path)
    assert "imported 1200 entries" in out
    steps = [line for line in err.splitlines() if line.startswith("imported ")]
    assert steps[-1] == "imported 1200 of 1200 rows (100%)" and len(steps) >= 2


@pytest.fixture
def publication_cases(db, admin_user):
    """Entries on each side of the public rule (REFERENCE §6)."""

    def entry(ref: str, kind: str = "named", published: bool = True) -> Entry:
        data = {"ref": ref, "kind": kind, "title": ref, "country": "VNM", "published": published}
        return open_entry(admin_user, data)

    def consent(e: Entry, purpose: str = "publish_in_portal"):
        return record_consent(
            admin_user, e, {"purpose": purpose, "given_by": "person", "method": "written"}
        )

    consent(entry("named-consented"))
    entry("named-no-consent")
    consent(entry("named-unpublished", published=False))
    consent(entry("named-other-purpose"), "include_in_sg_report")
    withdraw_consent(admin_user, consent(entry("named-withdrawn")))
    entry("situation-published", kind="general_situation")
    entry("statement-published", kind="preemptive_statement")
    entry("situation-unpublished", kind="general_situation", published=False)


def exported_refs(*args: str) -> list[str]:
    out, _ = run("export", *args)
    lines = out.splitlines()
    if "csv" in args:
        return [line.split(",")[0] for line in lines[1:]]
    return [json.loads(line)["ref"] for line in lines]


def test_published_only_exports_public_entries(publication_cases):
    expected = ["named-consented", "situation-published", "statement-published"]
    assert exported_refs("--format", "csv", "--published-only") == expected
    assert exported_refs("--format", "jsonl", "--published-only") == expected
    assert len(exported_refs("--format", "csv")) == 8
    event = AuditEvent.objects.filter(action="export").first()
    assert event.detail == {"format": "csv", "entries": 8, "published_only": False}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--format", "csv", "--include-confidential"], "needs --format jsonl"),
        (
            ["--format", "jsonl", "--include-confidential", "--published-only"],
            "cannot be combined with --published-only",
        ),
    ],
)
def test_export_refuses_confidential_where_it_does_not_belong(db, args, expected):
    _, message = refused("export", *args)
    assert expected in message
    assert not AuditEvent.objects.filter(action__startswith="export").exists()


def test_confidential_export_carries_identities_and_is_audited(db, admin_user):
    entry = open_entry(
        admin_user,
        {"ref": "S-1", "kind": "named", "title": "t", "country": "NIC", "notes": "Demo note"},
    )
    add_subject(
        admin_user,
        entry,
        {"kind": "individual", "name": "Mirel Dask", "aliases": [], "contact": "demo-only"},
    )
    out, _ = run("export", "--format", "jsonl")
    assert "Mirel" not in out and "confidential" not in out
    out, _ = run("export", "--format", "jsonl", "--include-confidential")
    assert json.loads(out)["confidential"] == {
        "subjects": [{"name": "Mirel Dask", "aliases": [], "contact": "demo-only"}],
        "notes": "Demo note",
    }
    assert AuditEvent.objects.get(action="export.confidential").detail == {"entries": 1}


def test_export_pages_through_the_register_in_order(db, tmp_path, monkeypatch):
    refs = [f"K-{n}" for n in (5, 1, 4, 2, 3)]
    run("import", write(tmp_path, "k.jsonl", jsonl(*(record(r) for r in refs))))
    monkeypatch.setattr(interchange, "BATCH", 2)
    assert exported_refs("--format", "jsonl") == sorted(refs)


def test_export_then_import_into_an_empty_register_gives_the_same_data(
    publication_cases, admin_user, good_csv, tmp_path
):
    run("import", good_csv)
    entry = Entry.objects.get(ref="named-consented")
    add_subject(
        admin_user,
        entry,
        {
            "kind": "organisation",
            "name": "Ulvek Circle",
            "aliases": ["UC"],
            "contact": "demo-only +00 000 1",
        },
    )
    csv_before, _ = run("export", "--format", "csv")
    jsonl_before, _ = run("export", "--format", "jsonl", "--include-confidential")
    assert Consent.objects.filter(withdrawn_on__isnull=False).exists()

    Entry.objects.all().delete()
    run("import", write(tmp_path, "all.jsonl", jsonl_before), "--include-confidential")
    assert run("export", "--format", "jsonl", "--include-confidential")[0] == jsonl_before
    assert run("export", "--format", "csv")[0] == csv_before

    Entry.objects.all().delete()
    run("import", write(tmp_path, "all.csv", csv_before))
    assert run("export", "--format", "csv")[0] == csv_before
