"""The interchange format of REFERENCE §6: one row per entry, the same columns in CSV and JSON Lines.

Plain Python: parsing and validating rows against the shipped vocabularies. Writing to and reading
from the database is ``amparo.cases.interchange``'s job. Problems never quote a confidential value.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from amparo.core import reference
from amparo.core.citations import Citation, CitationError, format_citation, parse_citation

COLUMNS = (
    "ref",
    "kind",
    "title",
    "subject_kind",
    "gender",
    "country",
    "region",
    "themes",
    "contact_points",
    "bodies",
    "reprisal_types",
    "perpetrators",
    "year",
    "citations",
    "status",
    "consent",
    "published",
    "summary",
)
REQUIRED = ("ref", "kind", "title", "country")
# Column -> vocabulary of the multi-valued term columns (stored as EntryTerm rows).
TERM_COLUMNS = {
    "themes": "theme",
    "contact_points": "contact_point",
    "bodies": "body",
    "reprisal_types": "reprisal_type",
    "perpetrators": "perpetrator",
}
SINGLE_COLUMNS = {"kind": "kind", "subject_kind": "subject_kind", "gender": "gender"}
MULTI_COLUMNS = (*TERM_COLUMNS, "citations", "consent")
CONFIDENTIAL = "confidential"
SUBJECT_KEYS = ("name", "aliases", "contact")
SEPARATOR = "|"
# Text a spreadsheet would take for a formula (OWASP "CSV injection"): written with a leading
# quote, which the reader takes off again, so export and import still round-trip exactly. Text
# that already starts with quotes before such a character gets one more, for the same reason.
FORMULA = re.compile(r"'*[=+\-@\t\r]")
GUARDED = re.compile(r"'+[=+\-@\t\r]")
MAX_LENGTH = {"ref": 64, "title": 300}
YEAR_RANGE = (1900, 2100)
FORMATS = {".csv": "csv", ".jsonl": "jsonl"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell; ``value`` is None when it must not be shown."""

    line: int
    column: str
    message: str
    value: Any = None

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        shown = f"{self.value!r} " if self.value is not None else ""
        return f"{where}: {shown}{self.message}"


@dataclass
class Confidential:
    """The identities and notes a JSON Lines entry may carry (imported only on request)."""

    subjects: list[dict[str, Any]] = field(default_factory=list)
    notes: str = ""


@dataclass
class Row:
    """One validated entry, values normalised to slugs and Python types."""

    line: int
    ref: str
    kind: str
    title: str
    country: str
    region: str
    subject_kind: str = ""
    gender: str = ""
    terms: dict[str, list[str]] = field(default_factory=dict)
    year: int | None = None
    citations: list[Citation] = field(default_factory=list)
    status: str = "open"
    consent: list[str] = field(default_factory=list)
    published: bool = False
    summary: str = ""
    confidential: Confidential | None = None


@cache
def _positions(vocabulary: str) -> dict[str, int]:
    """slug -> position in the reference; also the fast membership test."""
    return {slug: i for i, slug in enumerate(reference.slugs(vocabulary))}


def allowed(vocabulary: str) -> str:
    return "is not one of: " + ", ".join(reference.slugs(vocabulary))


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else value


