"""The anonymous risk assessment (HB ch.2): a step per page, nothing stored on the server.

Why these views are ``csrf_exempt`` (docs/adr/0010-anonymous-assessment-state.md): Django's
CSRF defence needs a cookie, and an anonymous assessment must set none. CSRF protects a
victim's standing with the server (a session, a stored record) from requests forged by
another site. Here there is nothing to hijack: the views read no session and no user (but to
audit a refused state token for a signed-in staff member), write nothing anywhere, and act only on the encrypted, authenticated state token posted with the
form. A forged post can only make the victim's browser show a page computed from a state the
attacker already had, which a plain link could do too. The CSP's ``form-action 'self'`` still
keeps our own pages from posting elsewhere.

Answers arrive only in POST bodies (never in URLs) and are never logged.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amparo.accounts.audit import record_event
from amparo.assessments import forms, services, wizard
from amparo.assessments.access import get_assessment_for_user
from amparo.assessments.outputs import PdfUnavailable, plan_pdf
from amparo.assessments.queries import country_record
from amparo.assessments.state import (
    StateError,
    empty_state,
    lock_file,
    seal,
    unlock_file,
    unseal,
)
from amparo.cases.access import entries_for_user

logger = logging.getLogger(__name__)
QUICK_EXIT_URL = "https://www.wikipedia.org/"


def _language(request: HttpRequest, candidate: str | None) -> str:
    if candidate in wizard.LANGUAGE_CODES:
        return candidate
    return (translation.get_language_from_request(request) or "en")[:2]


def _render(
    request: HttpRequest,
    template: str,
    state: dict[str, Any] | None,
    context: dict[str, Any],
    status: int = 200,
    language: str | None = None,
) -> HttpResponse:
    """Render in the assessment's language, with a fresh state token."""
    language = state["lang"] if state else (language or _language(request, request.GET.get("lang")))
    with translation.override(language):
        context = {
            **context,
            "state_token": seal(state) if state else "",
            "language": language,
            "languages": [
                (code, translation.get_language_info(code)["name_local"])
                for code in wizard.LANGUAGE_CODES
            ],
        }
        response = render(request, template, context, status=status)
    response.headers["Content-Language"] = language
    return response


