"""Importing and exporting the register in the interchange format (REFERENCE §6).

Import is all-or-nothing: every row is checked before anything is written, then the whole file is
written in one transaction with bulk inserts (100,000 rows must load in seconds, not hours).
Export streams in chunks so memory stays flat whatever the size of the register.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.db import connections, router, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from amparo.accounts.audit import record_event
from amparo.analytics.services import refresh_public_for
from amparo.cases.models import Citation, Consent, Entry, EntryTerm, NameToken, Subject
from amparo.cases.services import name_tokens, validate_coding
from amparo.core import interchange as fmt
from amparo.core.citations import Citation as ParsedCitation
from amparo.core.interchange import Confidential, Problem, Row, RowValidator
from amparo.security.fields import associated_data
from amparo.security.keys import keyring

BATCH = 1000
ANALYZE_FROM = 10_000  # rows written in one go from which planner statistics are refreshed
LOOKUP_CHUNK = 500
# Consent recorded by an import: the file says for which purposes, not by whom or how.
IMPORT_CONSENT = {"given_by": "other", "method": "other", "source": "import"}


class ImportRefused(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class ImportResult:
    entries: int = 0
    subjects: int = 0
    consents: int = 0
    citations: int = 0
    confidential: int = 0
    skipped_confidential: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def _records(path: Path, kind: str) -> Iterator[tuple[int, dict[str, Any] | Problem]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = fmt.read_csv(stream) if kind == "csv" else fmt.read_jsonl(stream)
        try:
            yield from reader
        except UnicodeDecodeError:
            yield 0, Problem(0, "", "the file is not UTF-8 text")


def _rows(
    path: Path, kind: str, include_confidential: bool, result: ImportResult
) -> Iterator[tuple[Row | None, list[Problem]]]:
    """Each record validated; confidential objects parsed only when asked, else counted as skipped."""
    validator = RowValidator()
    for line, raw in _records(path, kind):
        if isinstance(raw, Problem):
            yield None, [raw]
            continue
        row, problems = validator.validate(raw, line)
        if raw.get(fmt.CONFIDENTIAL) is not None:
            if include_confidential:
                secret, more = fmt.parse_confidential(raw[fmt.CONFIDENTIAL], line)
                problems += more
                if row is not None and not more:
                    row.confidential = secret
            else:
                result.skipped_confidential += 1
        yield (row if not problems else None), problems


def existing_refs(refs: Iterable[str]) -> set[str]:
    """Which of these refs the database already holds."""
    refs = list(refs)
    found: set[str] = set()
    for start in range(0, len(refs), LOOKUP_CHUNK):
        chunk = refs[start : start + LOOKUP_CHUNK]
        found |= set(Entry.objects.filter(ref__in=chunk).values_list("ref", flat=True))
    return found


def check_file(path: Path, *, include_confidential: bool = False) -> tuple[int, ImportResult]:
    """Validate a whole file without writing; raises ImportRefused listing every problem."""
    kind = fmt.format_of(path.name)
    result = ImportResult()
    problems: list[Problem] = []
    lines: dict[str, int] = {}
    count = 0
    for row, row_problems in _rows(path, kind, include_confidential, result):
        problems += row_problems
        if row is not None:
            count += 1
            lines[row.ref] = row.line
    for ref in sorted(existing_refs(lines), key=lines.__getitem__):
        problems.append(Problem(lines[ref], "ref", "already exists in the database", ref))
    if problems:
        raise ImportRefused(sorted(problems, key=lambda p: p.line))
    return count, result


def import_file(
    path: Path,
    *,
    actor: Any = None,
    include_confidential: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import a CSV or JSON Lines file, all or nothing; audited as 'import' (+ 'import.confidential').

    For the ``amparo import`` command: the operator of the server, not a web request.
    """
    started = timezone.now()
    total, result = check_file(path, include_confidential=include_confidential)
    kind = fmt.format_of(path.name)
    scratch = ImportResult()
    with transaction.atomic():
        rows = (row for row, _ in _rows(path, kind, include_confidential, scratch) if row)
        write_rows(rows, actor=actor, result=result, progress=progress, total=total)
        record_event(
            "import",
            actor=actor,
            object_type="cases.entry",
            detail={
                "format": kind,
                "entries": result.entries,
                "citations": result.citations,
                "consents": result.consents,
                "skipped_confidential": result.skipped_confidential,
            },
        )
        if include_confidential:
            record_event(
                "import.confidential",
                actor=actor,
                object_type="cases.entry",
                fields=["name", "aliases", "contact", "notes"],
                detail={"entries": result.confidential, "subjects": result.subjects},
            )
    result.seconds = (timezone.now() - started).total_seconds()
    return result