def _values(value: Any) -> list[Any] | None:
    """A multi-valued cell as a list: CSV text split on '|', a JSON list as is; None if neither."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(SEPARATOR) if part.strip()]
    if isinstance(value, list):
        return [v.strip() if isinstance(v, str) else v for v in value if v not in ("", None)]
    return None


class RowValidator:
    """Checks rows one by one, remembering refs so a duplicate within the file is caught."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def validate(self, raw: dict[str, Any], line: int) -> tuple[Row | None, list[Problem]]:
        """The normalised row, or None and every problem found in it."""
        problems: list[Problem] = []
        for name in raw:
            if name not in COLUMNS and name != CONFIDENTIAL:
                problems.append(
                    Problem(line, str(name), "is not a column; columns are: " + ", ".join(COLUMNS))
                )
        row = Row(line=line, ref="", kind="", title="", country="", region="")
        self._strings(raw, row, problems)
        self._place(raw, row, problems)
        self._multi(raw, row, problems)
        row.year = self._year(raw.get("year"), line, problems)
        row.published = self._published(raw.get("published"), line, problems)
        if row.ref:
            if row.ref in self.seen:
                problems.append(
                    Problem(
                        line,
                        "ref",
                        f"appears twice in the file (line {self.seen[row.ref]})",
                        row.ref,
                    )
                )
            else:
                self.seen[row.ref] = line
        return (None, problems) if problems else (row, [])

    def _strings(self, raw: dict[str, Any], row: Row, problems: list[Problem]) -> None:
        for name in ("ref", "title", "summary", *SINGLE_COLUMNS, "status"):
            value = _text(raw.get(name))
            if not isinstance(value, str):
                problems.append(Problem(row.line, name, "must be text", value))
                continue
            if not value and name in REQUIRED:
                problems.append(Problem(row.line, name, "is required"))
                continue
            if name in MAX_LENGTH and len(value) > MAX_LENGTH[name]:
                problems.append(
                    Problem(
                        row.line,
                        name,
                        f"is longer than {MAX_LENGTH[name]} characters",
                        value[:40] + "...",
                    )
                )
                continue
            vocabulary = SINGLE_COLUMNS.get(name) or ("status" if name == "status" else None)
            if value and vocabulary and value not in _positions(vocabulary):
                problems.append(Problem(row.line, name, allowed(vocabulary), value))
                continue
            setattr(row, name, value)
        row.status = row.status or "open"

    def _place(self, raw: dict[str, Any], row: Row, problems: list[Problem]) -> None:
        code = _text(raw.get("country"))
        region = _text(raw.get("region"))
        if not isinstance(code, str) or not isinstance(region, str):
            problems.append(Problem(row.line, "country", "must be text"))
            return
        if not code:
            problems.append(Problem(row.line, "country", "is required"))
            return
        country = reference.countries().get(code.upper())
        if country is None:
            problems.append(Problem(row.line, "country", "is not an ISO 3166-1 alpha-3 code", code))
            return
        row.country = country.code
        if region and region not in _positions("region"):
            problems.append(Problem(row.line, "region", allowed("region"), region))
        elif region and region != country.region:
            problems.append(
                Problem(
                    row.line,
                    "region",
                    f"does not match {country.code}, which is in {country.region}",
                    region,
                )
            )
        row.region = country.region

    def _multi(self, raw: dict[str, Any], row: Row, problems: list[Problem]) -> None:
        for column in MULTI_COLUMNS:
            values = _values(raw.get(column))
            if values is None or any(not isinstance(v, str) for v in values or []):
                problems.append(
                    Problem(row.line, column, "must be a list of text", raw.get(column))
                )
                continue
            values = list(dict.fromkeys(values))
            if column == "citations":
                row.citations = self._citations(values, row.line, problems)
                continue
            vocabulary = TERM_COLUMNS.get(column, "consent_purpose")
            bad = [v for v in values if v not in _positions(vocabulary)]
            for value in bad:
                problems.append(Problem(row.line, column, allowed(vocabulary), value))
            if column == "consent":
                row.consent = values
            else:
                row.terms[vocabulary] = values

    @staticmethod
    def _citations(values: list[str], line: int, problems: list[Problem]) -> list[Citation]:
        citations = []
        for value in values:
            try:
                citations.append(parse_citation(value))
            except CitationError:
                problems.append(
                    Problem(
                        line,
                        "citations",
                        "is not a citation like 'A/HRC/57/60 annex I para 45'",
                        value,
                    )
                )
        return list(dict.fromkeys(citations))

    @staticmethod
    def _year(value: Any, line: int, problems: list[Problem]) -> int | None:
        if value is None or value == "":
            return None
        # isascii: "²" passes isdigit() but not int() (found by test_properties_parsers.py).
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value.strip())
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or not (YEAR_RANGE[0] <= value <= YEAR_RANGE[1])
        ):
            problems.append(
                Problem(
                    line,
                    "year",
                    f"is not a year between {YEAR_RANGE[0]} and {YEAR_RANGE[1]}",
                    value,
                )
            )
            return None
        return value

    @staticmethod
    def _published(value: Any, line: int, problems: list[Problem]) -> bool:
        if isinstance(value, bool):
            return value
        if value is None or value == "":
            return False
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        problems.append(Problem(line, "published", "is not true or false", value))
        return False


def parse_confidential(value: Any, line: int) -> tuple[Confidential | None, list[Problem]]:
    """Check a ``confidential`` object's shape; problems name the place, never the content."""
    column = CONFIDENTIAL
    if value is None:
        return None, []
    if not isinstance(value, dict):
        return None, [Problem(line, column, "must be an object with 'subjects' and 'notes'")]
    problems = [
        Problem(line, f"{column}.{key}", "is not a key; keys are: subjects, notes")
        for key in value
        if key not in ("subjects", "notes")
    ]
    notes = value.get("notes") or ""
    if not isinstance(notes, str):
        problems.append(Problem(line, f"{column}.notes", "must be text"))
    subjects = value.get("subjects") or []
    if not isinstance(subjects, list):
        problems.append(Problem(line, f"{column}.subjects", "must be a list of objects"))
        subjects = []
    clean = []
    for index, subject in enumerate(subjects):
        where = f"{column}.subjects[{index}]"
        if not isinstance(subject, dict):
            problems.append(Problem(line, where, "must be an object with name, aliases, contact"))
            continue
        problems += [
            Problem(line, f"{where}.{key}", "is not a key; keys are: " + ", ".join(SUBJECT_KEYS))
            for key in subject
            if key not in SUBJECT_KEYS
        ]
        name, contact = subject.get("name") or "", subject.get("contact") or ""
        aliases = subject.get("aliases") or []
        if not isinstance(name, str) or not isinstance(contact, str):
            problems.append(Problem(line, where, "name and contact must be text"))
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            problems.append(Problem(line, f"{where}.aliases", "must be a list of text"))
            aliases = []
        clean.append({"name": name, "aliases": list(aliases), "contact": contact})
    if problems:
        return None, problems
    return Confidential(subjects=clean, notes=notes.strip() if isinstance(notes, str) else ""), []


