"""Reads for the risk assessment: a country's record in Amparo's public data (HB §2.2.1)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from amparo.cases.models import Entry, EntryTerm

TOP_REPRISAL_TYPES = 5


def country_record(country: str) -> dict[str, Any]:
    """Public entries for a country: count, most documented reprisal types, entries by year.

    Only public entries (EntryQuerySet.public) count, so anyone may see the figures; callable
    by anonymous visitors and the CLI. `reprisal_type_counts` goes with `top_reprisal_types`
    for pages that show the numbers.
    """
    public = Entry.objects.public().filter(country=country)
    years = (
        public.exclude(year__isnull=True)
        .values("year")
        .annotate(n=Count("id", distinct=True))
        .order_by("year")
    )
    types = (
        EntryTerm.objects.filter(vocabulary="reprisal_type", entry__in=public.values("id"))
        .values("slug")
        .annotate(n=Count("entry", distinct=True))
        .order_by("-n", "slug")[:TOP_REPRISAL_TYPES]
    )
    counts = [(row["slug"], row["n"]) for row in types]
    return {
        "country": country,
        "entries": public.count(),
        "top_reprisal_types": [slug for slug, _ in counts],
        "reprisal_type_counts": counts,
        "by_year": {str(row["year"]): row["n"] for row in years},
    }


def country_record_for_output(country: str) -> dict[str, Any]:
    """The record as `amparo assess --json` prints it (the issue's keys, slugs only)."""
    record = country_record(country)
    record.pop("reprisal_type_counts")
    return record
