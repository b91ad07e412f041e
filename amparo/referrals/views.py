"""The referral navigator, the support directory and the submission builder (issue 5).

The anonymous pages set no cookie and keep nothing: answers travel in POST bodies only (never
in URLs), are never logged, and are gone when the page is closed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amparo.accounts.audit import record_event
from amparo.cases.access import get_entry_for_user
from amparo.cases.models import Entry
from amparo.core import directory as directory_data
from amparo.core import reference
from amparo.core.referral import LANGUAGES, Answers, Item, parse_answers, route
from amparo.referrals import queries, services
from amparo.referrals.forms import DraftForm, NavigatorForm, RecordSentForm


def no_cookies(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Make sure the response sets no cookie (not even Django's CSRF cookie)."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
        for name in list(response.cookies):
            del response.cookies[name]
        response.headers["Cache-Control"] = "no-store"
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _language(request: HttpRequest, candidate: str | None) -> str:
    if candidate in LANGUAGES:
        return candidate
    return (translation.get_language_from_request(request) or "en")[:2]


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], language: str, status: int = 200
) -> HttpResponse:
    with translation.override(language):
        languages = [(c, translation.get_language_info(c)["name_local"]) for c in LANGUAGES]
        response = render(
            request,
            template,
            {**context, "language": language, "languages": languages},
            status=status,
        )
    response.headers["Content-Language"] = language
    return response


@require_GET
@no_cookies
def navigator(request: HttpRequest) -> HttpResponse:
    """The navigator's questions; the language comes from ?lang= or the browser."""
    language = _language(request, request.GET.get("lang"))
    with translation.override(language):
        form = NavigatorForm(language=language, initial={"language": language})
    return _render(request, "referrals/navigator.html", {"form": form}, language)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@no_cookies
def results(request: HttpRequest) -> HttpResponse:
    """The avenues that apply to the posted answers, most useful first.

    csrf_exempt, on purpose: Django's CSRF defence needs a cookie, and this anonymous page must
    set none. There is nothing to forge here: no session is read, no user is involved, nothing
    is written, and the POST only computes a read-only answer from the posted fields. A forged
    post can only show the visitor a page computed from answers the attacker chose, which a link
    could do as well. The CSP's form-action 'self' keeps our own forms posting here only.
    """
    if request.method == "GET":
        return redirect("referrals:navigator")
    language = _language(request, request.POST.get("language"))
    with translation.override(language):
        form = NavigatorForm(request.POST, language=language)
        valid = form.is_valid()
    if not valid:
        return _render(request, "referrals/navigator.html", {"form": form}, language, status=400)
    routing = _route(form.answers, language)
    context = {"hidden_answers": _hidden(form.answers), **_view_routing(routing, language)}
    return _render(request, "referrals/results.html", context, language)


def _route(answers: Answers, language: str) -> Any:
    """Route with the administrators' avenues and treaty acceptance records."""
    return route(
        answers,
        queries.avenue_data(),
        language=language,
        acceptances=queries.treaty_acceptances(answers.country),
    )


def _hidden(answers: Answers) -> list[tuple[str, str]]:
    """The answers as (name, value) pairs for hidden inputs, so they travel with the next form."""
    pairs: list[tuple[str, str]] = []
    for name, value in answers.as_input().items():
        if isinstance(value, list):
            pairs += [(name, v) for v in value]
        elif isinstance(value, bool):
            if value:
                pairs.append((name, "on"))
        elif value:
            pairs.append((name, str(value)))
    return pairs


def _view_avenue(rec: Any) -> dict[str, Any]:
    """A recommendation with its messages translated (call inside the page's language)."""
    language = (translation.get_language() or "en")[:2]
    return {
        "rec": rec,
        "body_label": reference.label("body", rec.body, language) if rec.body else "",
        "notes": [n.render(_) for n in rec.notes],
        "conditions": _view_conditions(rec.conditions),
    }


def _view_conditions(conditions: Any) -> list[dict[str, str]]:
    """Conditions with their status and what it rests on, translated (inside the language)."""
    return [
        {"text": c.full_text(_), "status": c.status, "note": c.note.render(_) if c.note else ""}
        for c in conditions
    ]


def _view_routing(routing: Any, language: str) -> dict[str, Any]:
    with translation.override(language):
        return {
            "avenues": [_view_avenue(r) for r in routing.avenues],
            "warnings": [w.render(_) for w in routing.warnings],
        }


def _answers_from_post(request: HttpRequest, language: str) -> Answers | None:
    form = NavigatorForm(request.POST, language=language)
    return form.answers if form.is_valid() else None


