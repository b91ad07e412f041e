"""Every write of the Reprisals Report tracker: registry, import, review. Nothing unreviewed
enters the register: candidates become entries or citations only through accept/merge."""

from __future__ import annotations

import datetime
import json
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
from amparo.core.citations import CitationError, format_citation, parse_citation
from amparo.core.sgreport import Extraction, country_name, extract
from amparo.sgreports.matching import find_match
from amparo.sgreports.models import (
    BatchState,
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
    "note",
)


def registry_rows() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The shipped registry file: (its header, the report rows that have a symbol)."""
    data = json.loads(REGISTRY_FILE.read_text(encoding="utf-8"))
    return data, [r for r in data["reports"] if r.get("symbol")]


def load_registry(report_model: Any = Report) -> int:
    """Add the shipped reports missing from the database (edits made there are kept)."""
    header, rows = registry_rows()
    verified = datetime.date.fromisoformat(header["last_verified"])
    added = 0
    for row in rows:
        values = {k: row.get(k) for k in REGISTRY_FIELDS}
        for key in values:
            if key.startswith(("reporting_", "call_", "interactive_")) and values[key]:
                values[key] = datetime.date.fromisoformat(values[key])
        values["note"] = values["note"] or ""
        _, created = report_model.objects.get_or_create(
            symbol=row["symbol"],
            defaults={**values, "source": header["source"], "last_verified": verified},
        )
        added += created
    return added


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
def start_import(actor: Any, symbol: str, text: str) -> ImportBatch:
    """Record a report upload as a queued batch (staff who can edit; CLI). Run it with
    run_import, or enqueue amparo.sgreports.tasks.import_report after commit."""
    report = registered_report(symbol)
    if not text.strip():
        raise ValidationError({"file": "the file holds no text"})
    batch = ImportBatch.objects.create(
        report=report, text=text, created_by=actor if getattr(actor, "pk", None) else None
    )
    record_event("sgreport.import_start", actor=actor, obj=batch, detail={"symbol": report.symbol})
    return batch


def candidate_values(extraction: Extraction, symbol: str) -> dict[str, Any]:
    """The JSON of one candidate as `amparo sgreport import --json` prints it."""
    match = find_match(extraction, symbol)
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


def dry_run(
    symbol: str, text: str, progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """The candidates a report would yield, without writing anything (CLI --dry-run)."""
    symbol = check_symbol(symbol)
    candidates = [candidate_values(x, symbol) for x in extract(text, symbol, progress)]
    return {"symbol": symbol, "candidates": candidates}


def run_import(batch_id: Any) -> ImportBatch:
    """Read a queued batch's report into pending candidates, recording progress as it goes.

    Called by the task (or directly by the CLI). A failure marks the batch failed with a
    message and leaves no candidate behind.
    """
    batch = ImportBatch.objects.select_related("report").get(pk=batch_id)
    if batch.state not in (BatchState.QUEUED, BatchState.FAILED):
        return batch
    ImportBatch.objects.filter(pk=batch.pk).update(state=BatchState.RUNNING, done=0, error="")
    symbol = batch.report.symbol
    step = {"next": 0}

    def progress(done: int, total: int) -> None:
        if done >= step["next"] or done == total:
            ImportBatch.objects.filter(pk=batch.pk).update(done=done, total=total)
            step["next"] = done + max(1, total // 20)

    try:
        extractions = extract(batch.text, symbol, progress)
        with transaction.atomic():
            for x in extractions:
                _save_candidate(batch, x, symbol)
            ImportBatch.objects.filter(pk=batch.pk).update(
                state=BatchState.DONE,
                done=len(extractions),
                total=len(extractions),
                finished_at=timezone.now(),
            )
    except Exception as exc:  # the batch page must say what happened, never a 500
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=BatchState.FAILED, error=f"the report could not be read ({type(exc).__name__})"
        )
    batch.refresh_from_db()
    record_event(
        "sgreport.import_finish",
        obj=batch,
        detail={"state": batch.state, "candidates": batch.candidates.count()},
    )
    return batch


def _save_candidate(batch: ImportBatch, x: Extraction, symbol: str) -> Candidate:
    match = find_match(x, symbol)
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


def follow_up_draft(entry: Entry, citations: list[Any]) -> str:
    """A plain-text follow-up for OHCHR naming the case by symbol and paragraph (HB §3.5.3).

    Names no one: the reviewer adds what the person consented to share.
    """
    cited = "; ".join(format_citation(c.symbol, c.annex, c.paragraph) for c in citations)
    return (
        "To: ohchr-reprisals@un.org\n"
        f"Subject: Follow-up information on a case in {country_name(entry.country)} ({cited})\n\n"
        f"This is follow-up information on the case reported in {cited}.\n\n"
        "Developments since the last report:\n\n"
        "Steps taken or not taken by the authorities:\n\n"
        "Consent to include this information in the report:\n"
    )
