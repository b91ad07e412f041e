"""Importing a report: matching to existing entries, the CLI JSON, batches and candidates."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from amparo.cases.models import Entry
from amparo.sgreports import services
from amparo.sgreports.models import Candidate, ImportBatch, Report
from amparo.sgreports.tests.conftest import REPORT_TEXT

pytestmark = pytest.mark.django_db


def run_cli(tmp_path, *extra: str, text: str = REPORT_TEXT) -> str:
    path = tmp_path / "report.txt"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command(
        "sgreport",
        "import",
        str(path),
        "--symbol",
        "A/HRC/99/10",
        *extra,
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


def test_the_registry_is_loaded_by_migration_with_both_layout_eras():
    eras = dict(Report.objects.values_list("symbol", "layout_era"))
    assert eras["A/HRC/33/19"] == "body"
    assert eras["A/HRC/36/31"] == "annexes"
    assert eras["A/HRC/57/60"] == "annexes"
    assert Report.objects.filter(year__lt=2010).count() == 0


def test_dry_run_json_has_exactly_the_specified_shape(tmp_path, reports):
    result = json.loads(run_cli(tmp_path, "--dry-run", "--json"))
    assert set(result) == {"symbol", "candidates"}
    assert result["symbol"] == "A/HRC/99/10"
    first = result["candidates"][0]
    assert set(first) == {
        "annex", "paragraph", "country", "kind", "names", "reprisal_types", "bodies",
        "contact_points", "citations", "match", "possible_matches",
    }  # fmt: skip
    assert first["annex"] == "I" and first["paragraph"] == 1 and first["country"] == "VNM"
    assert first["names"] == ["Tarek Alfahrani"]
    assert "detention" in first["reprisal_types"] and "hrc" in first["bodies"]
    assert [c["country"] for c in result["candidates"]] == ["VNM", "VNM", "VEN", "BHR"]
    assert result["candidates"][3]["citations"] == ["A/HRC/98/20 annex I para 7"]
    assert ImportBatch.objects.count() == 0 and Entry.objects.count() == 0


def test_it_matches_an_entry_by_name_across_transliterations_and_country(
    tmp_path, reports, make_case
):
    same = make_case(names=("Tarek Al-Fahrani",))
    make_case(country="EGY", names=("Tarek Al-Fahrani",))
    first = json.loads(run_cli(tmp_path, "--dry-run", "--json"))["candidates"][0]
    assert first["match"] == same.ref
    assert first["possible_matches"] == [{"ref": same.ref, "score": 100}]


def test_it_matches_an_entry_by_an_earlier_citation(tmp_path, reports, make_case):
    cited = make_case(country="BHR", cites=("A/HRC/98/20 annex I para 7",))
    last = json.loads(run_cli(tmp_path, "--dry-run", "--json"))["candidates"][3]
    assert last["match"] == cited.ref


def test_two_equally_likely_entries_are_possible_but_not_sure(tmp_path, reports, make_case):
    a = make_case(names=("Tarek Alfahrani",))
    b = make_case(names=("Tarek Al Fahrani",))
    first = json.loads(run_cli(tmp_path, "--dry-run", "--json"))["candidates"][0]
    assert first["match"] is None
    assert {m["ref"] for m in first["possible_matches"]} == {a.ref, b.ref}


def test_an_import_creates_pending_candidates_and_no_entry(tmp_path, reports):
    run_cli(tmp_path)
    batch = ImportBatch.objects.get()
    assert batch.state == "done" and batch.total == 4
    assert list(batch.candidates.values_list("state", flat=True)) == ["pending"] * 4
    assert Entry.objects.count() == 0


def test_candidate_names_and_text_are_encrypted_at_rest(tmp_path, reports):
    from django.db import connection

    run_cli(tmp_path)
    with connection.cursor() as cursor:
        cursor.execute("SELECT names, text, proposed FROM sgreports_candidate")
        raw = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert "Alfahrani" not in raw and "Centre for Rights" not in raw
    assert Candidate.objects.get(paragraph=1).names["persons"] == ["Tarek Alfahrani"]


@pytest.mark.parametrize(
    ("symbol", "message"),
    [("A/HRC/12/34", "not in the report registry"), ("not a symbol", "not a document symbol")],
)
def test_an_unknown_or_bad_symbol_is_refused_with_a_clear_message(
    tmp_path, reports, symbol, message
):
    path = tmp_path / "r.txt"
    path.write_text(REPORT_TEXT, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("sgreport", "import", str(path), "--symbol", symbol, stdout=StringIO())
    assert ImportBatch.objects.count() == 0


def test_a_missing_or_binary_file_is_refused(tmp_path, reports):
    with pytest.raises(CommandError, match="no such file"):
        call_command("sgreport", "import", str(tmp_path / "nope.txt"), "--symbol", "A/HRC/99/10")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.7 broken")
    with pytest.raises(CommandError, match="not a readable PDF"):
        call_command("sgreport", "import", str(bad), "--symbol", "A/HRC/99/10")


def test_a_pdf_report_is_read_through_its_text_layer(tmp_path, reports):
    pdf = _pdf_with_lines(["Annex I", "Viet Nam", "1. Mr. Tarek Alfahrani was arrested in 2023."])
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    out = StringIO()
    call_command(
        "sgreport",
        "import",
        str(path),
        "--symbol",
        "A/HRC/99/10",
        "--dry-run",
        "--json",
        stdout=out,
    )
    (candidate,) = json.loads(out.getvalue())["candidates"]
    assert candidate["country"] == "VNM" and candidate["names"] == ["Tarek Alfahrani"]


def _pdf_with_lines(lines: list[str]) -> bytes:
    """A minimal one-page PDF with a text layer (Helvetica), built by hand."""
    stream = "BT /F1 11 Tf 50 750 Td 14 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


def test_dry_run_service_refuses_nothing_it_can_read(reports):
    result = services.dry_run("A/HRC/99/10", "No country headings here.\n1. Nothing.")
    assert result == {"symbol": "A/HRC/99/10", "candidates": []}