def _render_step(
    request: HttpRequest,
    step: str,
    state: dict[str, Any],
    form: Any = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    with translation.override(state["lang"]):
        if form is None:
            form = wizard.make_form(step, state)
        record = country_record(state["country"]) if step == "threats" else None
        context = wizard.page_context(step, state, record)
        if step == "threats":
            context.update(wizard.threat_choices(form, context["suggested"]))
        if step == "done":
            context["save_form"] = forms.SaveForm()
    context.update(
        {
            "step": step,
            "form": form,
            "steps": [(s, wizard.STEP_TITLES[s]) for s in wizard.STEPS],
            "step_number": wizard.STEPS.index(step) + 1,
            "step_count": len(wizard.STEPS),
            "state": state,
            **(extra or {}),
        }
    )
    return _render(request, f"assessments/step_{step}.html", state, context, status)


def _state_problem(request: HttpRequest, problem: str) -> HttpResponse:
    """400 for a state token that is tampered with, expired or unreadable (ASVS 16.3.3).

    Audited for a signed-in staff member; for an anonymous visitor only a log line without any
    value, so the wizard still writes no row for them.
    """
    if request.user.is_authenticated:
        record_event("assessment.state_refused", request=request, detail={"reason": "state"})
    else:
        logger.info("assessment: a state token was refused")
    return _render(request, "assessments/problem.html", None, {"problem": problem}, status=400)


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """The first step, in the language chosen with ?lang= or the browser's."""
    state = empty_state(_language(request, request.GET.get("lang")))
    return _render_step(request, "context", state)


def _limit(state: dict[str, Any]) -> int:
    reached = wizard.reached(state)
    return len(wizard.STEPS) - 1 if reached == "result" else wizard.STEPS.index(reached)


@csrf_exempt
@require_POST
def step(request: HttpRequest) -> HttpResponse:
    """Take one step's answers, then show the next, the previous or the same step."""
    try:
        state = wizard.clean_state(unseal(request.POST.get("state", "")))
    except StateError as exc:
        return _state_problem(request, str(exc))
    current = request.POST.get("step", "")
    if current not in wizard.STEPS or wizard.STEPS.index(current) > _limit(state):
        current = wizard.STEPS[_limit(state)]
    go = request.POST.get("go", "next")
    with translation.override(state["lang"]):
        form = wizard.make_form(current, state, data=request.POST)
        valid = form is None or form.is_valid()
        if valid and form is not None:
            wizard.apply(current, state, form.cleaned_data)
    index = wizard.STEPS.index(current)
    if go.startswith("lang-") and go[5:] in wizard.LANGUAGE_CODES:
        state["lang"] = go[5:]
        return _render_step(
            request, current, state, form=None if valid else _unchecked(current, form, state)
        )
    if go == "back":
        return _render_step(request, wizard.STEPS[max(index - 1, 0)], state)
    if not valid:
        return _render_step(request, current, state, form=form)
    target = min(index + 1, _limit(state))
    return _render_step(request, wizard.STEPS[target], state)


def _unchecked(step: str, posted: Any, state: dict[str, Any]) -> Any:
    """The posted answers in a fresh form of the state's language, not yet checked (no errors)."""
    with translation.override(state["lang"]):
        fresh = wizard.make_form(step, state)
        fresh.initial = {name: posted[name].value() for name in posted.fields}
    return fresh


@require_GET
def quick_exit(request: HttpRequest) -> HttpResponse:
    """Leave for a neutral site, telling it nothing about where the visitor came from."""
    response = HttpResponseRedirect(QUICK_EXIT_URL)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _state_from_post(request: HttpRequest) -> dict[str, Any]:
    return wizard.clean_state(unseal(request.POST.get("state", "")))


@csrf_exempt
@require_POST
def pdf(request: HttpRequest) -> HttpResponse:
    """The plan as a PDF (WeasyPrint, no resource fetched from anywhere)."""
    try:
        state = _state_from_post(request)
    except StateError as exc:
        return _state_problem(request, str(exc))
    with translation.override(state["lang"]):
        try:
            content = plan_pdf(state)
        except PdfUnavailable:
            return _render(request, "assessments/problem.html", state, {"problem": "pdf"}, 503)
    response = HttpResponse(content, content_type="application/pdf")
    response.headers["Content-Disposition"] = 'attachment; filename="amparo-safety-plan.pdf"'
    return response


@csrf_exempt
@require_POST
def save(request: HttpRequest) -> HttpResponse:
    """The plan as a file sealed with the user's passphrase, for them to keep."""
    try:
        state = _state_from_post(request)
    except StateError as exc:
        return _state_problem(request, str(exc))
    with translation.override(state["lang"]):
        form = forms.SaveForm(request.POST)
        valid = form.is_valid()
    if not valid:
        return _render_step(request, "done", state, extra={"save_form": form})
    blob = lock_file(state, form.cleaned_data["passphrase"])
    response = HttpResponse(blob, content_type="application/octet-stream")
    stamp = datetime.date.today().isoformat()
    response.headers["Content-Disposition"] = f'attachment; filename="amparo-plan-{stamp}.amparo"'
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def load(request: HttpRequest) -> HttpResponse:
    """Open a plan file the user kept, to review and update it."""
    language = _language(request, request.POST.get("lang") or request.GET.get("lang"))
    with translation.override(language):
        form = forms.LoadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            blob = form.cleaned_data["plan_file"].read()
            try:
                state = wizard.clean_state(unlock_file(blob, form.cleaned_data["passphrase"]))
            except StateError as exc:
                form.add_error(None, _load_message(str(exc)))
            else:
                return _render_step(request, wizard.reached(state), state)
    return _render(request, "assessments/load.html", None, {"form": form}, language=language)


def _load_message(problem: str) -> str:
    if problem == "passphrase":
        return _("This passphrase does not open the file (or the file was changed).")
    return _("This is not a plan file saved by Amparo.")


# --- Staff: keeping a finished assessment with an entry (encrypted, audited) ---------------


@require_POST
def attach(request: HttpRequest) -> HttpResponse:
    """Attach the posted assessment to an entry the signed-in staff member may edit.

    CSRF-protected like every staff form; the staff-session middleware has already required
    the second factor.
    """
    if not (request.user.is_authenticated and request.user.can_edit):
        raise PermissionDenied
    try:
        state = _state_from_post(request)
    except StateError as exc:
        return _state_problem(request, str(exc))
    reference = request.POST.get("entry_ref", "").strip()
    entry = entries_for_user(request.user).filter(ref=reference).first()
    problem = None
    if entry is None:
        problem = _("No entry with reference “%(ref)s” that you may edit.") % {"ref": reference}
    else:
        try:
            attached = services.attach_assessment(request.user, entry, state)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
        else:
            return redirect("assessments:attached", pk=attached.pk)
    return _render_step(request, "done", state, extra={"attach_error": problem}, status=400)


@require_GET
def attached(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """An attached assessment, for staff who may open its entry; each view is audited."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    assessment = get_assessment_for_user(request.user, pk)
    state = wizard.clean_state(assessment.data)
    record_event("assessment.view", request=request, obj=assessment.entry, fields=["assessment"])
    with translation.override(state["lang"]):
        context = wizard.page_context("done", state, None)
    context.update({"state": state, "assessment": assessment})
    return render(request, "assessments/attached.html", context)
