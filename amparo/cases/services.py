"""Every write to the register goes through here (STYLE.md): validated, atomic, audited."""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Length
from django.utils import timezone

from amparo.accounts.audit import record_event
from amparo.analytics.services import refresh_public_for
from amparo.cases.models import (
    Action,
    Citation,
    Consent,
    Engagement,
    Entry,
    EntryTerm,
    Evidence,
    Incident,
    NameToken,
    Subject,
)
from amparo.core import reference
from amparo.core.citations import CitationError, parse_citation
from amparo.core.reference import MULTI_VALUED
from amparo.security.keys import keyring

# Public coding fields an entry holds directly.
ENTRY_FIELDS = (
    "kind",
    "title",
    "summary",
    "country",
    "year",
    "status",
    "subject_kind",
    "gender",
    "published",
    "restricted",
)


def check_slug(vocabulary: str, value: str, field: str | None = None) -> None:
    """Raise ValidationError naming the field and the allowed values if value is not a slug."""
    allowed = reference.slugs(vocabulary)
    if value not in allowed:
        raise ValidationError(
            {field or vocabulary: f"{value!r} is not one of: {', '.join(allowed)}"}
        )


def validate_coding(data: dict[str, Any]) -> None:
    """Check single- and multi-valued slugs and the country of an entry's public coding."""
    check_slug("kind", data["kind"])
    for name, vocab in (
        ("status", "status"),
        ("subject_kind", "subject_kind"),
        ("gender", "gender"),
    ):
        if data.get(name):
            check_slug(vocab, data[name], name)
    if data["country"] not in reference.countries():
        raise ValidationError({"country": f"{data['country']!r} is not an ISO 3166-1 alpha-3 code"})
    for vocab in MULTI_VALUED:
        for slug in data.get(vocab, []) or []:
            check_slug(vocab, slug, vocab)


def next_ref() -> str:
    """A new stable reference, AMP-000001 onwards, never one already taken.

    Only refs of Amparo's own shape (AMP- and six ASCII digits) set the counter: an imported
    "AMP-9" or "AMP-x" sorts above them as text and must neither crash nor be reused.
    """
    own = (
        Entry.objects.filter(ref__gte="AMP-000000", ref__lte="AMP-999999")
        .annotate(length=Length("ref"))
        .filter(length=10)
        .order_by("-ref")
        .values_list("ref", flat=True)
    )
    number = 1
    for ref in own[:50]:
        digits = ref[4:]
        if digits.isascii() and digits.isdigit():
            number = int(digits) + 1
            break
    while Entry.objects.filter(ref=f"AMP-{number:06d}").exists():
        number += 1
    return f"AMP-{number:06d}"


@transaction.atomic
def open_entry(actor: Any, data: dict[str, Any], *, audit: bool = True) -> Entry:
    """Create an entry from validated public coding (+ optional notes and term lists)."""
    validate_coding(data)
    entry = Entry(
        ref=data.get("ref") or next_ref(), created_by=actor if getattr(actor, "pk", None) else None
    )
    _apply(entry, data)
    entry.save()
    set_terms(entry, {v: data.get(v, []) for v in MULTI_VALUED})
    if getattr(actor, "pk", None) and entry.restricted:
        entry.allowed_users.add(actor)
    if audit:
        record_event(
            "entry.create", actor=actor, obj=entry, fields=sorted(k for k in data if data[k])
        )
    return entry


@transaction.atomic
def update_entry(actor: Any, entry: Entry, data: dict[str, Any]) -> Entry:
    """Change an entry's coding; records which fields changed (never their values)."""
    held = entry.terms_by_vocabulary()
    terms = {v: held.get(v, []) for v in MULTI_VALUED}
    merged = {name: getattr(entry, name) for name in ENTRY_FIELDS} | {"notes": entry.notes}
    merged |= terms
    merged |= data
    validate_coding(merged)
    changed = [
        k
        for k, v in data.items()
        if (terms[k] if k in MULTI_VALUED else getattr(entry, k, None)) != v
    ]
    _apply(entry, merged)
    entry.updated_at = timezone.now()
    entry.save()
    set_terms(entry, {v: merged.get(v, []) for v in MULTI_VALUED if v in data})
    record_event("entry.change", actor=actor, obj=entry, fields=changed)
    return entry