def write_rows(
    rows: Iterable[Row],
    *,
    actor: Any = None,
    result: ImportResult | None = None,
    consent: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
    total: int = 0,
) -> ImportResult:
    """Bulk-insert validated rows with their terms, citations, consents and subjects.

    Callers have validated every row (RowValidator, refs new) and hold a transaction. Used by
    the import and by the demo loader; writes no audit event (the caller records one summary).
    """
    result = result or ImportResult()
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            _write_batch(batch, actor, result, consent or IMPORT_CONSENT)
            batch = []
            if progress:
                progress(result.entries, total)
    if batch:
        _write_batch(batch, actor, result, consent or IMPORT_CONSENT)
        if progress:
            progress(result.entries, total)
    if result.entries >= ANALYZE_FROM:
        refresh_statistics()
    return result


def refresh_statistics() -> None:
    """After a bulk load, let PostgreSQL's planner see the new row counts (halves export time)."""
    connection = connections[router.db_for_write(Entry)]
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(
        connection.ops.quote_name(m._meta.db_table)
        for m in (Entry, EntryTerm, Citation, Consent, Subject, NameToken)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _write_batch(
    rows: list[Row], actor: Any, result: ImportResult, consent: dict[str, Any]
) -> None:
    now = timezone.now()
    creator = actor if getattr(actor, "pk", None) else None
    recorder = getattr(creator, "pk", None)
    ring = keyring()
    entries = []
    for row in rows:
        validate_coding(
            {"kind": row.kind, "country": row.country, "status": row.status, **row.terms}
        )
        identity = uuid.uuid4()
        notes = row.confidential.notes if row.confidential else ""
        if notes:
            place = associated_data(Entry, "notes", identity)
            notes = ring.encrypt(notes.encode("utf-8"), place)
        entries.append(
            (
                identity,
                row.ref,
                row.kind,
                row.title,
                row.summary,
                row.country,
                row.region,
                row.year,
                row.status,
                row.subject_kind,
                row.gender,
                row.published,
                False,
                notes,
                recorder,
                now,
                now,
            )
        )
    insert_many(Entry, ENTRY_INSERT, entries)
    ids = dict(Entry.objects.filter(ref__in=[row.ref for row in rows]).values_list("ref", "id"))
    terms, citations, consents = [], [], []
    today = datetime.date.today()
    for row in rows:
        entry_id = ids[row.ref]
        for vocabulary, slugs in row.terms.items():
            terms += [(entry_id, vocabulary, slug) for slug in slugs]
        citations += [(entry_id, c.symbol, c.annex, c.paragraph) for c in row.citations]
        consents += [
            (
                uuid.uuid4(),
                entry_id,
                purpose,
                _value(consent["given_by"], row),
                _value(consent["method"], row),
                _value(consent.get("given_on"), row) or today,
                "",
                "",
                consent["source"],
                recorder,
                now,
            )
            for purpose in row.consent
        ]
    insert_many(EntryTerm, ("entry", "vocabulary", "slug"), terms)
    insert_many(Citation, ("entry", "symbol", "annex", "paragraph"), citations)
    insert_many(Consent, CONSENT_COLUMNS, consents)
    refresh_public_for(ids.values())
    _write_subjects(rows, ids, result)
    result.entries += len(entries)
    result.citations += len(citations)
    result.consents += len(consents)


ENTRY_INSERT = (
    "uuid",
    "ref",
    "kind",
    "title",
    "summary",
    "country",
    "region",
    "year",
    "status",
    "subject_kind",
    "gender",
    "published",
    "restricted",
    "notes",
    "created_by",
    "created_at",
    "updated_at",
)
CONSENT_COLUMNS = (
    "id",
    "entry",
    "purpose",
    "given_by",
    "method",
    "given_on",
    "limits",
    "withdrawal_note",
    "source",
    "recorded_by",
    "recorded_at",
)
# Fields whose Python values the database driver cannot take as they are.
ADAPTED = {"UUIDField", "DateField", "DateTimeField"}


def insert_many(model: type[Model], names: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert plain tuples in bulk: bulk_create builds a model per row, too slow at 100,000 rows.

    SQLite: one prepared statement stepped per row; PostgreSQL: COPY. Values of encrypted
    fields must be given already encrypted (or ""). Callers hold a transaction.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in names]
    rows = _adapted(fields, rows, connection)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(fields))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608 # nosec B608 # model names


