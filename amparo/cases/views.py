"""Staff pages of the case register: thin views over queries, services and access."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from amparo.accounts.audit import record_event
from amparo.cases import evidence as files
from amparo.cases import queries, services
from amparo.cases.access import entries_for_user, get_entry_for_user
from amparo.cases.forms import (
    ActionForm,
    CitationForm,
    ConsentForm,
    EngagementForm,
    EntryForm,
    EvidenceForm,
    IncidentForm,
    SubjectForm,
    WithdrawConsentForm,
)
from amparo.cases.listing import SORT_LABELS, facet_panel, param_pairs, query_string
from amparo.cases.models import Entry
from amparo.core.crypto import DecryptionError
from amparo.core.reference import MULTI_VALUED
from amparo.security import antivirus

FACET_TITLES = {
    "country": gettext_lazy("Country"),
    "region": gettext_lazy("Region"),
    "year": gettext_lazy("Year"),
    "kind": gettext_lazy("Kind"),
    "status": gettext_lazy("Status"),
    "body": gettext_lazy("Body"),
    "reprisal_type": gettext_lazy("Reprisal type"),
    "theme": gettext_lazy("Theme"),
    "contact_point": gettext_lazy("Point of contact"),
    "perpetrator": gettext_lazy("Perpetrator"),
    "gender": gettext_lazy("Gender"),
}


@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    """The register: search, facets with counts, sortable paginated results."""
    labels = queries.Labels.load()
    entries = queries.filter_entries(
        entries_for_user(request.user),
        request.GET,
        names=request.user.can_see_confidential,
    )
    counts = queries.facet_counts(entries, labels)
    sort = request.GET.get("sort", queries.DEFAULT_SORT)
    sort = sort if sort in queries.SORTS else queries.DEFAULT_SORT
    page = Paginator(queries.sort_entries(entries, sort), queries.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    pairs = param_pairs(request)
    active = queries.active_filters(request.GET)
    facets, chips = facet_panel(pairs, counts, active, queries.FACETS, FACET_TITLES, labels)
    rows = [
        {
            "entry": e,
            "country": labels.of("country", e.country),
            "kind": labels.of("kind", e.kind),
            "status": labels.of("status", e.status),
        }
        for e in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "facets": facets,
        "chips": chips,
        "q": request.GET.get("q", ""),
        "sort": sort,
        "sorts": SORT_LABELS.items(),
        "hidden": [(k, v) for k, v in pairs if k not in ("q", "sort")],
        "clear_url": query_string([(k, v) for k, v in pairs if k in ("q", "sort")]) or "?",
        "page_url": (query_string(pairs) + "&") if pairs else "?",
    }
    return render(request, "cases/list.html", context)


@login_required
def entry_detail(request: HttpRequest, uuid: str) -> HttpResponse:
    """An entry's public coding and timeline; its confidential section only for those allowed."""
    entry = get_entry_for_user(request.user, uuid)
    prefetch_related_objects(
        [entry],
        "terms",
        "citations",
        "engagements",
        "incidents",
        "actions",
        "evidence",
        "subjects",
        "consents__subject",
    )
    labels = queries.Labels.load()
    confidential = request.user.can_see_confidential
    context: dict[str, Any] = {
        "entry": entry,
        "labels": labels,
        "country": labels.of("country", entry.country),
        "region": labels.of("region", entry.region),
        "kind": labels.of("kind", entry.kind),
        "status": labels.of("status", entry.status),
        "subject_kind": labels.of("subject_kind", entry.subject_kind) if entry.subject_kind else "",
        "gender": labels.of("gender", entry.gender) if entry.gender else "",
        "terms": [(FACET_TITLES[v], labels.many(v, entry.terms_of(v))) for v in MULTI_VALUED],
        "timeline": queries.entry_timeline(entry, labels),
        "needs_consent": queries.needs_publication_consent(entry),
        "show_confidential": confidential,
        "can_edit": request.user.can_edit,
        "subjects": [
            {
                "record": s,
                "kind": labels.of("subject_kind", s.kind),
                "gender": labels.of("gender", s.gender) if s.gender else "",
            }
            for s in entry.subjects.all()
        ],
        "engagements": [
            {
                "record": e,
                "body": labels.of("body", e.body),
                "contact_point": labels.of("contact_point", e.contact_point)
                if e.contact_point
                else "",
            }
            for e in entry.engagements.all()
        ],
        "incidents": [
            {
                "record": i,
                "reprisal_types": labels.many("reprisal_type", i.reprisal_types),
                "perpetrators": labels.many("perpetrator", i.perpetrators),
            }
            for i in entry.incidents.all()
        ],
        "consents": [
            {
                "record": c,
                "purpose": labels.of("consent_purpose", c.purpose),
                "given_by": labels.of("consent_giver", c.given_by),
                "method": labels.of("consent_method", c.method),
            }
            for c in entry.consents.all()
        ],
        "actions": [
            {
                "record": a,
                "avenue": dict(_avenues()).get(a.avenue, a.avenue),
                "status": labels.of("action_status", a.status),
            }
            for a in entry.actions.all()
        ],
    }
    if confidential:
        shown = _confidential_fields(entry)
        record_event(
            "entry.view_confidential", actor=request.user, obj=entry, fields=shown, request=request
        )
    return render(request, "cases/detail.html", context)