@csrf_exempt
@require_POST
@no_cookies
def draft(request: HttpRequest) -> HttpResponse:
    """An anonymous draft for one avenue, built from the posted answers and text.

    csrf_exempt for the same reason as `results`: no cookie, no session, nothing stored; the POST
    only computes a draft from the posted fields and returns it.
    """
    language = _language(request, request.POST.get("language"))
    with translation.override(language):
        answers = _answers_from_post(request, language)
        if answers is None:
            return _problem(request, _("The answers sent with this form are not valid."), language)
        try:
            built, form = _build_anonymous(request, answers, language)
        except ValidationError as exc:
            return _problem(request, "; ".join(exc.messages), language)
    if "format" in request.POST and built is not None:
        return _download(built, request.POST["format"])
    with translation.override(language):
        conditions = _view_conditions(built.conditions) if built is not None else []
    context = {
        "form": form,
        "draft": built,
        "draft_conditions": conditions,
        "hidden_answers": _hidden(answers),
        "anonymous": True,
    }
    return _render(request, "referrals/draft.html", context, language)


def _build_anonymous(
    request: HttpRequest, answers: Answers, language: str
) -> tuple[Any, DraftForm]:
    avenue = request.POST.get("avenue", "")
    body = request.POST.get("body") or None
    preview = services.build_submission(avenue, language=language, answers=answers, body=body)
    form = DraftForm(request.POST, include=_items(preview))
    if not form.is_valid():
        return preview, form
    declared = (
        frozenset({"include_in_sg_report"})
        if form.cleaned_data["consent_confirmed"]
        else frozenset()
    )
    try:
        built = services.build_submission(
            avenue,
            language=form.cleaned_data["language"],
            answers=answers,
            body=body,
            parts=form.parts(),
            declared_consents=declared,
            mark_ready=form.cleaned_data["mark_ready"],
        )
    except services.SubmissionNotReady as exc:
        form.add_error("mark_ready", exc.messages[0])
        built = services.build_submission(
            avenue,
            language=form.cleaned_data["language"],
            answers=answers,
            body=body,
            parts=form.parts(),
            declared_consents=declared,
        )
    return built, form


def _items(draft: services.Draft) -> list[Item]:
    return [Item(s.slug, s.prompt) for s in draft.sections]