def _adapted(fields: list[Any], rows: list[tuple[Any, ...]], connection: Any) -> list[tuple]:
    """Rows with UUIDs, dates and times in the form the database driver takes."""
    adapt = [(i, f) for i, f in enumerate(fields) if f.get_internal_type() in ADAPTED]
    if not adapt:
        return rows
    columns = list(zip(*rows, strict=True))
    for i, f in adapt:
        prepared: dict[Any, Any] = {}  # dates and times repeat: adapt each value once
        for value in set(columns[i]) if f.get_internal_type() != "UUIDField" else ():
            prepared[value] = f.get_db_prep_save(value, connection)
        columns[i] = tuple(
            prepared[v] if v in prepared else f.get_db_prep_save(v, connection) for v in columns[i]
        )
    return list(zip(*columns, strict=True))


def _value(value: Any, row: Row) -> Any:
    """A consent default, or its value for this row when it is a function of the row."""
    return value(row) if callable(value) else value


def _write_subjects(rows: list[Row], ids: dict[str, int], result: ImportResult) -> None:
    subjects = []
    for row in rows:
        if row.confidential is None:
            continue
        result.confidential += 1
        kind = row.subject_kind or "individual"
        for position, data in enumerate(row.confidential.subjects):
            subjects.append(
                Subject(
                    entry_id=ids[row.ref],
                    kind=kind,
                    gender=row.gender if kind == "individual" else "",
                    name=data["name"],
                    aliases=data["aliases"],
                    contact=data["contact"],
                    position=position,
                )
            )
    if not subjects:
        return
    Subject.objects.bulk_create(subjects)
    ring = keyring()
    tokens = []
    for subject in subjects:
        words: set[str] = set()
        for text in [subject.name, *subject.aliases]:
            words |= name_tokens(text)
        tokens += [
            NameToken(subject=subject, entry_id=subject.entry_id, token=ring.blind_index(w))
            for w in sorted(words)
        ]
    NameToken.objects.bulk_create(tokens)
    result.subjects += len(subjects)


def entries_to_export(*, published_only: bool = False) -> QuerySet[Entry]:
    """The entries an export covers: all, or the public ones (REFERENCE §6)."""
    entries = Entry.objects.public() if published_only else Entry.objects.all()
    return entries.order_by("ref")


