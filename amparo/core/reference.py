"""The shipped reference data (amparo/data/*.json) as plain Python: vocabularies, countries, avenues.

These are the baseline files; administrators edit the loaded copies in the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

# Vocabularies whose values an entry may hold several of (REFERENCE §6).
MULTI_VALUED = ("theme", "contact_point", "body", "reprisal_type", "perpetrator")
# Entries that concern no person may be public without consent (REFERENCE §6).
IMPERSONAL_KINDS = frozenset({"general_situation", "preemptive_statement"})
STATUSES = ("open", "follow_up_due", "resolved", "closed")


@cache
def _load(name: str) -> dict[str, Any]:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def vocabularies() -> dict[str, Any]:
    """Every vocabulary: slug -> {label, terms: [{slug, label, ...}]}."""
    return _load("vocabularies.json")["vocabularies"]


@cache
def slugs(vocabulary: str) -> tuple[str, ...]:
    """The term slugs of one vocabulary, in the reference order."""
    return tuple(term["slug"] for term in vocabularies()[vocabulary]["terms"])


def label(vocabulary: str, slug: str, language: str = "en") -> str:
    """The label of a term in a language, falling back to English, then to the slug."""
    for term in vocabularies()[vocabulary]["terms"]:
        if term["slug"] == slug:
            return term["label"].get(language) or term["label"]["en"]
    return slug


@dataclass(frozen=True)
class Country:
    code: str
    alpha2: str
    name: dict[str, str]
    un_short_name: str
    aliases: tuple[str, ...]
    region: str
    memberships: tuple[str, ...]


@cache
def countries() -> dict[str, Country]:
    """ISO 3166-1 alpha-3 code -> Country."""
    result = {}
    for raw in _load("countries.json")["countries"]:
        result[raw["code"]] = Country(
            code=raw["code"],
            alpha2=raw.get("alpha2", ""),
            name=raw["name"],
            un_short_name=raw.get("un_short_name") or raw["name"]["en"],
            aliases=tuple(raw.get("aliases", ())),
            region=raw["region"],
            memberships=tuple(raw.get("memberships", ())),
        )
    return result


@cache
def country_lookup() -> dict[str, str]:
    """Any known name, alias or code (case-folded) -> alpha-3 code."""
    table: dict[str, str] = {}
    for country in countries().values():
        names = [country.code, country.un_short_name, *country.name.values(), *country.aliases]
        for name in names:
            table.setdefault(name.casefold(), country.code)
    return table


def avenues() -> list[dict[str, Any]]:
    """The avenues of recourse (REFERENCE §3)."""
    return _load("avenues.json")["avenues"]


# --- Treaty acceptance (amparo/data/treaties.json) -----------------------------------------------

ACCEPTANCE_STATUSES = ("accepted", "not_accepted", "unknown")


@dataclass(frozen=True)
class Acceptance:
    """Whether a State accepted one treaty-body procedure (ratification, complaints competence)."""

    country: str
    body: str
    procedure: str
    status: str
    source: str
    last_verified: str
    note: str = ""


def treaties() -> dict[str, Any]:
    """The whole of treaties.json: bodies and their procedures, conditions, sources, records."""
    return _load("treaties.json")


def treaty_source_text(key: str) -> str:
    """A source key of treaties.json (e.g. `wpdl:iccpr_op1`) as a citation a person can follow."""
    source = treaties()["sources"].get(key)
    if source is None:
        return key
    # The address stays in the file and the README: pages name the source, they link nowhere.
    based_on = source.get("based_on")
    return f"{source['title']}, from the {based_on}" if based_on else source["title"]


@cache
def treaty_acceptances() -> tuple[Acceptance, ...]:
    """The shipped acceptance records, with source keys and note keys expanded to text."""
    data = treaties()
    notes = data.get("notes", {})
    return tuple(
        Acceptance(
            country=raw["country"],
            body=raw["body"],
            procedure=raw["procedure"],
            status=raw["status"],
            source=treaty_source_text(raw["source"]),
            last_verified=raw["last_verified"],
            note=notes.get(raw.get("note") or "", raw.get("note") or ""),
        )
        for raw in data["acceptances"]
    )