def _download(built: services.Draft, fmt: str) -> HttpResponse:
    name = f"amparo-{built.avenue}-{built.language}"
    if fmt == "eml":
        response = HttpResponse(built.as_eml(), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="{name}.eml"'
    elif fmt == "pdf":
        response = HttpResponse(built.as_pdf(), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    else:
        response = HttpResponse(built.as_text(), content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.txt"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _problem(request: HttpRequest, problem: str, language: str) -> HttpResponse:
    return _render(request, "referrals/problem.html", {"problem": problem}, language, status=400)


@require_GET
@no_cookies
def support_directory(request: HttpRequest) -> HttpResponse:
    """Diplomatic missions (HB §5.1) and NGOs (ch.6), filterable by need and kind."""
    language = _language(request, request.GET.get("lang"))
    need, kind = request.GET.get("need", ""), request.GET.get("kind", "")
    try:
        found = queries.support_directory(need=need, kind=kind)
    except ValueError as exc:
        with translation.override(language):
            return _problem(request, str(exc), language)
    data = directory_data.directory()
    context = {
        "found": found,
        "need": need,
        "kind": kind,
        "needs": [(n["slug"], n["label"].get(language) or n["label"]["en"]) for n in data["needs"]],
        "need_labels": {
            n["slug"]: n["label"].get(language) or n["label"]["en"] for n in data["needs"]
        },
        "audience_labels": {
            a["slug"]: a["label"].get(language) or a["label"]["en"] for a in data["audiences"]
        },
        "caution": data["missions"]["caution"].get(language) or data["missions"]["caution"]["en"],
        "mission_contact": data["missions"]["contact"].get(language)
        or data["missions"]["contact"]["en"],
        "note": data["note"].get(language) or data["note"]["en"],
        "source": data["source"],
        "last_verified": data["last_verified"],
    }
    return _render(request, "referrals/directory.html", context, language)


# --- Staff ----------------------------------------------------------------------------------


def _entry_answers(entry: Entry) -> Answers:
    """Route an entry as the navigator would, from its public coding and records."""
    types = sorted({t for i in entry.incidents.all() for t in i.reprisal_types})
    perpetrators = sorted({p for i in entry.incidents.all() for p in i.perpetrators})
    citation = entry.citations.order_by("-symbol", "-paragraph").first()
    raw = {
        "country": entry.country,
        "bodies": list(
            dict.fromkeys(entry.terms_of("body") + [e.body for e in entry.engagements.all()])
        ),
        "reprisal_types": list(dict.fromkeys(entry.terms_of("reprisal_type") + types)),
        "perpetrators": list(dict.fromkeys(entry.terms_of("perpetrator") + perpetrators)),
        "previous_citation": str(citation) if citation else None,
    }
    answers = parse_answers(raw)
    return Answers(**{**answers.__dict__, "consents": services.active_consents(entry)})


@login_required
@require_http_methods(["GET", "POST"])
def entry_draft(request: HttpRequest, uuid: str) -> HttpResponse:
    """Staff: the avenues for an entry, and a draft for one of them (verified staff only)."""
    entry = get_entry_for_user(request.user, uuid)
    language = _language(request, request.POST.get("language") or request.GET.get("lang"))
    answers = _entry_answers(entry)
    routing = _route(answers, language)
    avenue = request.POST.get("avenue") or request.GET.get("avenue") or ""
    context: dict[str, Any] = {"entry": entry, **_view_routing(routing, language)}
    if avenue:
        with translation.override(language):
            try:
                context |= _staff_draft(request, entry, answers, avenue, language)
            except ValidationError as exc:
                return _problem(request, "; ".join(exc.messages), language)
        if request.method == "POST" and "format" in request.POST and context.get("draft"):
            record_event_export(request, entry, context["draft"], request.POST["format"])
            return _download(context["draft"], request.POST["format"])
    return _render(request, "referrals/entry_draft.html", context, language)


def _staff_draft(
    request: HttpRequest, entry: Entry, answers: Answers, avenue: str, language: str
) -> dict[str, Any]:
    body = request.POST.get("body") or request.GET.get("body") or None
    preview = services.build_submission(
        avenue, language=language, answers=answers, body=body, entry=entry, user=request.user
    )
    if request.method != "POST":
        form = DraftForm(
            initial={"avenue": avenue, "body": body or "", "language": language},
            include=_items(preview),
        )
        return {
            "draft": preview,
            "draft_conditions": _view_conditions(preview.conditions),
            "form": form,
            "record_form": RecordSentForm(),
        }
    form = DraftForm(request.POST, include=_items(preview))
    built = preview
    if form.is_valid():
        try:
            built = services.build_submission(
                avenue,
                language=form.cleaned_data["language"],
                answers=answers,
                body=body,
                entry=entry,
                user=request.user,
                parts=form.parts(),
                mark_ready=form.cleaned_data["mark_ready"],
            )
        except services.SubmissionNotReady as exc:
            form.add_error("mark_ready", exc.messages[0])
    return {
        "draft": built,
        "draft_conditions": _view_conditions(built.conditions),
        "form": form,
        "record_form": RecordSentForm(),
    }


def record_event_export(
    request: HttpRequest, entry: Entry, built: services.Draft, fmt: str
) -> None:
    record_event(
        "submission.export",
        actor=request.user,
        obj=entry,
        detail={"avenue": built.avenue, "format": fmt},
    )


@login_required
@require_POST
def entry_record_sent(request: HttpRequest, uuid: str) -> HttpResponse:
    """Staff who may edit: record a sent submission as an action with a follow-up date."""
    entry = get_entry_for_user(request.user, uuid, change=True)
    form = RecordSentForm(request.POST)
    avenue = request.POST.get("avenue", "")
    if form.is_valid():
        try:
            services.record_submission_as_action(
                request.user,
                entry,
                avenue,
                taken_on=form.cleaned_data["taken_on"],
                reference_number=form.cleaned_data["reference"],
                reminder_on=form.cleaned_data["reminder_on"],
            )
        except ValidationError as exc:
            return _problem(request, "; ".join(exc.messages), _language(request, None))
        return HttpResponseRedirect(reverse("referrals:due") + "?recorded=1")
    problems = "; ".join(f"{name}: {' '.join(errs)}" for name, errs in form.errors.items())
    return _problem(request, problems, _language(request, None))


@login_required
@require_GET
def due(request: HttpRequest) -> HttpResponse:
    """Staff: actions whose follow-up date has come, on entries they may open."""
    actions = list(queries.actions_due(request.user))
    language = _language(request, request.GET.get("lang"))
    context = {
        "actions": actions,
        "today": datetime.date.today(),
        "recorded": "recorded" in request.GET,
    }
    return _render(request, "referrals/due.html", context, language)
