"""Reads of the Reprisals Report tracker: registry, batches, follow-up, calendar."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from amparo.accounts.models import User
from amparo.cases.access import entries_for_user
from amparo.cases.models import Action, Citation, Entry
from amparo.core.citations import Citation as CoreCitation
from amparo.sgreports.models import (
    BatchState,
    CalendarFeedToken,
    Candidate,
    ImportBatch,
    Report,
)
from amparo.sgreports.services import registry_rows

CLOSED_STATUSES = ("resolved", "closed")


def latest_report() -> Report | None:
    """The newest report read into Amparo: a finished import, else the newest one cited."""
    imported = (
        Report.objects.filter(batches__state=BatchState.DONE).order_by("-year", "-symbol").first()
    )
    if imported is not None:
        return imported
    cited = Citation.objects.values("symbol")
    return Report.objects.filter(symbol__in=cited).order_by("-year", "-symbol").first()


@dataclass
class FollowUpRow:
    entry: Entry
    citations: list[Citation]

    @property
    def last(self) -> Citation:
        return self.citations[-1]


def entries_due_for_follow_up(user: User, latest: Report | None = None) -> list[FollowUpRow]:
    """Entries the user may open, cited in an earlier report, absent from the latest, not resolved
    or closed (HB §3.5.3), each with the report citations in date order. For any staff member."""
    latest = latest or latest_report()
    if latest is None:
        return []
    years = dict(Report.objects.values_list("symbol", "year"))
    earlier = [s for s, year in years.items() if year < latest.year]
    entries = (
        entries_for_user(user)
        .filter(citations__symbol__in=earlier)
        .exclude(citations__symbol=latest.symbol)
        .exclude(status__in=CLOSED_STATUSES)
        .distinct()
        .prefetch_related("citations")
        .order_by("country", "ref")
    )
    rows = []
    for entry in entries:
        cited = [c for c in entry.citations.all() if c.symbol in years]
        cited.sort(key=lambda c: (years[c.symbol], c.annex, c.paragraph or 0))
        rows.append(FollowUpRow(entry, cited))
    return rows


def last_report_citation(entry: Entry) -> CoreCitation | None:
    """The entry's citation in the latest registered Reprisals Report (by report year, then
    annex and paragraph), which a follow-up cites (HB §3.5.3); None when no report cites it.
    For any code holding an entry the caller may open (the submission builder uses it)."""
    years = dict(
        Report.objects.filter(symbol__in=entry.citations.values("symbol")).values_list(
            "symbol", "year"
        )
    )
    cited = [c for c in entry.citations.all() if c.symbol in years]
    if not cited:
        return None
    last = max(cited, key=lambda c: (years[c.symbol], c.annex, c.paragraph or 0))
    return CoreCitation(last.symbol, last.annex, last.paragraph)


def report_citations(entry: Entry) -> list[tuple[Citation, Report | None]]:
    """The citations of an entry, each with its registry report (None for other documents)."""
    reports = {
        r.symbol: r for r in Report.objects.filter(symbol__in=entry.citations.values("symbol"))
    }
    pairs = [(c, reports.get(c.symbol)) for c in entry.citations.all()]
    return sorted(pairs, key=lambda p: (p[1].year if p[1] else 0, str(p[0])))


def batches_for_list() -> QuerySet[ImportBatch]:
    """Recent import batches with their candidate counts by state."""
    return ImportBatch.objects.select_related("report", "created_by").annotate(
        pending=Count("candidates", filter=Q(candidates__state="pending")),
        reviewed=Count("candidates", filter=~Q(candidates__state="pending")),
    )[:50]


def batch_candidates(batch: ImportBatch) -> QuerySet[Candidate]:
    """A batch's candidates in report order."""
    return batch.candidates.select_related("entry", "batch__report").order_by("annex", "paragraph")


def visible_matches(user: User, candidate: Candidate) -> list[dict[str, Any]]:
    """The candidate's possible matches restricted to entries the user may open."""
    refs = [m["ref"] for m in candidate.possible_matches]
    allowed = dict(entries_for_user(user).filter(ref__in=refs).values_list("ref", "uuid"))
    return [
        m | {"uuid": allowed[m["ref"]]} for m in candidate.possible_matches if m["ref"] in allowed
    ]


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    day: datetime.date
    summary: str
    description: str = ""


def calendar_events(user: User, today: datetime.date | None = None) -> list[CalendarEvent]:
    """The yearly call for submissions (recorded date, else the usual mid-April, HB §3.5.1), the
    interactive dialogues recorded, and the reminder dates of the user's entries' actions.

    Titles are in the active language. Nothing confidential: entry references, avenue slugs and
    report symbols only, since a subscribed feed is fetched without a session. For any staff
    member (their own entries' reminders only).
    """
    today = today or datetime.date.today()
    header, _rows = registry_rows()
    usual = header["call_for_submissions_usual"]
    reports = list(Report.objects.order_by("year", "symbol"))
    first = min((r.year for r in reports), default=today.year)
    events = []
    for year in range(first, today.year + 2):
        recorded = [r for r in reports if r.year == year and r.call_for_submissions]
        events.append(_call_event(year, recorded[0] if recorded else None, usual))
    for report in reports:
        if report.interactive_dialogue:
            events.append(
                CalendarEvent(
                    f"sg-dialogue-{report.symbol.replace('/', '-')}@amparo",
                    report.interactive_dialogue,
                    _("HRC interactive dialogue on %(symbol)s") % {"symbol": report.symbol},
                )
            )
    actions = Action.objects.filter(
        entry__in=entries_for_user(user), reminder_on__isnull=False
    ).select_related("entry")
    for action in actions:
        events.append(
            CalendarEvent(
                f"action-{action.id}@amparo",
                action.reminder_on,
                _("Follow up %(ref)s (%(avenue)s)")
                % {"ref": action.entry.ref, "avenue": action.avenue},
            )
        )
    return sorted(events, key=lambda e: (e.day, e.uid))


def _call_event(year: int, report: Report | None, usual: dict[str, Any]) -> CalendarEvent:
    if report and report.call_for_submissions:
        day = report.call_for_submissions
        note = (
            _("date recorded in the registry")
            if report.verified
            else _("date recorded in the registry, not verified")
        )
    else:
        day = datetime.date(year, usual["month"], usual["day"])
        note = _("usual deadline (HB §3.5.1); check the call")
    return CalendarEvent(
        f"sg-call-{year}@amparo",
        day,
        _("Reprisals Report: call for submissions %(year)s") % {"year": year},
        _("Send new cases and follow-up to ohchr-reprisals@un.org (%(note)s).") % {"note": note},
    )


def active_feed_token(user: User) -> CalendarFeedToken | None:
    """The user's active calendar feed token, if any (for the subscription page)."""
    return user.calendar_feed_tokens.filter(revoked_at__isnull=True).first()