def _avenues() -> list[tuple[str, str]]:
    from amparo.cases.forms import avenue_choices

    return avenue_choices()


def _confidential_fields(entry: Entry) -> list[str]:
    """The names of the confidential fields the detail page shows for this entry."""
    shown = ["entry.notes"] if entry.notes else []
    groups = {
        "subject": (entry.subjects.all(), ("name", "aliases", "contact")),
        "engagement": (entry.engagements.all(), ("description",)),
        "incident": (entry.incidents.all(), ("place", "description")),
        "consent": (entry.consents.all(), ("limits", "withdrawal_note")),
        "action": (entry.actions.all(), ("reply", "notes")),
        "evidence": (entry.evidence.all(), ("description", "original_name")),
    }
    for prefix, (records, names) in groups.items():
        for name in names:
            if any(getattr(r, name) for r in records):
                shown.append(f"{prefix}.{name}")
    return shown


@login_required
@require_http_methods(["GET", "POST"])
def entry_create(request: HttpRequest) -> HttpResponse:
    """A new entry from the full coding form."""
    if not request.user.can_edit:
        raise PermissionDenied
    form = EntryForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.open_entry(request.user, form.entry_data())
            if "allowed_users" in form.cleaned_data:
                services.set_allowed_users(
                    request.user, entry, {*form.cleaned_data["allowed_users"], request.user}
                )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Entry %s created.") % entry.ref)
            _warn_if_off_portal(request, entry)
            return redirect("cases:detail", uuid=entry.uuid)
    return _entry_form(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, uuid: str) -> HttpResponse:
    """Change an entry's coding, notes, and (for those who may) publication and access."""
    entry = get_entry_for_user(request.user, uuid, change=True)
    form = EntryForm(request.POST or None, user=request.user, initial=EntryForm.initial_for(entry))
    if request.method == "POST" and form.is_valid():
        try:
            _save_entry(request, entry, form)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Entry %s saved.") % entry.ref)
            _warn_if_off_portal(request, entry)
            return redirect("cases:detail", uuid=entry.uuid)
    if request.method == "GET" and entry.notes:
        record_event(
            "entry.view_confidential",
            actor=request.user,
            obj=entry,
            fields=["entry.notes"],
            request=request,
        )
    return _entry_form(request, form, entry)


def _save_entry(request: HttpRequest, entry: Entry, form: EntryForm) -> None:
    from django.db import transaction

    with transaction.atomic():
        services.update_entry(request.user, entry, form.entry_data())
        if "allowed_users" in form.cleaned_data:
            services.set_allowed_users(request.user, entry, form.cleaned_data["allowed_users"])


def _entry_form(request: HttpRequest, form: EntryForm, entry: Entry | None) -> HttpResponse:
    groups = [
        (_("Public coding"), [form[n] for n in EntryForm.CODING]),
        (_("Classification"), [form[n] for n in MULTI_VALUED]),
        (_("Confidential"), [form["notes"]]),
    ]
    access = [form[n] for n in ("published", "restricted", "allowed_users") if n in form.fields]
    if access:
        groups.append((_("Publication and access"), access))
    title = _("Edit %s") % entry.ref if entry else _("New entry")
    return render(
        request,
        "cases/form.html",
        {"form": form, "groups": groups, "entry": entry, "title": title, "multipart": False},
        status=400 if form.errors else 200,
    )


