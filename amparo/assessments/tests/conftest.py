"""Fixtures for the assessment tests: public and non-public entries for a country's record."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from amparo.cases.models import Consent, Entry, EntryTerm

_refs = itertools.count(1)


def add_entry(
    country: str,
    year: int | None,
    reprisal_types: list[str],
    *,
    kind: str = "general_situation",
    published: bool = True,
    consent: bool = False,
) -> Entry:
    """An entry written straight to the tables (the register's services are tested elsewhere)."""
    entry = Entry.objects.create(
        ref=f"RISK-{next(_refs):05d}",
        kind=kind,
        title="Fictional test entry",
        country=country,
        region="latin_america_caribbean",
        year=year,
        published=published,
    )
    EntryTerm.objects.bulk_create(
        EntryTerm(entry=entry, vocabulary="reprisal_type", slug=s) for s in reprisal_types
    )
    if consent:
        Consent.objects.create(
            entry=entry,
            purpose="publish_in_portal",
            given_by="person",
            method="written",
            given_on="2024-01-01",
        )
    return entry


@pytest.fixture
def colombia_record(db) -> dict[str, Any]:
    """Five public entries for COL, and three that must not count."""
    add_entry("COL", 2021, ["threats_intimidation", "surveillance"])
    add_entry("COL", 2021, ["threats_intimidation"])
    add_entry("COL", 2022, ["threats_intimidation", "defamation"])
    add_entry("COL", 2023, ["surveillance"], kind="named", consent=True)
    add_entry("COL", None, ["detention"])
    add_entry("COL", 2023, ["killing"], published=False)  # staff only
    add_entry("COL", 2023, ["killing"], kind="named")  # published without consent
    add_entry("PER", 2023, ["killing"])  # another country
    return {"entries": 5}