def format_of(filename: str) -> str:
    """'csv' or 'jsonl' from a file name; ValueError naming the accepted extensions otherwise."""
    for extension, name in FORMATS.items():
        if filename.lower().endswith(extension):
            return name
    raise ValueError(f"{filename}: the file name must end in .csv or .jsonl")


def read_csv(stream: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | Problem]]:
    """(line, raw cells) per record, or (line, Problem) for a record that cannot be read."""
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        yield 1, Problem(1, "", "the file is empty; the first line must name the columns")
        return
    header = [name.strip() for name in header]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        yield 1, Problem(1, "", "the header lacks required columns: " + ", ".join(missing))
    for name in header:
        if name not in COLUMNS:
            yield 1, Problem(1, name, "is not a column; columns are: " + ", ".join(COLUMNS))
    if len(set(header)) != len(header):
        yield 1, Problem(1, "", "the header names a column twice")
    start = reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            yield (
                line,
                Problem(line, "", f"has {len(cells)} cells but the header has {len(header)}"),
            )
            continue
        yield (
            line,
            {
                name: _uncell(cell)
                for name, cell in zip(header, cells, strict=True)
                if name in COLUMNS
            },
        )


def read_jsonl(stream: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | Problem]]:
    """(line, raw object) per non-blank line, or (line, Problem) when it is not a JSON object."""
    for line, text in enumerate(stream, start=1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            yield line, Problem(line, "", f"is not valid JSON ({exc.msg}, character {exc.pos + 1})")
            continue
        except (ValueError, RecursionError):  # a number over 4,300 digits, nesting too deep
            yield line, Problem(line, "", "is not valid JSON (a number too long or too deep)")
            continue
        if not isinstance(raw, dict):
            yield line, Problem(line, "", "must be a JSON object with the interchange columns")
            continue
        yield line, raw


def in_reference_order(vocabulary: str, values: Iterable[str]) -> list[str]:
    """Slugs in the vocabulary's order (unknown ones last, alphabetically): stable exports."""
    if len(values := list(values)) < 2:
        return values
    order = _positions(vocabulary)
    return sorted(values, key=lambda v: (order.get(v, len(order)), v))


def row_record(row: Row, *, confidential: bool = False) -> dict[str, Any]:
    """A row as the JSON Lines object (columns in the reference order)."""
    record: dict[str, Any] = {
        "ref": row.ref,
        "kind": row.kind,
        "title": row.title,
        "subject_kind": row.subject_kind,
        "gender": row.gender,
        "country": row.country,
        "region": row.region,
    }
    for column, vocabulary in TERM_COLUMNS.items():
        record[column] = in_reference_order(vocabulary, row.terms.get(vocabulary, []))
    record["year"] = row.year
    record["citations"] = [
        format_citation(c.symbol, c.annex, c.paragraph)
        for c in sorted(row.citations, key=lambda c: (c.symbol, c.annex, c.paragraph or 0))
    ]
    record["status"] = row.status
    record["consent"] = in_reference_order("consent_purpose", row.consent)
    record["published"] = row.published
    record["summary"] = row.summary
    if confidential:
        secret = row.confidential or Confidential()
        record[CONFIDENTIAL] = {"subjects": secret.subjects, "notes": secret.notes}
    return record


def jsonl_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def csv_header() -> str:
    return csv_lines([dict(zip(COLUMNS, COLUMNS, strict=True))])


def csv_line(record: dict[str, Any]) -> str:
    """One CSV record: lists joined with '|', booleans as true/false, None as empty."""
    return csv_lines([record])


def csv_lines(records: Iterable[dict[str, Any]]) -> str:
    """CSV records (see csv_line), written with one writer."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for record in records:
        writer.writerow([csv_cell(record[column]) for column in COLUMNS])
    return out.getvalue()


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell; text a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = SEPARATOR.join(value)
    if value is None:
        return ""
    if isinstance(value, str) and FORMULA.match(value):
        return "'" + value
    return value


def _uncell(cell: str) -> str:
    """The value csv_cell wrote: one leading quote off text that starts like a formula."""
    return cell[1:] if GUARDED.match(cell) else cell