def export_entries(
    out: TextIO,
    kind: str,
    *,
    published_only: bool = False,
    include_confidential: bool = False,
    actor: Any = None,
) -> int:
    """Write the register to ``out`` in chunks; audited before the first byte ('export').

    For the ``amparo export`` command. Confidential objects only in JSON Lines and never with
    ``published_only``; callers refuse those combinations, this function re-checks.
    """
    if kind not in fmt.FORMATS.values():
        raise ValueError(f"unknown format {kind!r}; use csv or jsonl")
    if include_confidential and (kind != "jsonl" or published_only):
        raise ValueError("confidential data is exported only in jsonl, and never as public data")
    entries = entries_to_export(published_only=published_only)
    count = entries.count()
    detail = {"format": kind, "entries": count, "published_only": published_only}
    record_event("export", actor=actor, object_type="cases.entry", detail=detail)
    if include_confidential:
        record_event(
            "export.confidential",
            actor=actor,
            object_type="cases.entry",
            fields=["name", "aliases", "contact", "notes"],
            detail={"entries": count},
        )
    if kind == "csv":
        out.write(fmt.csv_header())
    for rows in exported_rows(entries, include_confidential):
        if kind == "csv":
            out.write(fmt.csv_lines(fmt.row_record(r) for r in rows))
        else:
            out.write(
                "".join(
                    fmt.jsonl_line(fmt.row_record(r, confidential=include_confidential))
                    for r in rows
                )
            )
    return count


ENTRY_COLUMNS = (
    "id",
    "ref",
    "kind",
    "title",
    "summary",
    "country",
    "region",
    "year",
    "status",
    "subject_kind",
    "gender",
    "published",
)


def rows_of(entries: QuerySet[Entry]) -> list[Row]:
    """The rows (without confidential data) of a small, already limited queryset, in its order."""
    return _rows_for(
        [dict(zip(ENTRY_COLUMNS, v, strict=True)) for v in entries.values_list(*ENTRY_COLUMNS)],
        False,
    )


def exported_rows(entries: QuerySet[Entry], confidential: bool) -> Iterator[list[Row]]:
    """Chunks of rows, paging on ref so each chunk is one bounded query."""
    last = None
    while True:
        page = entries.filter(ref__gt=last) if last is not None else entries
        chunk = [
            dict(zip(ENTRY_COLUMNS, values, strict=True))
            for values in page.values_list(*ENTRY_COLUMNS)[:BATCH]
        ]
        if not chunk:
            return
        last = chunk[-1]["ref"]
        yield _rows_for(chunk, confidential)


def _rows_for(chunk: list[dict[str, Any]], confidential: bool) -> list[Row]:
    ids = [e["id"] for e in chunk]
    terms: dict[int, dict[str, list[str]]] = defaultdict(dict)
    for entry_id, vocabulary, slug in EntryTerm.objects.filter(entry_id__in=ids).values_list(
        "entry_id", "vocabulary", "slug"
    ):
        terms[entry_id].setdefault(vocabulary, []).append(slug)
    citations: dict[int, list[ParsedCitation]] = defaultdict(list)
    for entry_id, symbol, annex, paragraph in Citation.objects.filter(entry_id__in=ids).values_list(
        "entry_id", "symbol", "annex", "paragraph"
    ):
        citations[entry_id].append(ParsedCitation(symbol, annex, paragraph))
    consents: dict[int, list[str]] = defaultdict(list)
    for entry_id, purpose in Consent.objects.filter(
        entry_id__in=ids, withdrawn_on__isnull=True
    ).values_list("entry_id", "purpose"):
        consents[entry_id].append(purpose)
    secrets = _confidential_for(ids) if confidential else {}
    rows = []
    for e in chunk:
        row = Row(line=0, **{k: v for k, v in e.items() if k != "id"})
        row.terms = terms[e["id"]]
        row.citations = citations[e["id"]]
        row.consent = sorted(set(consents[e["id"]]))
        row.confidential = secrets.get(e["id"])
        rows.append(row)
    return rows


def _confidential_for(ids: list[int]) -> dict[int, Confidential]:
    """Decrypted subjects and notes of these entries (for a confidential export only)."""
    found = {
        e.pk: Confidential(notes=e.notes)
        for e in Entry.objects.filter(id__in=ids).only("id", "uuid", "notes")
    }
    for subject in Subject.objects.filter(entry_id__in=ids).order_by("entry_id", "position"):
        found[subject.entry_id].subjects.append(
            {"name": subject.name, "aliases": subject.aliases, "contact": subject.contact}
        )
    return found
