"""The interchange format's row rules (REFERENCE §6), checked without a database."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest

from amparo.core.citations import Citation
from amparo.core.interchange import (
    COLUMNS,
    RowValidator,
    csv_header,
    csv_line,
    format_of,
    parse_confidential,
    read_csv,
    read_jsonl,
    row_record,
)

GOOD = {
    "ref": "R-1",
    "kind": "named",
    "title": "Lawyer detained after briefing a Special Rapporteur",
    "subject_kind": "individual",
    "gender": "female",
    "country": "ven",
    "region": "",
    "themes": "civil_political|accountability",
    "contact_points": "remote_information",
    "bodies": "special_procedures|hrc",
    "reprisal_types": "detention|threats_intimidation",
    "perpetrators": "state",
    "year": "2021",
    "citations": "A/HRC/48/28 annex I para 12|A/HRC/51/47 annex II para 3",
    "status": "follow_up_due",
    "consent": "publish_in_portal|include_in_sg_report",
    "published": "TRUE",
    "summary": "  A summary.  ",
}


def check(**changes: object) -> tuple[object, list[str]]:
    row, problems = RowValidator().validate({**GOOD, **changes}, 7)
    return row, [str(p) for p in problems]


def test_it_normalises_a_good_csv_row():
    row, problems = check()
    assert problems == []
    assert row.country == "VEN"
    assert row.region == "latin_america_caribbean"  # derived from the country
    assert row.terms["theme"] == ["civil_political", "accountability"]
    assert row.citations == [
        Citation("A/HRC/48/28", "I", 12),
        Citation("A/HRC/51/47", "II", 3),
    ]
    assert row.year == 2021 and row.published is True and row.summary == "A summary."


def test_it_accepts_json_lists_booleans_and_numbers():
    row, problems = check(themes=["environment"], year=2019, published=False, citations=[])
    assert problems == []
    assert row.terms["theme"] == ["environment"] and row.year == 2019 and not row.published


def test_it_defaults_status_to_open_and_published_to_false():
    row, problems = check(status="", published="")
    assert problems == [] and row.status == "open" and row.published is False


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"reprisal_types": "beating|detention"},
            "line 7, column reprisal_types: 'beating' is not one of: threats_intimidation, "
            "defamation,",
        ),
        ({"kind": "person"}, "line 7, column kind: 'person' is not one of: named, unnamed,"),
        ({"ref": ""}, "line 7, column ref: is required"),
        ({"title": "  "}, "line 7, column title: is required"),
        ({"country": ""}, "line 7, column country: is required"),
        ({"country": "XXX"}, "line 7, column country: 'XXX' is not an ISO 3166-1 alpha-3"),
        ({"region": "mena"}, "line 7, column region: 'mena' does not match VEN"),
        ({"region": "europe"}, "line 7, column region: 'europe' is not one of: mena,"),
        ({"year": "20x1"}, "line 7, column year: '20x1' is not a year"),
        ({"year": "1850"}, "line 7, column year: 1850 is not a year between 1900 and 2100"),
        ({"year": True}, "line 7, column year: True is not a year"),
        ({"citations": "para 12"}, "line 7, column citations: 'para 12' is not a citation"),
        ({"published": "yes"}, "line 7, column published: 'yes' is not true or false"),
        ({"status": "pending"}, "line 7, column status: 'pending' is not one of: open,"),
        ({"consent": "publish"}, "line 7, column consent: 'publish' is not one of:"),
        ({"gender": "f"}, "line 7, column gender: 'f' is not one of: female, male,"),
        ({"themes": {"a": 1}}, "line 7, column themes: {'a': 1} must be a list of text"),
        ({"bodies": ["hrc", 3]}, "line 7, column bodies: ['hrc', 3] must be a list of text"),
        ({"colour": "red"}, "line 7, column colour: is not a column; columns are: ref, kind,"),
        ({"ref": "R" * 65}, "line 7, column ref: 'RRRR"),
    ],
)
def test_it_names_line_column_value_and_what_is_allowed(changes, expected):
    row, problems = check(**changes)
    assert row is None
    assert any(p.startswith(expected) for p in problems), problems


def test_it_reports_every_problem_of_a_row_not_just_the_first():
    _, problems = check(kind="x", country="XXX", year="x", published="maybe")
    assert len(problems) == 4


def test_it_refuses_a_ref_seen_earlier_in_the_file():
    validator = RowValidator()
    assert validator.validate(dict(GOOD), 2)[1] == []
    row, problems = validator.validate(dict(GOOD), 9)
    assert row is None
    assert str(problems[0]) == "line 9, column ref: 'R-1' appears twice in the file (line 2)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"subjects": [{"name": "X", "aliases": ["Y"], "contact": "Z"}], "notes": "N"}, None),
        (None, None),
        ("secret text", "must be an object"),
        ({"subjects": "Jane Roe"}, "confidential.subjects: must be a list"),
        ({"subjects": [{"name": "Jane Roe", "aliases": "JR"}]}, "subjects[0].aliases"),
        ({"subjects": [{"name": "Jane Roe", "phone": "+1"}]}, "subjects[0].phone: is not a key"),
        ({"notes": ["Jane Roe"]}, "confidential.notes: must be text"),
        ({"secret": "Jane Roe"}, "confidential.secret: is not a key"),
    ],
)
def test_it_checks_the_confidential_object_without_quoting_it(value, expected):
    parsed, problems = parse_confidential(value, 4)
    text = " ".join(str(p) for p in problems)
    if expected is None:
        assert problems == []
    else:
        assert parsed is None and expected in text
    assert "Jane Roe" not in text and "secret text" not in text and "+1" not in text


def test_it_reads_csv_with_line_numbers_across_multiline_cells():
    header = ",".join(COLUMNS)
    first = csv_line({**GOOD, "summary": "two\nlines"} | {"published": True})
    data = f"{header}\n{first}\n" + ",".join(["R-2"] + [""] * 3)
    records = list(read_csv(io.StringIO(data)))
    assert records[0][0] == 2 and records[0][1]["summary"] == "two\nlines"
    assert records[1][0] == 5  # line 4 is blank; the short record starts on line 5
    assert "has 4 cells but the header has 18" in str(records[1][1])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "line 1: the file is empty"),
        ("title,kind\n", "line 1: the header lacks required columns: ref, country"),
        ("ref,kind,title,country,colour\n", "line 1, column colour: is not a column"),
        ("ref,kind,title,country,kind\n", "line 1: the header names a column twice"),
    ],
)
def test_it_checks_the_csv_header(text, expected):
    problems = [str(r) for _, r in read_csv(io.StringIO(text))]
    assert any(p.startswith(expected) for p in problems), problems


def test_it_reads_jsonl_and_reports_lines_that_are_not_objects():
    text = '{"ref": "a"}\n\n[1, 2]\n{"ref": \n'
    records = list(read_jsonl(io.StringIO(text)))
    assert records[0] == (1, {"ref": "a"})
    assert str(records[1][1]) == "line 3: must be a JSON object with the interchange columns"
    assert str(records[2][1]).startswith("line 4: is not valid JSON")


def test_a_written_row_reads_back_the_same():
    row, _ = check()
    record = row_record(row)
    again, problems = RowValidator().validate(record, 1)
    assert problems == [] and row_record(again) == record
    text = csv_header() + csv_line(record)
    ((_, raw),) = list(read_csv(io.StringIO(text)))
    assert row_record(RowValidator().validate(raw, 2)[0]) == record
    assert record["bodies"] == ["hrc", "special_procedures"]  # reference order


@pytest.mark.parametrize(
    "title",
    ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "'=quoted", "''+two", "plain"],
)
def test_text_a_spreadsheet_would_run_is_written_quoted_and_read_back_exactly(title):
    row, _ = check(title=title)
    record = row_record(row)
    line = csv_line(record)
    cell = next(csv.reader(io.StringIO(line)))[COLUMNS.index("title")]
    assert cell[0] not in "=+-@\t\r"
    assert cell == (title if title == "plain" else "'" + title)
    ((_, raw),) = list(read_csv(io.StringIO(csv_header() + line)))
    assert raw["title"] == title


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a.csv", "csv"), ("dir/B.JSONL", "jsonl"), ("a.json", None), ("a.csv.gz", None)],
)
def test_it_takes_the_format_from_the_extension(name, expected):
    if expected:
        assert format_of(name) == expected
    else:
        with pytest.raises(ValueError, match="must end in .csv or .jsonl"):
            format_of(name)


def test_the_module_needs_no_django():
    code = "import sys, amparo.core.interchange; print('django' in sys.modules)"
    out = subprocess.run(  # noqa: S603 - our own interpreter, a fixed snippet
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
