"""Every write of the Reprisals Report tracker: registry, import, review. Nothing unreviewed
enters the register: candidates become entries or citations only through accept/merge."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import secrets
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from amparo.accounts.audit import record_event
from amparo.cases import services as cases
from amparo.cases.access import entries_for_user
from amparo.cases.models import Entry
from amparo.core import reference
from amparo.core.citations import CitationError, parse_citation
from amparo.core.sgreport import Extraction, ReportFormatError, country_name, extract, pdf_text
from amparo.sgreports.matching import Match, find_match
from amparo.sgreports.models import (
    BatchPhase,
    BatchState,
    CalendarFeedToken,
    Candidate,
    CandidateState,
    ImportBatch,
    Report,
)

REGISTRY_FILE = reference.DATA_DIR / "sg_reports.json"
REGISTRY_FIELDS = (
    "year",
    "hrc_session",
    "reporting_period_start",
    "reporting_period_end",
    "call_for_submissions",
    "interactive_dialogue",
    "layout_era",
    "verified",
    "note",
    "source",
    "last_verified",
)
DATE_FIELDS = (
    "reporting_period_start",
    "reporting_period_end",
    "call_for_submissions",
    "interactive_dialogue",
    "last_verified",
)


def registry_rows() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The shipped registry file: (its header, the report rows that have a symbol)."""
    data = json.loads(REGISTRY_FILE.read_text(encoding="utf-8"))
    return data, [r for r in data["reports"] if r.get("symbol")]


def source_text(sources: list[dict[str, Any]]) -> str:
    """A registry row's sources as the text the admin edits: one per line, fields first."""
    lines = []
    for item in sources:
        fields = ", ".join(item.get("fields", []))
        url = f" {item['url']}" if item.get("url") else ""
        lines.append(f"[{fields}] {item['title']}{url}")
    return "\n".join(lines)


def registry_values(row: dict[str, Any]) -> dict[str, Any]:
    """The model values of one shipped registry row (dates parsed, sources as text)."""
    values: dict[str, Any] = {k: row.get(k) for k in REGISTRY_FIELDS if k in row}
    for key in DATE_FIELDS:
        if values.get(key):
            values[key] = datetime.date.fromisoformat(values[key])
    values["note"] = values.get("note") or ""
    values["verified"] = bool(row.get("verified", False))
    values["source"] = source_text(row.get("sources", []))
    return values


def load_registry(report_model: Any = Report, history_model: Any = None) -> int:
    """Add the shipped reports missing from the database and refresh the rows no person has
    edited (an edit by an administrator, recorded in history with its author, always wins).

    Called by the migrations (with their historical models) and usable from a shell; returns
    how many rows were added or refreshed.
    """
    _, rows = registry_rows()
    known = {f.name for f in report_model._meta.get_fields()}
    history = history_model or Report.history.model
    changed = 0
    for row in rows:
        values = {k: v for k, v in registry_values(row).items() if k in known}
        report = report_model.objects.filter(symbol=row["symbol"]).first()
        if report is None:
            report = report_model.objects.create(symbol=row["symbol"], **values)
        elif _edited_by_a_person(history, report.pk) or all(
            getattr(report, k) == v for k, v in values.items()
        ):
            continue
        else:
            for key, value in values.items():
                setattr(report, key, value)
            report.save()
        if history_model is not None:  # migration models get no history signal
            _record_history(history_model, report, known)
        changed += 1
    return changed


def _edited_by_a_person(history: Any, pk: int) -> bool:
    return history.objects.filter(id=pk, history_user__isnull=False).exists()


def _record_history(history_model: Any, report: Any, fields: set[str]) -> None:
    concrete = {f.attname for f in history_model._meta.concrete_fields}
    values = {k: getattr(report, k) for k in fields | {"id", "symbol"} if k in concrete}
    history_model.objects.create(
        **values,
        history_date=timezone.now(),
        history_type="~",
        history_change_reason="shipped registry data",
    )


def check_symbol(symbol: str) -> str:
    """The symbol in canonical form; ValidationError when it is not a document symbol."""
    try:
        parsed = parse_citation(symbol)
    except CitationError:
        parsed = None
    if parsed is None or parsed.annex or parsed.paragraph is not None:
        raise ValidationError({"symbol": f"{symbol!r} is not a document symbol like A/HRC/57/60"})
    return parsed.symbol


def registered_report(symbol: str) -> Report:
    """The registry row of a symbol; ValidationError naming the symbol when it is missing."""
    symbol = check_symbol(symbol)
    try:
        return Report.objects.get(symbol=symbol)
    except Report.DoesNotExist:
        raise ValidationError(
            {"symbol": f"{symbol} is not in the report registry; add it there first"}
        ) from None