def _apply(entry: Entry, data: dict[str, Any]) -> None:
    for name in ENTRY_FIELDS:
        if name in data and data[name] is not None:
            setattr(entry, name, data[name])
    if "notes" in data:
        entry.notes = data["notes"] or ""
    entry.region = data.get("region") or reference.countries()[entry.country].region


def set_terms(entry: Entry, terms: dict[str, Iterable[str]]) -> None:
    """Replace the entry's values for each vocabulary given (others are left alone).

    Also brings the entry's public counts up to date, for its terms and for the coding that
    open_entry and update_entry saved just before calling it (ADR 0011).
    """
    for vocabulary, slugs in terms.items():
        EntryTerm.objects.filter(entry=entry, vocabulary=vocabulary).delete()
        EntryTerm.objects.bulk_create(
            EntryTerm(entry=entry, vocabulary=vocabulary, slug=slug)
            for slug in dict.fromkeys(slugs)
        )
    refresh_public_for([entry.pk])


def fold_name(text: str) -> list[str]:
    """The words of a name, case- and accent-folded, split at hyphens and other punctuation."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return "".join(c if c.isalnum() else " " for c in folded).split()


def name_tokens(text: str) -> set[str]:
    """Words of a name, case- and accent-folded, hyphens and 'al-' style prefixes split."""
    words = fold_name(text)
    tokens = set(words)
    tokens |= {
        a + b for a, b in zip(words, words[1:], strict=False)
    }  # "al khawaja" finds "alkhawaja"
    return {t for t in tokens if len(t) > 1}


@transaction.atomic
def add_subject(actor: Any, entry: Entry, data: dict[str, Any]) -> Subject:
    """Add a person, group or organisation; indexes the name for staff search."""
    check_slug("subject_kind", data["kind"], "kind")
    if data.get("gender"):
        check_slug("gender", data["gender"], "gender")
    subject = Subject(
        entry=entry,
        kind=data["kind"],
        gender=data.get("gender", ""),
        name=data.get("name", ""),
        aliases=list(data.get("aliases") or []),
        contact=data.get("contact", ""),
        position=entry.subjects.count(),
    )
    subject.save()
    index_subject(subject)
    record_event("subject.create", actor=actor, obj=entry, fields=[k for k, v in data.items() if v])
    return subject


def index_subject(subject: Subject) -> None:
    """Rebuild the blind index of a subject's name and aliases."""
    NameToken.objects.filter(subject=subject).delete()
    ring = keyring()
    words = set()
    for text in [subject.name, *subject.aliases]:
        words |= name_tokens(text)
    NameToken.objects.bulk_create(
        NameToken(subject=subject, entry_id=subject.entry_id, token=ring.blind_index(w))
        for w in words
    )


