"""Every write to the register goes through here (STYLE.md): validated, atomic, audited."""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from amparo.accounts.audit import record_event
from amparo.cases.models import Consent, Entry, EntryTerm, NameToken, Subject
from amparo.core import reference
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
    """A new stable reference, AMP-000001 onwards."""
    last = (
        Entry.objects.filter(ref__startswith="AMP-")
        .order_by("-ref")
        .values_list("ref", flat=True)
        .first()
    )
    number = int(last.split("-")[1]) + 1 if last and last.split("-")[1].isdigit() else 1
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
    merged = {name: getattr(entry, name) for name in ENTRY_FIELDS} | {"notes": entry.notes}
    merged |= {v: entry.terms_of(v) for v in MULTI_VALUED}
    merged |= data
    validate_coding(merged)
    changed = [
        k
        for k, v in data.items()
        if (entry.terms_of(k) if k in MULTI_VALUED else getattr(entry, k, None)) != v
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
    """Replace the entry's values for each vocabulary given (others are left alone)."""
    for vocabulary, slugs in terms.items():
        EntryTerm.objects.filter(entry=entry, vocabulary=vocabulary).delete()
        EntryTerm.objects.bulk_create(
            EntryTerm(entry=entry, vocabulary=vocabulary, slug=slug)
            for slug in dict.fromkeys(slugs)
        )


def name_tokens(text: str) -> set[str]:
    """Words of a name, case- and accent-folded, hyphens and 'al-' style prefixes split."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    words = "".join(c if c.isalnum() else " " for c in folded).split()
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
    check_slug("consent_purpose", data["purpose"], "purpose")
    check_slug("consent_giver", data["given_by"], "given_by")
    check_slug("consent_method", data["method"], "method")
    consent = Consent(
        entry=entry,
        subject=data.get("subject"),
        purpose=data["purpose"],
        given_by=data["given_by"],
        method=data["method"],
        given_on=data.get("given_on") or datetime.date.today(),
        limits=data.get("limits", ""),
        source=source,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    consent.save()
    record_event("consent.record", actor=actor, obj=entry, detail={"purpose": consent.purpose})
    return consent


@transaction.atomic
def withdraw_consent(
    actor: Any, consent: Consent, note: str = "", on: datetime.date | None = None
) -> Consent:
    """Withdraw consent; from now on nothing Amparo controls uses it for that purpose."""
    consent.withdrawn_on = on or datetime.date.today()
    consent.withdrawal_note = note
    consent.save()
    record_event(
        "consent.withdraw", actor=actor, obj=consent.entry, detail={"purpose": consent.purpose}
    )
    return consent


def active_consent_purposes(entry: Entry) -> set[str]:
    """The purposes with consent recorded and not withdrawn."""
    return set(entry.consents.filter(withdrawn_on__isnull=True).values_list("purpose", flat=True))