def _warn_if_off_portal(request: HttpRequest, entry: Entry) -> None:
    if queries.needs_publication_consent(entry):
        messages.warning(
            request,
            _(
                "Entry %s is marked as published but stays off the public portal until consent "
                "to publish in the portal is recorded for it."
            )
            % entry.ref,
        )


# --- Sub-records: subjects, engagements, incidents, citations, consent, actions, evidence ----


@dataclass(frozen=True)
class RecordKind:
    related: str
    form: type
    add: Callable[..., Any]
    update: Callable[..., Any]
    title: Any
    confidential: tuple[str, ...] = ()
    multipart: bool = False


def _add_evidence(actor: Any, entry: Entry, data: dict[str, Any]) -> Any:
    return services.add_evidence(
        actor, entry, data.get("file"), description=data.get("description", ""), kind=data["kind"]
    )


RECORDS = {
    "subjects": RecordKind(
        "subjects",
        SubjectForm,
        services.add_subject,
        services.update_subject,
        gettext_lazy("person, group or organisation"),
        ("name", "aliases", "contact"),
    ),
    "engagements": RecordKind(
        "engagements",
        EngagementForm,
        services.add_engagement,
        services.update_engagement,
        gettext_lazy("engagement with a body"),
        ("description",),
    ),
    "incidents": RecordKind(
        "incidents",
        IncidentForm,
        services.add_incident,
        services.update_incident,
        gettext_lazy("incident"),
        ("place", "description"),
    ),
    "citations": RecordKind(
        "citations",
        CitationForm,
        lambda actor, entry, data: services.add_citation(actor, entry, data["citation"]),
        lambda actor, record, data: services.update_citation(actor, record, data["citation"]),
        gettext_lazy("citation"),
    ),
    "consents": RecordKind(
        "consents",
        ConsentForm,
        services.record_consent,
        services.update_consent,
        gettext_lazy("consent"),
        ("limits",),
    ),
    "actions": RecordKind(
        "actions",
        ActionForm,
        services.add_action,
        services.update_action,
        gettext_lazy("action"),
        ("reply", "notes"),
    ),
    "evidence": RecordKind(
        "evidence",
        EvidenceForm,
        _add_evidence,
        services.update_evidence,
        gettext_lazy("evidence file"),
        ("description",),
        multipart=True,
    ),
}


def _kind(name: str) -> RecordKind:
    try:
        return RECORDS[name]
    except KeyError:
        raise Http404 from None


def _record(entry: Entry, kind: RecordKind, pk: str) -> Model:
    try:
        return getattr(entry, kind.related).get(pk=pk)
    except (ValueError, ValidationError, getattr(entry, kind.related).model.DoesNotExist):
        raise Http404 from None


