"""Staff pages of the Reprisals Report tracker: thin views over queries and services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amparo.accounts.audit import record_event
from amparo.cases.access import get_entry_for_user
from amparo.core.sgreport import (
    ReportFormatError,
    country_name,
    decode_text,
    is_pdf,
    pdf_page_count,
)
from amparo.security import antivirus
from amparo.sgreports import queries, services
from amparo.sgreports.calendar import calendar
from amparo.sgreports.failures import failure_text
from amparo.sgreports.forms import AcceptForm, MergeForm, UploadForm
from amparo.sgreports.models import Candidate, ImportBatch, Report
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
        symbol = form.cleaned_data["report"].symbol
        try:
            data = upload_file.read()
            antivirus.scan_upload(data, "report")
            if is_pdf(data):
                pdf_page_count(data)  # refuse an unreadable PDF now; the task reads its pages
                batch = services.start_import(request.user, symbol, pdf=data)
            else:
                batch = services.start_import(
                    request.user, symbol, decode_text(data, upload_file.name)
                )
        except ReportFormatError as exc:
            form.add_error("file", failure_text(str(exc)))
        except ValidationError as exc:
            if detail := antivirus.audit_detail(exc):  # on the file field, audited (ASVS 16.3.3)
                form.add_error(None, exc)
                record_event(
                    "sgreport.import_refused",
                    actor=request.user,
                    fields=["file"],
                    detail=detail | {"symbol": symbol},
                )
            else:
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
    working = batch.working
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
            "failure": failure_text(batch.error) if batch.error else "",
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
    status = 200
    if request.method == "POST":
        status = 400  # unless the review goes through: the page comes back with what failed
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
    else:
        # Audited when shown; a refused review re-shows what this GET already showed.
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
        status=status,
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
        # Refused (already reviewed, or the entry it continues is not one the user may open):
        # nothing written, and the reason shown.
        return render(
            request,
            "sgreports/refused.html",
            {"candidate": candidate, "problems": _messages_of(exc)},
            status=400,
        )
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
def entry_reports(request: HttpRequest, uuid: str) -> HttpResponse:
    entry = get_entry_for_user(request.user, uuid)
    return render(
        request,
        "sgreports/entry_reports.html",
        {"entry": entry, "pairs": queries.report_citations(entry)},
    )


def _ics(user: object) -> HttpResponse:
    # Event titles in the instance's language: a calendar app sends no language of its own.
    with translation.override(settings.LANGUAGE_CODE):
        body = calendar(queries.calendar_events(user), timezone.now())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """The calendar as a download for the signed-in staff member."""
    response = _ics(request.user)
    response["Content-Disposition"] = 'attachment; filename="amparo-reprisals.ics"'
    return response


@require_GET
def calendar_subscribed_feed(request: HttpRequest) -> HttpResponse:
    """The calendar for a calendar app, by the user's secret address (no session, no cookie).

    It carries entry references, avenue slugs and report symbols only (queries.calendar_events).
    The secret travels in the query string, which Amparo's logs never record.
    """
    user = services.feed_token_user(request.GET.get("token", ""))
    if user is None:
        raise Http404
    response = _ics(user)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
    return response


@login_required
@require_http_methods(["GET", "POST"])
def calendar_subscription(request: HttpRequest) -> HttpResponse:
    """Create (shown once), replace or revoke the user's secret calendar feed address."""
    feed_url = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            secret = services.create_feed_token(request.user)
            base = request.build_absolute_uri(reverse("sgreports:calendar_subscribed"))
            feed_url = f"{base}?{urlencode({'token': secret})}"
        elif action == "revoke":
            services.revoke_feed_tokens(request.user)
            messages.success(request, _("Your calendar feed address was revoked."))
        else:
            raise Http404
    response = render(
        request,
        "sgreports/calendar_subscription.html",
        {"feed_url": feed_url, "token": queries.active_feed_token(request.user)},
    )
    response["Cache-Control"] = "no-store"
    return response