@transaction.atomic
def record_consent(
    actor: Any, entry: Entry, data: dict[str, Any], *, source: str = "staff"
) -> Consent:
    """Record consent for one purpose (REFERENCE §5): it never implies another purpose."""
    consent = Consent(
        entry=entry,
        **_consent_values(entry, data),
        source=source,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    consent.save()
    refresh_public_for([entry.pk])
    record_event("consent.record", actor=actor, obj=entry, detail={"purpose": consent.purpose})
    return consent


@transaction.atomic
def withdraw_consent(
    actor: Any, consent: Consent, note: str = "", on: datetime.date | None = None
) -> Consent:
    """Withdraw consent; from now on nothing Amparo controls uses it for that purpose."""
    on = on or datetime.date.today()
    if consent.withdrawn_on is not None:
        raise ValidationError({"withdrawn_on": "this consent was already withdrawn"})
    if on < consent.given_on:
        raise ValidationError({"withdrawn_on": "the withdrawal date is before consent was given"})
    _check_not_future(on, "withdrawn_on")
    consent.withdrawn_on = on
    consent.withdrawal_note = note
    consent.save()
    refresh_public_for([consent.entry_id])
    record_event(
        "consent.withdraw", actor=actor, obj=consent.entry, detail={"purpose": consent.purpose}
    )
    return consent


def active_consent_purposes(entry: Entry) -> set[str]:
    """The purposes with consent recorded and not withdrawn."""
    return set(entry.consents.filter(withdrawn_on__isnull=True).values_list("purpose", flat=True))


# --- Sub-records edited from the staff pages -------------------------------------------------


def _check_slugs(vocabulary: str, values: Iterable[str], field: str) -> list[str]:
    values = list(dict.fromkeys(values or []))
    for value in values:
        check_slug(vocabulary, value, field)
    return values


def _check_period(start: datetime.date | None, end: datetime.date | None, field: str) -> None:
    if start and end and end < start:
        raise ValidationError({field: "the end date is before the start date"})


def _check_not_future(value: datetime.date | None, field: str) -> None:
    if isinstance(value, datetime.date) and value > datetime.date.today():
        raise ValidationError({field: f"{value.isoformat()} is in the future"})


def _filled(data: dict[str, Any]) -> list[str]:
    return sorted(k for k, v in data.items() if v not in (None, "", [], ()))


def _touch(entry: Entry) -> None:
    Entry.objects.filter(pk=entry.pk).update(updated_at=timezone.now())


@transaction.atomic
def update_subject(actor: Any, subject: Subject, data: dict[str, Any]) -> Subject:
    """Change a subject's kind, gender, name, aliases or contact; re-indexes the name."""
    kind = data.get("kind", subject.kind)
    check_slug("subject_kind", kind, "kind")
    if data.get("gender"):
        check_slug("gender", data["gender"], "gender")
    changed = [k for k, v in data.items() if getattr(subject, k, None) != v]
    subject.kind = kind
    subject.gender = data.get("gender", subject.gender) or ""
    subject.name = data.get("name", subject.name) or ""
    subject.aliases = list(data.get("aliases", subject.aliases) or [])
    subject.contact = data.get("contact", subject.contact) or ""
    subject.save()
    index_subject(subject)
    _touch(subject.entry)
    record_event("subject.change", actor=actor, obj=subject.entry, fields=changed)
    return subject


def _engagement_values(data: dict[str, Any]) -> dict[str, Any]:
    check_slug("body", data.get("body") or "", "body")
    if data.get("contact_point"):
        check_slug("contact_point", data["contact_point"], "contact_point")
    _check_not_future(data.get("date"), "date")
    return {
        "body": data["body"],
        "contact_point": data.get("contact_point") or "",
        "date": data.get("date"),
        "description": data.get("description") or "",
    }


def _add_part(actor: Any, entry: Entry, model: Any, values: dict[str, Any], data: dict[str, Any]):
    """Create one part of an entry (engagement, incident) and audit the names of its fields."""
    part = model.objects.create(entry=entry, **values)
    _touch(entry)
    record_event(f"{model._meta.model_name}.create", actor=actor, obj=entry, fields=_filled(data))
    return part


def _update_part(actor: Any, part: Any, values: dict[str, Any]):
    """Change one part of an entry; audits the names of the fields that changed."""
    changed = [k for k, v in values.items() if getattr(part, k) != v]
    for name, value in values.items():
        setattr(part, name, value)
    part.save()
    _touch(part.entry)
    record_event(f"{part._meta.model_name}.change", actor=actor, obj=part.entry, fields=changed)
    return part


@transaction.atomic
def add_engagement(actor: Any, entry: Entry, data: dict[str, Any]) -> Engagement:
    """Record a cooperation with a UN or regional body that preceded the reprisal."""
    return _add_part(actor, entry, Engagement, _engagement_values(data), data)


@transaction.atomic
def update_engagement(actor: Any, engagement: Engagement, data: dict[str, Any]) -> Engagement:
    """Change an engagement; records the names of the fields that changed."""
    return _update_part(actor, engagement, _engagement_values(data))


def _incident_values(data: dict[str, Any]) -> dict[str, Any]:
    _check_period(data.get("date"), data.get("date_end"), "date_end")
    _check_not_future(data.get("date"), "date")
    return {
        "date": data.get("date"),
        "date_end": data.get("date_end"),
        "place": data.get("place") or "",
        "reprisal_types": _check_slugs(
            "reprisal_type", data.get("reprisal_types"), "reprisal_types"
        ),
        "perpetrators": _check_slugs("perpetrator", data.get("perpetrators"), "perpetrators"),
        "description": data.get("description") or "",
    }


@transaction.atomic
def add_incident(actor: Any, entry: Entry, data: dict[str, Any]) -> Incident:
    """Record something done to the subject: when, where, what and by whom."""
    return _add_part(actor, entry, Incident, _incident_values(data), data)


@transaction.atomic
def update_incident(actor: Any, incident: Incident, data: dict[str, Any]) -> Incident:
    """Change an incident; records the names of the fields that changed."""
    return _update_part(actor, incident, _incident_values(data))


def _citation_values(entry: Entry, text: str, exclude: int | None = None) -> dict[str, Any]:
    try:
        parsed = parse_citation(text)
    except CitationError as exc:
        raise ValidationError({"citation": str(exc)}) from None
    values = {"symbol": parsed.symbol, "annex": parsed.annex, "paragraph": parsed.paragraph}
    if entry.citations.filter(**values).exclude(pk=exclude).exists():
        raise ValidationError({"citation": f"{parsed} is already cited on this entry"})
    return values


@transaction.atomic
def add_citation(actor: Any, entry: Entry, text: str) -> Citation:
    """Cite a UN document (`A/HRC/57/60 annex I para 45`); refuses text that is not a citation."""
    citation = Citation.objects.create(entry=entry, **_citation_values(entry, text))
    _touch(entry)
    record_event("citation.create", actor=actor, obj=entry, fields=["citation"])
    return citation


@transaction.atomic
def update_citation(actor: Any, citation: Citation, text: str) -> Citation:
    """Replace a citation by the one written in text."""
    values = _citation_values(citation.entry, text, exclude=citation.pk)
    for name, value in values.items():
        setattr(citation, name, value)
    citation.save()
    _touch(citation.entry)
    record_event("citation.change", actor=actor, obj=citation.entry, fields=["citation"])
    return citation


def _consent_values(entry: Entry, data: dict[str, Any]) -> dict[str, Any]:
    check_slug("consent_purpose", data.get("purpose") or "", "purpose")
    check_slug("consent_giver", data.get("given_by") or "", "given_by")
    check_slug("consent_method", data.get("method") or "", "method")
    _check_not_future(data.get("given_on"), "given_on")
    subject = data.get("subject")
    if subject is not None and subject.entry_id != entry.pk:
        raise ValidationError({"subject": "this subject belongs to another entry"})
    return {
        "subject": subject,
        "purpose": data["purpose"],
        "given_by": data["given_by"],
        "method": data["method"],
        "given_on": data.get("given_on") or datetime.date.today(),
        "limits": data.get("limits") or "",
    }


@transaction.atomic
def update_consent(actor: Any, consent: Consent, data: dict[str, Any]) -> Consent:
    """Correct a consent record (who, how, when, limits); withdrawal has its own service."""
    values = _consent_values(consent.entry, data)
    changed = [k for k, v in values.items() if getattr(consent, k) != v]
    for name, value in values.items():
        setattr(consent, name, value)
    consent.save()
    refresh_public_for([consent.entry_id])
    _touch(consent.entry)
    record_event(
        "consent.change",
        actor=actor,
        obj=consent.entry,
        fields=changed,
        detail={"purpose": consent.purpose},
    )
    return consent


def avenue_slugs() -> tuple[str, ...]:
    """The avenues of recourse an action may use (REFERENCE §3)."""
    return tuple(a["slug"] for a in reference.avenues())


def _action_values(data: dict[str, Any]) -> dict[str, Any]:
    avenue = data.get("avenue") or ""
    if avenue not in avenue_slugs():
        raise ValidationError({"avenue": f"{avenue!r} is not one of: {', '.join(avenue_slugs())}"})
    status = data.get("status") or "sent"
    check_slug("action_status", status, "status")
    if not data.get("taken_on"):
        raise ValidationError({"taken_on": "the date of the action is required"})
    _check_not_future(data["taken_on"], "taken_on")
    _check_period(data["taken_on"], data.get("replied_on"), "replied_on")
    return {
        "avenue": avenue,
        "taken_on": data["taken_on"],
        "reference": data.get("reference") or "",
        "status": status,
        "reply": data.get("reply") or "",
        "replied_on": data.get("replied_on"),
        "reminder_on": data.get("reminder_on"),
        "notes": data.get("notes") or "",
    }


@transaction.atomic
def add_action(actor: Any, entry: Entry, data: dict[str, Any]) -> Action:
    """Record a step taken through an avenue of recourse, and any reply."""
    action = Action.objects.create(
        entry=entry,
        created_by=actor if getattr(actor, "pk", None) else None,
        **_action_values(data),
    )
    _touch(entry)
    record_event("action.create", actor=actor, obj=entry, fields=_filled(data))
    return action


@transaction.atomic
def update_action(actor: Any, action: Action, data: dict[str, Any]) -> Action:
    """Change an action (typically to record the reply); records the changed field names."""
    values = _action_values(data)
    changed = [k for k, v in values.items() if getattr(action, k) != v]
    for name, value in values.items():
        setattr(action, name, value)
    action.save()
    _touch(action.entry)
    record_event("action.change", actor=actor, obj=action.entry, fields=changed)
    return action


@transaction.atomic
def set_allowed_users(actor: Any, entry: Entry, users: Iterable[Any]) -> None:
    """Name the staff who may open a restricted entry (callers check can_publish)."""
    wanted = {u.pk for u in users}
    current = set(entry.allowed_users.values_list("pk", flat=True))
    if wanted == current:
        return
    entry.allowed_users.set(wanted)
    record_event(
        "entry.access_change",
        actor=actor,
        obj=entry,
        fields=["allowed_users"],
        detail={"added": len(wanted - current), "removed": len(current - wanted)},
    )


def add_evidence(
    actor: Any, entry: Entry, upload: Any, *, description: str = "", kind: str = "document"
) -> Evidence:
    """Store an uploaded file encrypted, with its SHA-256 and a metadata-stripped shared copy.

    Refuses files over AMPARO_MAX_UPLOAD_BYTES, of a type not allowed (judged by content),
    archive bombs, and files the virus scanner flags or cannot check (AMPARO_CLAMD); nothing is
    stored when it refuses. The checks and the scan run before the transaction, so a slow
    scanner holds no database write lock (SQLite begins transactions IMMEDIATE).
    """
    from amparo.cases import evidence as files
    from amparo.security import antivirus

    if kind not in files.EVIDENCE_KINDS:
        raise ValidationError(
            {"kind": f"{kind!r} is not one of: {', '.join(files.EVIDENCE_KINDS)}"}
        )
    data = files.read_upload(upload)
    content_type = files.check_content(data)
    antivirus.scan_upload(data, "evidence")
    shared, removed = files.strip_metadata(data, content_type)
    item = Evidence(
        entry=entry,
        kind=kind,
        description=description or "",
        original_name=(getattr(upload, "name", "") or "")[:200],
        content_type=content_type,
        size=len(data),
        sha256=files.sha256(data),
        metadata_removed=removed,
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    written: list[str] = []
    try:
        with transaction.atomic():
            item.stored_path = files.store(data, files.aad(item, "original"))
            written.append(item.stored_path)
            if shared is not None:
                item.shared_path = files.store(shared, files.aad(item, "shared"))
                written.append(item.shared_path)
            item.save()
            _touch(entry)
            record_event(
                "evidence.create",
                actor=actor,
                obj=entry,
                fields=_filled({"file": True, "description": description, "kind": kind}),
                detail={
                    "content_type": content_type,
                    "size": len(data),
                    "shared_copy": bool(shared),
                },
            )
    except BaseException:
        for name in written:
            files.discard(name)
        raise
    return item


@transaction.atomic
def update_evidence(actor: Any, item: Evidence, data: dict[str, Any]) -> Evidence:
    """Change an evidence file's description or kind (the file itself never changes)."""
    from amparo.cases import evidence as files

    kind = data.get("kind", item.kind)
    if kind not in files.EVIDENCE_KINDS:
        raise ValidationError(
            {"kind": f"{kind!r} is not one of: {', '.join(files.EVIDENCE_KINDS)}"}
        )
    changed = [k for k in ("kind", "description") if k in data and getattr(item, k) != data[k]]
    item.kind = kind
    item.description = data.get("description", item.description) or ""
    item.save()
    _touch(item.entry)
    record_event("evidence.change", actor=actor, obj=item.entry, fields=changed)
    return item


RECORD_EVENT_NAMES = {
    Subject: "subject",
    Engagement: "engagement",
    Incident: "incident",
    Citation: "citation",
    Consent: "consent",
    Action: "action",
    Evidence: "evidence",
}


@transaction.atomic
def delete_record(actor: Any, record: Any) -> None:
    """Delete a sub-record of an entry (after the staff member confirmed); files go on commit."""
    from amparo.cases import evidence as files

    entry = record.entry
    name = RECORD_EVENT_NAMES[type(record)]
    paths = [
        p for p in (getattr(record, "stored_path", ""), getattr(record, "shared_path", "")) if p
    ]
    record.delete()
    if isinstance(record, Consent):
        refresh_public_for([entry.pk])
    _touch(entry)
    record_event(f"{name}.delete", actor=actor, obj=entry)
    for path in paths:
        transaction.on_commit(lambda path=path: files.discard(path))
