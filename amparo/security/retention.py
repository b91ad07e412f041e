"""Data retention (ASVS 5.0 14.2.7): what is erased, when, and how (docs/security/retention.md).

Only ``amparo retention`` calls this. ``plan`` reads and changes nothing; ``apply`` erases one
category at a time, each in its own transaction, then deletes the evidence files that category
released through the storage API once the transaction has committed. Every category selects by
content, not by a mark of an earlier run, so running it again finds nothing more to do.

Erasing an entry keeps what the NGO must keep (REFERENCE §5, HB §3.5.3): its public coding,
citations, the consent records (purpose, who, how, dates) and the actions (avenue, dates,
status, reference). It blanks identities, contacts, notes, descriptions, places, consent limits
and replies, removes the name search tokens, assessments and evidence files, and leaves a
dated notice in the entry's notes so staff see what happened.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from amparo.accounts.audit import record_event

Progress = Callable[[str], None]

# Statuses whose case work is over (vocabulary "status", HB §3.5.3). Open and follow-up-due
# entries are never touched, whatever their age.
FINISHED = ("closed", "resolved")
NOTICE = "[retention] Confidential data erased under the retention policy"
CHUNK = 500
ORPHAN_MIN_AGE = datetime.timedelta(days=1)  # an upload being saved right now is not an orphan
EVIDENCE_DIR = "evidence"


@dataclass(frozen=True)
class Policy:
    """The retention periods in force; 0 turns a rule on the register off."""

    closed_years: int = 0
    withdrawn_days: int = 0
    task_results_days: int = 14
    import_days: int = 90
    login_records_days: int = 90

    @classmethod
    def from_settings(cls) -> Policy:
        """The policy configured by the AMPARO_RETAIN_* variables."""
        return cls(
            closed_years=settings.AMPARO_RETAIN_CLOSED_YEARS,
            withdrawn_days=settings.AMPARO_RETAIN_WITHDRAWN_DAYS,
            task_results_days=settings.AMPARO_RETAIN_TASK_RESULTS_DAYS,
            import_days=settings.AMPARO_RETAIN_IMPORT_DAYS,
            login_records_days=settings.AMPARO_RETAIN_LOGIN_RECORDS_DAYS,
        )


@dataclass
class Finding:
    """What one category holds that is due (dry run) or was erased (apply): counts and refs."""

    category: str
    description: str
    enabled: bool = True
    counts: dict[str, int] = field(default_factory=dict)
    refs: list[str] = field(default_factory=list)
    files_failed: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class RetentionError(Exception):
    """A retention run could not finish; the message says what and where."""


# --- Categories --------------------------------------------------------------------------------


def categories(policy: Policy) -> list[tuple[str, str, bool]]:
    """(name, description, enabled) of every category, in the order they run."""
    return [
        (
            "closed_entries",
            f"confidential data of entries closed or resolved and unchanged for "
            f"{policy.closed_years} year(s) (AMPARO_RETAIN_CLOSED_YEARS)"
            if policy.closed_years
            else "closed entries: off (AMPARO_RETAIN_CLOSED_YEARS=0)",
            policy.closed_years > 0,
        ),
        (
            "withdrawn_entries",
            f"confidential data of closed or resolved entries whose every consent was "
            f"withdrawn over {policy.withdrawn_days} days ago (AMPARO_RETAIN_WITHDRAWN_DAYS)"
            if policy.withdrawn_days
            else "entries with all consent withdrawn: off (AMPARO_RETAIN_WITHDRAWN_DAYS=0)",
            policy.withdrawn_days > 0,
        ),
        (
            "import_batches",
            f"report text and candidates' names and paragraphs of import batches reviewed over "
            f"{policy.import_days} days ago (AMPARO_RETAIN_IMPORT_DAYS)",
            True,
        ),
        ("sessions", "expired sign-in sessions", True),
        (
            "task_results",
            f"background task results finished over {policy.task_results_days} days ago "
            "(AMPARO_RETAIN_TASK_RESULTS_DAYS)",
            True,
        ),
        (
            "login_records",
            f"sign-in records (address, user agent) over {policy.login_records_days} days old "
            "(AMPARO_RETAIN_LOGIN_RECORDS_DAYS)",
            True,
        ),
        ("orphan_files", "stored evidence files no evidence record refers to", True),
    ]


def plan(policy: Policy, now: datetime.datetime | None = None) -> list[Finding]:
    """What each category would erase now; changes nothing (the command's dry run)."""
    now = now or timezone.now()
    findings = []
    claimed: set[int] = set()
    for name, description, enabled in categories(policy):
        finding = Finding(name, description, enabled)
        if enabled:
            _PLANNERS[name](policy, now, finding, claimed)
        findings.append(finding)
    return findings


def apply(
    policy: Policy, now: datetime.datetime | None = None, progress: Progress | None = None
) -> list[Finding]:
    """Erase every category due, one transaction each, auditing counts (never values).

    Evidence files are deleted after their category's transaction commits; a file that cannot be
    deleted is counted in ``files_failed`` and removed by a later run as an orphan file.
    """
    now = now or timezone.now()
    say = progress or (lambda _message: None)
    findings = []
    with _secure_delete():
        for name, description, enabled in categories(policy):
            finding = Finding(name, description, enabled)
            if enabled:
                say(f"{name}: looking for data due")
                released: list[str] = []
                with transaction.atomic():
                    _APPLIERS[name](policy, now, finding, released, say)
                    if finding.total:
                        record_event(
                            f"retention.{name}", object_type="retention", detail=finding.counts
                        )
                finding.files_failed = _discard_files(released, say)
                say(f"{name}: erased {counts_text(finding.counts)}")
            findings.append(finding)
    return findings


# --- Entries -----------------------------------------------------------------------------------


def _finished_entries(now: datetime.datetime) -> QuerySet:
    from amparo.cases.models import Action, Entry

    planned = Action.objects.filter(entry=OuterRef("pk"), reminder_on__gte=now.date())
    # A follow-up still planned on a finished entry means the work is not over yet.
    return Entry.objects.filter(status__in=FINISHED).exclude(Exists(planned))


def _closed_due(policy: Policy, now: datetime.datetime) -> QuerySet:
    return _finished_entries(now).filter(updated_at__lte=_years_before(now, policy.closed_years))


def _withdrawn_due(policy: Policy, now: datetime.datetime) -> QuerySet:
    from amparo.cases.models import Consent

    consents = Consent.objects.filter(entry=OuterRef("pk"))
    cutoff = now.date() - datetime.timedelta(days=policy.withdrawn_days)
    # Every consent withdrawn (and at least one recorded), the last withdrawal long enough ago.
    # A subquery, not an aggregate: the rows can then be locked (select_for_update).
    last = consents.order_by("-withdrawn_on").values("withdrawn_on")[:1]
    return (
        _finished_entries(now)
        .filter(Exists(consents))
        .exclude(Exists(consents.filter(withdrawn_on__isnull=True)))
        .alias(last_withdrawn=Subquery(last))
        .filter(last_withdrawn__lte=cutoff)
    )


def _years_before(now: datetime.datetime, years: int) -> datetime.datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def holding_confidential(entries: QuerySet) -> list[tuple[int, str]]:
    """(pk, ref) of these entries that still hold a confidential value, by reference."""
    from amparo.assessments.models import EntryAssessment
    from amparo.cases import models as m
    from amparo.sgreports.models import Candidate

    def has(model: Any, **blank: str) -> Exists:
        rows = model.objects.filter(entry=OuterRef("pk"))
        return Exists(rows.exclude(**blank) if blank else rows)

    held = Q(
        has(m.Subject, name="", aliases="", contact="")
        | has(m.NameToken)
        | has(m.Engagement, description="")
        | has(m.Incident, place="", description="")
        | has(m.Consent, limits="", withdrawal_note="")
        | has(m.Evidence)
        | has(m.Action, reply="", notes="")
        | has(EntryAssessment)
        | has(Candidate, names="", text="")
    )
    due = dict(entries.filter(held).order_by("ref").values_list("pk", "ref"))
    # Notes are encrypted: the database cannot tell our notice from staff notes.
    for entry in entries.exclude(pk__in=list(due)).exclude(notes="").only("pk", "uuid", "notes"):
        if not entry.notes.startswith(NOTICE):
            due[entry.pk] = entry.ref
    return sorted(due.items(), key=lambda item: item[1])


def entry_parts(ids: list[int]) -> dict[str, int]:
    """How many rows of each kind hold confidential data in these entries (counts only)."""
    from amparo.assessments.models import EntryAssessment
    from amparo.cases import models as m
    from amparo.sgreports.models import Candidate

    counts = {
        "entries": len(ids),
        "subjects": 0,
        "name_tokens": 0,
        "engagements": 0,
        "incidents": 0,
        "consents": 0,
        "actions": 0,
        "evidence": 0,
        "assessments": 0,
        "candidates": 0,
    }
    for chunk in _chunks(ids):
        counts["subjects"] += _count(m.Subject, chunk, name="", aliases="", contact="")
        counts["name_tokens"] += _count(m.NameToken, chunk)
        counts["engagements"] += _count(m.Engagement, chunk, description="")
        counts["incidents"] += _count(m.Incident, chunk, place="", description="")
        counts["consents"] += _count(m.Consent, chunk, limits="", withdrawal_note="")
        counts["actions"] += _count(m.Action, chunk, reply="", notes="")
        counts["evidence"] += _count(m.Evidence, chunk)
        counts["assessments"] += _count(EntryAssessment, chunk)
        counts["candidates"] += _count(Candidate, chunk, names="", text="")
    return counts


def _count(model: Any, ids: list[int], **blank: str) -> int:
    rows = model.objects.filter(entry_id__in=ids)
    return (rows.exclude(**blank) if blank else rows).count()


def erase_entries(
    ids: list[int], rule: str, today: datetime.date, progress: Progress
) -> tuple[dict[str, int], list[str]]:
    """Erase the confidential data of these entries; returns counts and the released files.

    Call inside a transaction; the caller deletes the released files once it has committed.
    """
    from amparo.analytics.services import refresh_public_for

    counts = entry_parts(ids)
    released: list[str] = []
    done = 0
    for chunk in _chunks(ids):
        released += _erase_chunk(chunk, rule, today)
        # The public coding is untouched; the stored publicness is checked all the same (ADR 0011).
        refresh_public_for(chunk)
        done += len(chunk)
        progress(f"{rule}: {done}/{len(ids)} entries")
    return counts, released


def _erase_chunk(ids: list[int], rule: str, today: datetime.date) -> list[str]:
    from amparo.assessments.models import EntryAssessment
    from amparo.cases import models as m
    from amparo.sgreports.models import Candidate

    m.Subject.objects.filter(entry_id__in=ids).update(name="", aliases="", contact="")
    m.NameToken.objects.filter(entry_id__in=ids).delete()
    m.Engagement.objects.filter(entry_id__in=ids).update(description="")
    m.Incident.objects.filter(entry_id__in=ids).update(place="", description="")
    m.Consent.objects.filter(entry_id__in=ids).update(limits="", withdrawal_note="")
    m.Action.objects.filter(entry_id__in=ids).update(reply="", notes="")
    Candidate.objects.filter(entry_id__in=ids).update(names="", text="")
    EntryAssessment.objects.filter(entry_id__in=ids).delete()
    evidence = m.Evidence.objects.filter(entry_id__in=ids)
    released = [p for pair in evidence.values_list("stored_path", "shared_path") for p in pair if p]
    evidence.delete()
    notice = f"{NOTICE} ({rule}) on {today.isoformat()}."
    for entry in m.Entry.objects.filter(pk__in=ids).only("pk", "uuid", "ref"):
        entry.notes = notice
        entry.save(update_fields=["notes"])
        record_event("entry.retention_erase", obj=entry, detail={"rule": rule})
    return released


def _plan_entries(due: QuerySet, finding: Finding, claimed: set[int]) -> None:
    rows = [(pk, ref) for pk, ref in holding_confidential(due) if pk not in claimed]
    claimed.update(pk for pk, _ in rows)
    finding.refs = [ref for _, ref in rows]
    finding.counts = entry_parts([pk for pk, _ in rows]) if rows else {}


def _apply_entries(
    due: QuerySet, rule: str, now: datetime.datetime, finding: Finding, released: list[str], say
) -> None:
    # Lock the entries first, so a case reopened meanwhile is read as reopened, or waits.
    list(due.select_for_update().values_list("pk", flat=True))
    rows = holding_confidential(due)
    if not rows:
        return
    finding.refs = [ref for _, ref in rows]
    say(f"{rule}: {len(rows)} entries due")
    finding.counts, files = erase_entries([pk for pk, _ in rows], rule, now.date(), say)
    released += files


# --- Housekeeping ------------------------------------------------------------------------------


def _import_batches_due(policy: Policy, now: datetime.datetime) -> QuerySet:
    from amparo.sgreports.models import BatchState, Candidate, CandidateState, ImportBatch

    pending = Candidate.objects.filter(batch=OuterRef("pk"), state=CandidateState.PENDING)
    held = Candidate.objects.filter(batch=OuterRef("pk")).exclude(names="", text="")
    cutoff = now - datetime.timedelta(days=policy.import_days)
    return (
        ImportBatch.objects.filter(state__in=[BatchState.DONE, BatchState.FAILED])
        .exclude(Exists(pending))
        .annotate(last=Coalesce(Max("candidates__reviewed_at"), "finished_at", "created_at"))
        .filter(last__lte=cutoff)
        .filter(~Q(text="") | ~Q(upload="") | Exists(held))
    )


def _import_counts(batch_ids: list[Any]) -> dict[str, int]:
    from amparo.sgreports.models import Candidate

    candidates = Candidate.objects.filter(batch_id__in=batch_ids).exclude(names="", text="")
    return {"batches": len(batch_ids), "candidates": candidates.count()} if batch_ids else {}


def _plan_import_batches(policy, now, finding, claimed) -> None:
    ids = list(_import_batches_due(policy, now).values_list("pk", flat=True))
    finding.counts = _import_counts(ids)


def _apply_import_batches(policy, now, finding, released, say) -> None:
    from amparo.sgreports.models import Candidate, ImportBatch

    ids = list(_import_batches_due(policy, now).values_list("pk", flat=True))
    finding.counts = _import_counts(ids)
    for chunk in _chunks(ids):
        ImportBatch.objects.filter(pk__in=chunk).update(text="", upload="")
        Candidate.objects.filter(batch_id__in=chunk).update(names="", text="")


def _expired_sessions(now: datetime.datetime) -> QuerySet:
    from django.contrib.sessions.models import Session

    return Session.objects.filter(expire_date__lt=now)


def _plan_sessions(policy, now, finding, claimed) -> None:
    finding.counts = _nonzero(sessions=_expired_sessions(now).count())


def _apply_sessions(policy, now, finding, released, say) -> None:
    finding.counts = _nonzero(sessions=_expired_sessions(now).count())
    # The session engine's own clean-up (what `clearsessions` runs).
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


def _finished_tasks(policy: Policy, now: datetime.datetime) -> QuerySet:
    from django_tasks_db.models import DBTaskResult

    cutoff = now - datetime.timedelta(days=policy.task_results_days)
    # What `prune_db_task_results --queue-name '*'` selects, for every backend.
    return DBTaskResult.objects.finished().filter(finished_at__lte=cutoff)


def _plan_task_results(policy, now, finding, claimed) -> None:
    finding.counts = _nonzero(task_results=_finished_tasks(policy, now).count())


def _apply_task_results(policy, now, finding, released, say) -> None:
    finding.counts = _nonzero(task_results=_finished_tasks(policy, now).delete()[0])


def _login_records(policy: Policy, now: datetime.datetime) -> dict[str, QuerySet]:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    cutoff = now - datetime.timedelta(days=policy.login_records_days)
    # A lockout still running is never lifted by retention.
    cooloff = datetime.timedelta(hours=float(settings.AXES_COOLOFF_TIME or 0))
    attempts_cutoff = min(cutoff, now - cooloff)
    return {
        "access_logs": AccessLog.objects.filter(attempt_time__lte=cutoff),
        "failure_logs": AccessFailureLog.objects.filter(attempt_time__lte=cutoff),
        "attempts": AccessAttempt.objects.filter(attempt_time__lte=attempts_cutoff),
    }


def _plan_login_records(policy, now, finding, claimed) -> None:
    finding.counts = _nonzero(**{k: q.count() for k, q in _login_records(policy, now).items()})


def _apply_login_records(policy, now, finding, released, say) -> None:
    counts = {}
    for name, rows in _login_records(policy, now).items():
        counts[name] = rows.count()
        rows.delete()
    finding.counts = _nonzero(**counts)


def orphan_files(now: datetime.datetime) -> list[str]:
    """Stored evidence files older than a day that no evidence record names."""
    from amparo.cases.models import Evidence

    try:
        _dirs, names = default_storage.listdir(EVIDENCE_DIR)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise RetentionError(f"cannot list the evidence files ({exc.__class__.__name__})") from None
    known = {p for pair in Evidence.objects.values_list("stored_path", "shared_path") for p in pair}
    orphans = []
    for name in sorted(names):
        path = f"{EVIDENCE_DIR}/{name}"
        if path not in known and _older_than(path, now - ORPHAN_MIN_AGE):
            orphans.append(path)
    return orphans


def _older_than(path: str, moment: datetime.datetime) -> bool:
    try:
        return default_storage.get_modified_time(path) <= moment
    except (NotImplementedError, OSError):
        return False  # without a date, a file might be an upload in progress: kept


def _plan_orphan_files(policy, now, finding, claimed) -> None:
    finding.counts = _nonzero(files=len(orphan_files(now)))


def _apply_orphan_files(policy, now, finding, released, say) -> None:
    orphans = orphan_files(now)
    finding.counts = _nonzero(files=len(orphans))
    released += orphans


_PLANNERS: dict[str, Callable[..., None]] = {
    "closed_entries": lambda p, n, f, c: _plan_entries(_closed_due(p, n), f, c),
    "withdrawn_entries": lambda p, n, f, c: _plan_entries(_withdrawn_due(p, n), f, c),
    "import_batches": _plan_import_batches,
    "sessions": _plan_sessions,
    "task_results": _plan_task_results,
    "login_records": _plan_login_records,
    "orphan_files": _plan_orphan_files,
}
_APPLIERS: dict[str, Callable[..., None]] = {
    "closed_entries": lambda p, n, f, r, s: _apply_entries(
        _closed_due(p, n), "closed_entries", n, f, r, s
    ),
    "withdrawn_entries": lambda p, n, f, r, s: _apply_entries(
        _withdrawn_due(p, n), "withdrawn_entries", n, f, r, s
    ),
    "import_batches": _apply_import_batches,
    "sessions": _apply_sessions,
    "task_results": _apply_task_results,
    "login_records": _apply_login_records,
    "orphan_files": _apply_orphan_files,
}


# --- Helpers -----------------------------------------------------------------------------------


def _discard_files(paths: list[str], say: Progress) -> int:
    """Delete stored files through the storage API; returns how many could not be deleted."""
    from amparo.cases import evidence as files

    failed = 0
    for number, path in enumerate(paths, 1):
        try:
            files.discard(path)
        except OSError:
            failed += 1
        if number % CHUNK == 0:
            say(f"files: {number}/{len(paths)} deleted")
    return failed


def _nonzero(**counts: int) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def _chunks(items: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


class _secure_delete:
    """On SQLite, overwrite freed space with zeros while erasing, and checkpoint the WAL after,
    so an erased ciphertext is gone from the database file, not only unreachable."""

    def __enter__(self) -> None:
        self.sqlite = connection.vendor == "sqlite"
        if self.sqlite:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA secure_delete = ON")

    def __exit__(self, *exc: object) -> None:
        if self.sqlite and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def counts_text(counts: dict[str, int]) -> str:
    """Counts as words for the command's output: "3 entries, 2 subjects" (or "nothing")."""
    return ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items()) or "nothing"


def refs_text(refs: Iterable[str], limit: int | None) -> str:
    """Entry references for the command's output, cut after limit with a count of the rest."""
    refs = list(refs)
    shown = refs if limit is None else refs[:limit]
    more = len(refs) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")