def _make_form(kind: RecordKind, request: HttpRequest, entry: Entry, **kwargs: Any) -> Any:
    if kind.form is ConsentForm:
        kwargs["entry"] = entry
    if request.method == "POST":
        return kind.form(request.POST, request.FILES or None, **kwargs)
    return kind.form(**kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def record_new(request: HttpRequest, uuid: str, kind: str) -> HttpResponse:
    """Add a sub-record to an entry."""
    entry = get_entry_for_user(request.user, uuid, change=True)
    spec = _kind(kind)
    form = _make_form(spec, request, entry)
    if request.method == "POST" and form.is_valid():
        try:
            spec.add(request.user, entry, form.record_data())
        except ValidationError as exc:
            form.add_service_errors(exc)
            if kind == "evidence":  # a refused upload is audited (ASVS 16.3.3), names only
                fields = sorted(getattr(exc, "message_dict", {}) or ["file"])
                detail = antivirus.audit_detail(exc)
                record_event(
                    "evidence.refused", actor=request.user, obj=entry, fields=fields, detail=detail
                )
        else:
            messages.success(request, _("Added: %s.") % spec.title)
            return redirect(reverse("cases:detail", kwargs={"uuid": entry.uuid}) + f"#{kind}")
    if kind == "consents" and form.subjects and request.method == "GET":
        _audit_view(request, entry, ["subject.name"])
    title = _("Add %(what)s to %(ref)s") % {"what": spec.title, "ref": entry.ref}
    return _record_form(request, form, entry, title, spec)


@login_required
@require_http_methods(["GET", "POST"])
def record_edit(request: HttpRequest, uuid: str, kind: str, pk: str) -> HttpResponse:
    """Change a sub-record of an entry."""
    entry = get_entry_for_user(request.user, uuid, change=True)
    spec = _kind(kind)
    record = _record(entry, spec, pk)
    extra = {"editing": True} if spec.form is EvidenceForm else {}
    form = _make_form(spec, request, entry, initial=spec.form.initial_for(record), **extra)
    if request.method == "POST" and form.is_valid():
        try:
            spec.update(request.user, record, form.record_data())
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Saved: %s.") % spec.title)
            return redirect(reverse("cases:detail", kwargs={"uuid": entry.uuid}) + f"#{kind}")
    if request.method == "GET" and spec.confidential:
        _audit_view(request, entry, [f"{kind.rstrip('s')}.{n}" for n in spec.confidential])
    title = _("Edit %(what)s of %(ref)s") % {"what": spec.title, "ref": entry.ref}
    return _record_form(request, form, entry, title, spec)


def _audit_view(request: HttpRequest, entry: Entry, fields: list[str]) -> None:
    record_event(
        "entry.view_confidential", actor=request.user, obj=entry, fields=fields, request=request
    )


def _record_form(
    request: HttpRequest, form: Any, entry: Entry, title: str, spec: RecordKind
) -> HttpResponse:
    groups = [(None, list(form))]
    return render(
        request,
        "cases/form.html",
        {
            "form": form,
            "groups": groups,
            "entry": entry,
            "title": title,
            "multipart": spec.multipart,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_delete(request: HttpRequest, uuid: str, kind: str, pk: str) -> HttpResponse:
    """Ask for confirmation, then delete a sub-record."""
    entry = get_entry_for_user(request.user, uuid, change=True)
    spec = _kind(kind)
    record = _record(entry, spec, pk)
    if request.method == "POST":
        services.delete_record(request.user, record)
        messages.success(request, _("Deleted: %s.") % spec.title)
        return redirect(reverse("cases:detail", kwargs={"uuid": entry.uuid}) + f"#{kind}")
    cascades = kind == "subjects" and record.consents.exists()
    return render(
        request,
        "cases/confirm_delete.html",
        {"entry": entry, "what": spec.title, "cascades": cascades, "kind": kind},
    )


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, uuid: str, pk: str) -> HttpResponse:
    """Record that a consent was withdrawn, with a note."""
    entry = get_entry_for_user(request.user, uuid, change=True)
    consent = _record(entry, RECORDS["consents"], pk)
    if consent.withdrawn_on:
        messages.error(request, _("This consent was already withdrawn."))
        return redirect("cases:detail", uuid=entry.uuid)
    form = WithdrawConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_consent(
                request.user, consent, form.cleaned_data["note"], form.cleaned_data["withdrawn_on"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Consent withdrawn."))
            return redirect(reverse("cases:detail", kwargs={"uuid": entry.uuid}) + "#consents")
    labels = queries.Labels.load()
    title = _("Withdraw consent: %s") % labels.of("consent_purpose", consent.purpose)
    return render(
        request,
        "cases/form.html",
        {"form": form, "groups": [(None, list(form))], "entry": entry, "title": title},
        status=400 if form.errors else 200,
    )


@login_required
def evidence_download(request: HttpRequest, uuid: str, pk: str, variant: str) -> HttpResponse:
    """An evidence file decrypted on the fly, as an attachment; staff with the right only, audited."""
    return _download(request, uuid, pk, variant)


def _download(request: HttpRequest, uuid: str, pk: str, variant: str) -> HttpResponse:
    entry = get_entry_for_user(request.user, uuid)
    if not request.user.can_see_confidential:
        raise PermissionDenied
    item = _record(entry, RECORDS["evidence"], pk)
    path = item.shared_path if variant == "shared" else item.stored_path
    if variant not in ("original", "shared") or not path:
        raise Http404
    try:
        data = files.load(path, files.aad(item, variant))
    except (OSError, DecryptionError):
        raise Http404 from None
    record_event(
        "evidence.download",
        actor=request.user,
        obj=entry,
        fields=[f"evidence.{variant}"],
        detail={"evidence": str(item.pk)},
        request=request,
    )
    response = HttpResponse(data, content_type=files.download_type(item, variant))
    response["Content-Disposition"] = f'attachment; filename="{files.download_name(item, variant)}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