@transaction.atomic
def start_import(
    actor: Any, symbol: str, text: str = "", *, pdf: bytes | None = None
) -> ImportBatch:
    """Record a report upload as a queued batch (staff who can edit; CLI): its text, or a PDF
    that the task reads page by page. Run it with run_import, or enqueue
    amparo.sgreports.tasks.import_report after commit."""
    report = registered_report(symbol)
    if pdf is None and not text.strip():
        raise ValidationError({"file": "the file holds no text"})
    batch = ImportBatch(
        report=report,
        text="" if pdf is not None else text,
        upload=base64.b64encode(pdf).decode("ascii") if pdf is not None else "",
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    batch.save()
    record_event("sgreport.import_start", actor=actor, obj=batch, detail={"symbol": report.symbol})
    return batch


def candidate_values(extraction: Extraction, symbol: str) -> dict[str, Any]:
    """The JSON of one candidate as `amparo sgreport import --json` prints it."""
    return _json_candidate(extraction, find_match(extraction, symbol))


def _json_candidate(extraction: Extraction, match: Match) -> dict[str, Any]:
    return {
        "annex": extraction.annex,
        "paragraph": extraction.paragraph,
        "country": extraction.country,
        "kind": extraction.kind,
        "names": extraction.names,
        "reprisal_types": [s.slug for s in extraction.reprisal_types],
        "bodies": [s.slug for s in extraction.bodies],
        "contact_points": [s.slug for s in extraction.contact_points],
        "citations": list(extraction.citations),
        "match": match.ref,
        "possible_matches": match.possible,
    }


Progress = Callable[[str, int, int], None]


def dry_run(symbol: str, text: str, progress: Progress | None = None) -> dict[str, Any]:
    """The candidates a report would yield, without writing anything (CLI --dry-run).

    ``progress(phase, done, total)`` reports the split and each candidate built.
    """
    symbol = check_symbol(symbol)
    built = _build(text, symbol, progress or (lambda *args: None))
    return {"symbol": symbol, "candidates": [_json_candidate(x, m) for x, m in built]}


def _build(text: str, symbol: str, progress: Progress) -> list[tuple[Extraction, Match]]:
    """Split, extract and match: the slow part of an import, reporting as it goes."""
    built: list[tuple[Extraction, Match]] = []

    def on_split(paragraphs: int, cases: int) -> None:
        progress(BatchPhase.SPLIT, paragraphs, cases)

    for extraction in extract(text, symbol, on_split=on_split):
        built.append((extraction, find_match(extraction, symbol)))
        progress(BatchPhase.CANDIDATES, len(built), -1)
    return built


class BatchProgress:
    """Writes a running batch's progress to its row as the task goes (outside any transaction,
    so the batch page and other processes see it at once). Writes are thinned to about one per
    2 % of a phase, plus the first and the last."""

    STEPS = 50

    def __init__(self, batch: ImportBatch, echo: Any = None) -> None:
        self.batch = batch
        self.echo = echo  # also told of every step (the CLI prints it on stderr)
        self.cases = 0
        self.next_write = 0

    def write(self, **values: Any) -> None:
        values["progress_at"] = timezone.now()
        ImportBatch.objects.filter(pk=self.batch.pk).update(**values)

    def pages(self, read: int, total: int) -> None:
        if read == 1 or read == total or read >= self.next_write:
            self.write(phase=BatchPhase.PAGES, pages_read=read, pages_total=total)
            self.next_write = read + max(1, total // self.STEPS)
        if self.echo is not None:
            self.echo.pages(read, total)

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase == BatchPhase.SPLIT:
            self.cases, self.next_write = total, 0
            self.write(phase=BatchPhase.CANDIDATES, paragraphs=done, total=total, done=0)
        elif done == self.cases or done >= self.next_write:
            self.write(done=done)
            self.next_write = done + max(1, self.cases // self.STEPS)
        if self.echo is not None:
            self.echo(phase, done, total)


def run_import(batch_id: Any, echo: Any = None) -> ImportBatch:
    """Read a queued batch's report into pending candidates, recording progress as it goes.

    Called by the task (or directly by the CLI). Progress (pages read, paragraphs split,
    candidates built) is written to the batch row as the work advances; the candidates are
    saved together at the end, so a failure marks the batch failed with a message and leaves
    no candidate behind.
    """
    batch = ImportBatch.objects.select_related("report").get(pk=batch_id)
    if batch.state not in (BatchState.QUEUED, BatchState.FAILED):
        return batch
    tracker = BatchProgress(batch, echo)
    tracker.write(state=BatchState.RUNNING, done=0, error="")
    try:
        text = _batch_text(batch, tracker)
        built = _build(text, batch.report.symbol, tracker)
        tracker.write(phase=BatchPhase.SAVING)
        with transaction.atomic():
            for x, match in built:
                _save_candidate(batch, x, match)
            ImportBatch.objects.filter(pk=batch.pk).update(
                state=BatchState.DONE,
                phase="",
                done=len(built),
                total=len(built),
                finished_at=timezone.now(),
                progress_at=timezone.now(),
            )
    except ReportFormatError as exc:
        tracker.write(state=BatchState.FAILED, error=str(exc)[:300])
    except Exception as exc:  # the batch page must say what happened, never a 500
        tracker.write(
            state=BatchState.FAILED, error=f"the report could not be read ({type(exc).__name__})"
        )
    batch.refresh_from_db()
    record_event(
        "sgreport.import_finish",
        obj=batch,
        detail={"state": batch.state, "candidates": batch.candidates.count()},
    )
    return batch


def _batch_text(batch: ImportBatch, tracker: BatchProgress) -> str:
    """The batch's text; a waiting PDF is read page by page, then kept as text only."""
    if not batch.upload:
        return batch.text
    batch.text = pdf_text(base64.b64decode(batch.upload), tracker.pages)
    batch.upload = ""
    batch.save(update_fields=["text", "upload"])
    return batch.text


def _save_candidate(batch: ImportBatch, x: Extraction, match: Match) -> Candidate:
    proposed = {
        key: value
        for key, value in x.as_dict().items()
        if key not in ("persons", "organisations", "annex", "paragraph", "country", "kind")
    }
    if x.kind == "named":
        proposed["kind_words"] = []  # they are the names: kept only in the encrypted field
    candidate = Candidate(
        batch=batch,
        annex=x.annex or "",
        paragraph=x.paragraph,
        country=x.country,
        kind=x.kind,
        proposed=proposed,
        names={"persons": x.persons, "organisations": x.organisations},
        text=x.text,
        match_ref=match.ref or "",
        possible_matches=match.possible,
    )
    candidate.save()
    return candidate


def batch_json(batch: ImportBatch) -> dict[str, Any]:
    """A finished batch's candidates in the `--json` shape (read back from the saved rows)."""
    candidates = []
    for c in batch.candidates.order_by("annex", "paragraph"):
        names = c.names or {}
        candidates.append(
            {
                "annex": c.annex or None,
                "paragraph": c.paragraph,
                "country": c.country,
                "kind": c.kind,
                "names": [*names.get("persons", []), *names.get("organisations", [])],
                "reprisal_types": c.slugs("reprisal_types"),
                "bodies": c.slugs("bodies"),
                "contact_points": c.slugs("contact_points"),
                "citations": list(c.proposed.get("citations", [])),
                "match": c.match_ref or None,
                "possible_matches": c.possible_matches,
            }
        )
    return {"symbol": batch.report.symbol, "candidates": candidates}


# --- Review -------------------------------------------------------------------------------


def _pending(candidate: Candidate) -> Candidate:
    locked = (
        Candidate.objects.select_for_update().select_related("batch__report").get(pk=candidate.pk)
    )
    if locked.state != CandidateState.PENDING:
        raise ValidationError({"state": f"this candidate was already {locked.state}"})
    return locked


def _check_editor(actor: Any) -> None:
    if not getattr(actor, "can_edit", False):
        raise ValidationError({"user": "only staff who can edit entries review candidates"})


def _close(candidate: Candidate, actor: Any, state: str, entry: Entry | None) -> None:
    candidate.state = state
    candidate.entry = entry
    candidate.reviewer = actor
    candidate.reviewed_at = timezone.now()
    candidate.save(update_fields=["state", "entry", "reviewer", "reviewed_at"])
    record_event(f"sgreport.candidate_{state}", actor=actor, obj=candidate)


def default_title(candidate: Candidate) -> str:
    """A public title that names no one: country and citation."""
    return f"{country_name(candidate.country)}: {candidate.citation}"


def _cite(actor: Any, entry: Entry, texts: list[str]) -> int:
    added = 0
    existing = {str(c) for c in entry.citations.all()}
    for text in texts:
        if text not in existing:
            cases.add_citation(actor, entry, text)
            existing.add(text)
            added += 1
    return added


@transaction.atomic
def accept_candidate(actor: Any, candidate: Candidate, data: dict[str, Any]) -> Entry:
    """Open a new entry from a reviewed candidate (its values as edited by the reviewer).

    data: kind, country, title, reprisal_types, bodies, contact_points, persons,
    organisations (all optional; the proposal fills what is missing). Adds the subjects and
    the citations of this report and of earlier ones quoted in the paragraph.
    """
    _check_editor(actor)
    candidate = _pending(candidate)
    names = candidate.names or {}
    persons = _clean(data.get("persons", names.get("persons", [])))
    organisations = _clean(data.get("organisations", names.get("organisations", [])))
    kind = data.get("kind") or candidate.kind
    entry = cases.open_entry(
        actor,
        {
            "kind": kind,
            "title": (data.get("title") or "").strip() or default_title(candidate),
            "country": data.get("country") or candidate.country,
            "year": candidate.batch.report.year,
            "status": "open",
            "subject_kind": _subject_kind(persons, organisations),
            "reprisal_type": data.get("reprisal_types", candidate.slugs("reprisal_types")),
            "body": data.get("bodies", candidate.slugs("bodies")),
            "contact_point": data.get("contact_points", candidate.slugs("contact_points")),
        },
    )
    for name in persons:
        cases.add_subject(actor, entry, {"kind": "individual", "name": name})
    for name in organisations:
        cases.add_subject(actor, entry, {"kind": "organisation", "name": name})
    _cite(actor, entry, [candidate.citation, *candidate.proposed.get("citations", [])])
    _close(candidate, actor, CandidateState.ACCEPTED, entry)
    return entry


def _clean(names: Any) -> list[str]:
    return [n.strip() for n in (names or []) if n and n.strip()]


def _subject_kind(persons: list[str], organisations: list[str]) -> str:
    if persons:
        return "individual"
    return "organisation" if organisations else ""


@transaction.atomic
def accept_follow_up(actor: Any, candidate: Candidate) -> Entry:
    """Accept a candidate as follow-up of the entry it surely continues: adds the citation."""
    _check_editor(actor)
    candidate = _pending(candidate)
    if not candidate.match_ref:
        raise ValidationError({"match": "no existing entry was found for this candidate"})
    entry = _entry_by_ref(actor, candidate.match_ref)
    _cite(actor, entry, [candidate.citation, *candidate.proposed.get("citations", [])])
    _close(candidate, actor, CandidateState.ACCEPTED, entry)
    return entry


@transaction.atomic
def merge_candidate(actor: Any, candidate: Candidate, ref: str) -> Entry:
    """Attach a candidate to an entry the reviewer names: adds this report's citation to it."""
    _check_editor(actor)
    candidate = _pending(candidate)
    entry = _entry_by_ref(actor, ref)
    _cite(actor, entry, [candidate.citation, *candidate.proposed.get("citations", [])])
    _close(candidate, actor, CandidateState.MERGED, entry)
    return entry


@transaction.atomic
def reject_candidate(actor: Any, candidate: Candidate) -> Candidate:
    """Set a candidate aside: nothing is written to the register."""
    _check_editor(actor)
    candidate = _pending(candidate)
    _close(candidate, actor, CandidateState.REJECTED, None)
    return candidate


def _entry_by_ref(actor: Any, ref: str) -> Entry:
    entry = entries_for_user(actor).filter(ref=(ref or "").strip()).first()
    if entry is None:
        raise ValidationError({"ref": f"no entry {ref!r} that you may open"})
    return entry


# --- Calendar feed tokens -----------------------------------------------------------------


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@transaction.atomic
def create_feed_token(user: Any) -> str:
    """A new secret calendar feed address for the user (any signed-in staff member), replacing
    any earlier one. Returns the secret, which is shown once and stored only as a hash."""
    revoke_feed_tokens(user)
    secret = secrets.token_urlsafe(32)
    token = CalendarFeedToken.objects.create(user=user, token_hash=_token_hash(secret))
    record_event("sgreport.feed_token_create", actor=user, obj=token)
    return secret


@transaction.atomic
def revoke_feed_tokens(user: Any) -> int:
    """Revoke the user's calendar feed addresses: calendar apps stop getting the feed."""
    tokens = list(CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True))
    for token in tokens:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_event("sgreport.feed_token_revoke", actor=user, obj=token)
    return len(tokens)


def feed_token_user(secret: str) -> Any:
    """The active user a feed secret belongs to, else None; notes when it was last used.
    For the subscribed feed view only."""
    if not secret or len(secret) > 200:
        return None
    token = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token_hash=_token_hash(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    CalendarFeedToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
