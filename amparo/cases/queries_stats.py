"""Counts over the register in the shape of ``amparo stats`` (REFERENCE §6, HB §1.2 figures)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from amparo.cases.models import Entry, EntryTerm

# Facet name -> the Entry column it counts (single-valued).
ENTRY_FACETS = {
    "by_kind": "kind",
    "by_country": "country",
    "by_region": "region",
    "by_gender": "gender",
    "by_year": "year",
}
# Facet name -> EntryTerm vocabulary (multi-valued: an entry counts once per value it holds).
TERM_FACETS = {
    "by_body": "body",
    "by_reprisal_type": "reprisal_type",
    "by_contact_point": "contact_point",
    "by_theme": "theme",
}
# The order of REFERENCE §6 / the issue, kept in the JSON output.
ORDER = (
    "total",
    "published",
    "by_kind",
    "by_country",
    "by_region",
    "by_body",
    "by_reprisal_type",
    "by_gender",
    "by_year",
    "by_contact_point",
    "by_theme",
)


def _ranked(pairs: list[tuple[Any, int]]) -> dict[str, int]:
    """slug -> count, largest first, empty values and zero counts left out."""
    pairs = [(str(key), n) for key, n in pairs if key not in (None, "") and n]
    return dict(sorted(pairs, key=lambda pair: (-pair[1], pair[0])))


def entry_stats(entries: QuerySet[Entry] | None = None, *, published_only: bool = False) -> dict:
    """{total, published, by_kind, ..., by_theme} over ``entries`` (default: the whole register).

    With ``published_only`` every figure is over public entries; ``published`` counts the staff's
    flag. For ``amparo stats``; the portal and analytics may pass their own queryset.
    """
    if entries is None:
        entries = Entry.objects.all()
    if published_only:
        entries = entries.public()
    entries = entries.order_by()
    stats: dict[str, Any] = {
        "total": entries.count(),
        "published": entries.filter(published=True).count(),
    }
    for facet, column in ENTRY_FACETS.items():
        rows = entries.values_list(column).annotate(n=Count("id")).order_by()
        stats[facet] = _ranked(list(rows))
    ids = entries.values("id")
    for facet, vocabulary in TERM_FACETS.items():
        rows = (
            EntryTerm.objects.filter(vocabulary=vocabulary, entry_id__in=ids)
            .values_list("slug")
            .annotate(n=Count("entry_id", distinct=True))
            .order_by()
        )
        stats[facet] = _ranked(list(rows))
    return {key: stats[key] for key in ORDER}
