"""Staff pages of the Reprisals Report tracker: thin views over queries and services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from amparo.accounts.audit import record_event
from amparo.cases.access import get_entry_for_user
from amparo.core.sgreport import ReportFormatError, country_name, read_report
from amparo.sgreports import queries, services
from amparo.sgreports.calendar import calendar
from amparo.sgreports.forms import AcceptForm, MergeForm, UploadForm
from amparo.sgreports.models import BatchState, Candidate, ImportBatch, Report
from amparo.sgreports.tasks import import_report

REFRESH_SECONDS = 3


def _editor(request: HttpRequest) -> None:
    if not request.user.can_edit:
        raise PermissionDenied


def _messages_of(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [f"{field}: {m}" for field, items in error.message_dict.items() for m in items]
    return list(error.messages)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "sgreports/index.html",
        {
            "reports": Report.objects.all(),
            "batches": queries.batches_for_list() if request.user.can_edit else [],
        },
    )


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    _editor(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            text = read_report(upload_file.read(), upload_file.name)
            batch = services.start_import(request.user, form.cleaned_data["report"].symbol, text)
        except ReportFormatError as exc:
            form.add_error("file", str(exc))
        except ValidationError as exc:
            for message in _messages_of(exc):
                form.add_error(None, message)
        else:
            # Committed already (no ATOMIC_REQUESTS): a worker backend finds the batch.
            import_report.enqueue(str(batch.pk))
            return redirect("sgreports:batch", pk=batch.pk)
    return render(request, "sgreports/upload.html", {"form": form})


@login_required
def batch_detail(request: HttpRequest, pk: str) -> HttpResponse:
    _editor(request)
    batch = get_object_or_404(ImportBatch.objects.select_related("report"), pk=pk)
    working = batch.state in (BatchState.QUEUED, BatchState.RUNNING)
    candidates = [] if working else list(queries.batch_candidates(batch))
    show_names = request.user.can_see_confidential
    if candidates and show_names:
        record_event(
            "sgreport.candidates_view",
            actor=request.user,
            obj=batch,
            fields=["names", "text"],
            detail={"candidates": len(candidates)},
        )
    rows = [
        {
            "candidate": c,
            "country_name": country_name(c.country),
            "matches": queries.visible_matches(request.user, c),
        }
        for c in candidates
    ]
    return render(
        request,
        "sgreports/batch.html",
        {
            "batch": batch,
            "working": working,
            "refresh": REFRESH_SECONDS,
            "rows": rows,
            "show_names": show_names,
        },
    )


def _initial(candidate: Candidate) -> dict[str, object]:
    names = candidate.names or {}
    return {
        "kind": candidate.kind,
        "country": candidate.country,
        "title": services.default_title(candidate),
        "persons": "\n".join(names.get("persons", [])),
        "organisations": "\n".join(names.get("organisations", [])),
        "reprisal_types": candidate.slugs("reprisal_types"),
        "bodies": candidate.slugs("bodies"),
        "contact_points": candidate.slugs("contact_points"),
    }


@login_required
def candidate_detail(request: HttpRequest, pk: str) -> HttpResponse:
    _editor(request)
    candidate = get_object_or_404(Candidate.objects.select_related("batch__report"), pk=pk)
    accept_form = AcceptForm(initial=_initial(candidate))
    merge_form = MergeForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "accept":
                accept_form = AcceptForm(request.POST)
                if accept_form.is_valid():
                    entry = services.accept_candidate(
                        request.user, candidate, accept_form.cleaned_data
                    )
                    return _done(
                        request, candidate, _("Entry %(ref)s opened.") % {"ref": entry.ref}
                    )
            elif action == "merge":
                merge_form = MergeForm(request.POST)
                if merge_form.is_valid():
                    entry = services.merge_candidate(
                        request.user, candidate, merge_form.cleaned_data["ref"]
                    )
                    return _done(request, candidate, _("Cited on %(ref)s.") % {"ref": entry.ref})
            else:
                raise Http404
        except ValidationError as exc:
            for message in _messages_of(exc):
                messages.error(request, message)
    record_event("sgreport.candidate_view", actor=request.user, obj=candidate, fields=["names"])
    return render(
        request,
        "sgreports/candidate.html",
        {
            "candidate": candidate,
            "country_name": country_name(candidate.country),
            "matches": queries.visible_matches(request.user, candidate),
            "accept_form": accept_form,
            "merge_form": merge_form,
        },
    )


@login_required
@require_POST
def candidate_quick(request: HttpRequest, pk: str) -> HttpResponse:
    """Accept as proposed, accept as follow-up or reject, from the batch page."""
    _editor(request)
    candidate = get_object_or_404(Candidate.objects.select_related("batch__report"), pk=pk)
    action = request.POST.get("action")
    try:
        if action == "accept":
            entry = services.accept_candidate(request.user, candidate, {})
            message = _("Entry %(ref)s opened.") % {"ref": entry.ref}
        elif action == "follow_up":
            entry = services.accept_follow_up(request.user, candidate)
            message = _("Cited on %(ref)s.") % {"ref": entry.ref}
        elif action == "reject":
            services.reject_candidate(request.user, candidate)
            message = _("Candidate rejected; nothing was added to the register.")
        else:
            raise Http404
    except ValidationError as exc:
        for text in _messages_of(exc):
            messages.error(request, text)
        return redirect("sgreports:batch", pk=candidate.batch_id)
    return _done(request, candidate, message)


def _done(request: HttpRequest, candidate: Candidate, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect(f"{candidate.batch.get_absolute_url()}#c-{candidate.pk}")


@login_required
def follow_up(request: HttpRequest) -> HttpResponse:
    latest = queries.latest_report()
    rows = queries.entries_due_for_follow_up(request.user, latest)
    return render(request, "sgreports/follow_up.html", {"rows": rows, "latest": latest})


@login_required
def follow_up_draft(request: HttpRequest, uuid: str) -> HttpResponse:
    entry = get_entry_for_user(request.user, uuid)
    citations = [c for c, report in queries.report_citations(entry) if report is not None]
    return render(
        request,
        "sgreports/draft.html",
        {"entry": entry, "draft": services.follow_up_draft(entry, citations)},
    )


@login_required
def entry_reports(request: HttpRequest, uuid: str) -> HttpResponse:
    entry = get_entry_for_user(request.user, uuid)
    return render(
        request,
        "sgreports/entry_reports.html",
        {"entry": entry, "pairs": queries.report_citations(entry)},
    )


@login_required
def calendar_feed(request: HttpRequest) -> HttpResponse:
    events = queries.calendar_events(request.user)
    response = HttpResponse(
        calendar(events, timezone.now()), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="amparo-reprisals.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
