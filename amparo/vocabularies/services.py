"""Loading the shipped reference data into the database."""

from __future__ import annotations

import datetime

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from amparo.core import reference
from amparo.vocabularies.models import Avenue, Country, Term, TreatyAcceptance


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


@transaction.atomic
def load_reference_data(overwrite: bool = False) -> dict[str, int]:
    """Create missing terms and countries from the shipped files; with overwrite, reset edits.

    Called by the data migration and by ``amparo load_reference``.
    """
    created = {"terms": 0, "countries": 0, "avenues": 0, "treaty_acceptances": 0}
    vocab_file = reference._load("vocabularies.json")
    for vocab_slug, vocab in reference.vocabularies().items():
        for position, term in enumerate(vocab["terms"]):
            values = {
                "label_en": term["label"]["en"],
                "label_fr": term["label"].get("fr") or term["label"]["en"],
                "label_es": term["label"].get("es") or term["label"]["en"],
                "position": position,
                "handbook_section": term.get("hb") or vocab.get("hb") or "",
                "source": vocab_file.get("source", ""),
                "last_verified": _date(vocab_file.get("last_verified")),
            }
            _upsert(
                Term,
                {"vocabulary": vocab_slug, "slug": term["slug"]},
                values,
                overwrite,
                created,
                "terms",
            )
    country_file = reference._load("countries.json")
    for country in reference.countries().values():
        values = {
            "alpha2": country.alpha2,
            "name_en": country.name["en"],
            "name_fr": country.name.get("fr") or country.name["en"],
            "name_es": country.name.get("es") or country.name["en"],
            "un_short_name": country.un_short_name,
            "aliases": list(country.aliases),
            "region": country.region,
            "memberships": list(country.memberships),
            "source": country_file.get("source", ""),
            "last_verified": _date(country_file.get("last_verified")),
        }
        _upsert(Country, {"code": country.code}, values, overwrite, created, "countries")
    avenue_file = reference._load("avenues.json")
    top_level = {
        "slug",
        "name",
        "body",
        "bodies",
        "to",
        "cc",
        "addresses_by_body",
        "hb",
        "source",
        "last_verified",
    }
    for avenue in reference.avenues():
        values = {
            "name_en": avenue["name"]["en"],
            "name_fr": avenue["name"].get("fr") or avenue["name"]["en"],
            "name_es": avenue["name"].get("es") or avenue["name"]["en"],
            "body": avenue.get("body") or "",
            "bodies": avenue.get("bodies") or [],
            "to": avenue.get("to") or [],
            "cc": avenue.get("cc") or [],
            "addresses_by_body": avenue.get("addresses_by_body") or {},
            "guidance": {k: v for k, v in avenue.items() if k not in top_level},
            "handbook_section": avenue.get("hb") or "",
            "source": avenue.get("source") or avenue_file.get("source", ""),
            "last_verified": _date(avenue.get("last_verified") or avenue_file.get("last_verified")),
        }
        _upsert(Avenue, {"slug": avenue["slug"]}, values, overwrite, created, "avenues")
    created["treaty_acceptances"] = _load_treaty_acceptances(overwrite)
    return created


def _acceptance_values(record: reference.Acceptance) -> dict:
    return {
        "status": record.status,
        "source": record.source,
        "last_verified": _date(record.last_verified),
        "note": record.note,
    }


def _load_treaty_acceptances(overwrite: bool) -> int:
    """Missing acceptance rows in bulk (about 3,800); with overwrite, reset edited rows too."""
    existing = {
        (row.country_id, row.body, row.procedure): row for row in TreatyAcceptance.objects.all()
    }
    missing = []
    for record in reference.treaty_acceptances():
        key = (record.country, record.body, record.procedure)
        values = _acceptance_values(record)
        row = existing.get(key)
        if row is None:
            missing.append(
                TreatyAcceptance(
                    country_id=record.country,
                    body=record.body,
                    procedure=record.procedure,
                    **values,
                )
            )
        elif overwrite and any(getattr(row, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
    bulk_create_with_history(missing, TreatyAcceptance, batch_size=500)
    return len(missing)


def _upsert(model, keys, values, overwrite, created, counter) -> None:
    obj = model.objects.filter(**keys).first()
    if obj is None:
        model.objects.create(**keys, **values)
        created[counter] += 1
    elif overwrite:
        for name, value in values.items():
            setattr(obj, name, value)
        obj.save()
