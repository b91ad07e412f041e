"""Reads over public entries for the portal, the API, the charts and the situation report.

Every public surface starts from ``public_entries``: Entry.objects.public() (REFERENCE §6) with
the visitor's filters, never searching names (finding an entry by a name would reveal whom it
concerns). Nothing here is cached, so unpublishing or withdrawing consent takes effect at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from amparo.cases import queries as cases_queries
from amparo.cases.models import Entry
from amparo.cases.queries_stats import entry_stats

# The ten public facets (no status: follow-up work is staff business).
PORTAL_FACETS = (
    "country",
    "region",
    "year",
    "kind",
    "body",
    "reprisal_type",
    "gender",
    "theme",
    "contact_point",
    "perpetrator",
)
SORTS = ("newest", "oldest", "country", "reference")


def year_bounds(params: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """The `year_from` / `year_to` parameters as numbers (anything else is ignored)."""
    bounds = []
    for name in ("year_from", "year_to"):
        raw = str(params.get(name) or "").strip()
        bounds.append(int(raw) if raw.isdigit() and len(raw) <= 4 else None)
    return bounds[0], bounds[1]


def public_entries(params: Mapping[str, Any] | None = None) -> QuerySet[Entry]:
    """Public entries narrowed by facets, a year range and the search `q`; for any visitor."""
    params = params or {}
    qs = cases_queries.filter_entries(
        Entry.objects.public(), params, names=False, facets=PORTAL_FACETS
    )
    start, end = year_bounds(params)
    if start is not None:
        qs = qs.filter(year__gte=start)
    if end is not None:
        qs = qs.filter(year__lte=end)
    return qs


def public_facets(
    qs: QuerySet[Entry], labels: cases_queries.Labels | None = None
) -> dict[str, list[cases_queries.FacetValue]]:
    """The ten portal facets with counts over qs (the staff facet query, limited to them)."""
    return cases_queries.facet_counts(qs, labels, facets=PORTAL_FACETS)


def named_gender(qs: QuerySet[Entry]) -> dict[str, int]:
    """Named entries by gender, organisations and groups counted as such (HB §1.2)."""
    rows = (
        qs.filter(kind="named")
        .order_by()
        .values_list("subject_kind", "gender")
        .annotate(n=Count("id"))
    )
    result: dict[str, int] = {}
    for subject_kind, gender, n in rows:
        key = subject_kind if subject_kind in ("organisation", "group") else (gender or "unknown")
        result[key] = result.get(key, 0) + n
    return dict(sorted(result.items(), key=lambda p: (-p[1], p[0])))


def years_by_kind(qs: QuerySet[Entry]) -> dict[str, dict[str, int]]:
    """year -> kind -> entries, years ascending (entries without a year left out)."""
    rows = (
        qs.exclude(year__isnull=True).order_by().values_list("year", "kind").annotate(n=Count("id"))
    )
    table: dict[str, dict[str, int]] = {}
    for year, kind, n in sorted(rows):
        table.setdefault(str(year), {})[kind] = n
    return table


@dataclass
class Figures:
    """Every figure the charts and the situation report show, over one filtered set."""

    all: dict[str, Any]
    named: dict[str, Any]
    named_gender: dict[str, int]
    years_by_kind: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.all["total"]

    @property
    def named_total(self) -> int:
        return self.named["total"]


def figures(qs: QuerySet[Entry]) -> Figures:
    """The HB §1.2 figures over qs: all entries, named entries, gender, years by kind.

    Reuses the counts of ``amparo stats`` (cases.queries_stats.entry_stats), so the portal and
    ``amparo stats --json --published-only`` agree.
    """
    return Figures(
        all=entry_stats(qs),
        named=entry_stats(qs.filter(kind="named")),
        named_gender=named_gender(qs),
        years_by_kind=years_by_kind(qs),
    )


def share(part: int, whole: int) -> float:
    """part / whole as a percentage rounded to one decimal (0 when whole is 0)."""
    return round(100 * part / whole, 1) if whole else 0.0


# The interchange columns (REFERENCE §6) a public record carries: consent, status and the
# published flag are staff records, and confidential fields never leave the register.
PUBLIC_COLUMNS = (
    "ref",
    "kind",
    "title",
    "subject_kind",
    "gender",
    "country",
    "region",
    "themes",
    "contact_points",
    "bodies",
    "reprisal_types",
    "perpetrators",
    "year",
    "citations",
    "summary",
)


def public_records(entries: QuerySet[Entry]) -> list[dict[str, Any]]:
    """Public records (PUBLIC_COLUMNS) of a small, already limited queryset, in its order.

    Built by the interchange row builder (cases.interchange) so a public record has the same
    values as ``amparo export --published-only``, less the staff-only columns.
    """
    from amparo.cases.interchange import ENTRY_COLUMNS, _rows_for
    from amparo.core.interchange import row_record

    chunk = [dict(zip(ENTRY_COLUMNS, v, strict=True)) for v in entries.values_list(*ENTRY_COLUMNS)]
    return [
        {k: record[k] for k in PUBLIC_COLUMNS}
        for record in (row_record(row) for row in _rows_for(chunk, False))
    ]


def stream_public_records(qs: QuerySet[Entry]) -> Iterator[list[dict[str, Any]]]:
    """Chunks of public records of qs, ordered by ref, each chunk one bounded query.

    Memory stays flat whatever the size of qs (keyset paging on ref, as ``amparo export``).
    """
    from amparo.cases.interchange import _exported_rows
    from amparo.core.interchange import row_record

    for rows in _exported_rows(qs.order_by("ref"), False):
        yield [{k: record[k] for k in PUBLIC_COLUMNS} for record in (row_record(r) for r in rows)]
