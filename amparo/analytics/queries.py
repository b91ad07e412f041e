"""Reads over public entries for the portal, the API, the charts and the situation report.

Every public surface starts from ``public_entries``: Entry.objects.in_portal() (the public rule
of REFERENCE §6, stored and re-checked) with the visitor's filters, never searching names
(finding an entry by a name would reveal whom it concerns). Facet counts come from the
analytics tables kept in the transaction of every write (ADR 0011): the unfiltered view and a
search for one common word read PublicFacetCount, any other view counts PublicFacet rows.
Nothing is cached, so unpublishing or withdrawing consent takes effect at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    QuerySet,
    Sum,
)
from django.db.models.expressions import RawSQL

from amparo.analytics.models import PublicFacet, PublicFacetCell, PublicFacetCount
from amparo.cases import queries as cases_queries
from amparo.cases.models import Entry
from amparo.cases.queries_stats import entry_stats
from amparo.core.interchange import COLUMNS as interchange_columns

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
        bounds.append(int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 else None)
    return bounds[0], bounds[1]


def public_entries(
    params: Mapping[str, Any] | None = None, *, matches: int | None = None
) -> QuerySet[Entry]:
    """Public entries narrowed by facets, a year range and the search `q`; for any visitor.

    ``matches`` (the count public_facets gave) lets a search that matches many entries read
    them in the order of the page's index, stopping at the page, instead of sorting them all;
    pass it only to read a page of entries (the result then cannot serve as a subquery).
    """
    params = params or {}
    facets_only = {k: v for k, v in _pairs(params) if k != "q"}
    qs = cases_queries.filter_entries(
        Entry.objects.in_portal(), facets_only, names=False, facets=PORTAL_FACETS
    )
    start, end = year_bounds(params)
    if start is not None:
        qs = qs.filter(year__gte=start)
    if end is not None:
        qs = qs.filter(year__lte=end)
    words = cases_queries.search_words(" ".join(cases_queries._values(params, "q")))
    if not words:
        return qs
    if connection.vendor == "sqlite" and (matches or 0) >= DENSE_MATCHES:
        if _page_number(params) <= EARLY_PAGES:
            # Walk the newest-first index and ask the search index about each entry in turn:
            # a first page of a common word reads a few dozen entries, not every match.
            hit = RawSQL(  # noqa: S611 (constant SQL; the words are a parameter)
                "EXISTS (SELECT 1 FROM cases_entry_fts f WHERE f.cases_entry_fts MATCH %s "
                "AND f.rowid = cases_entry.id)",
                [cases_queries.fts5_query(words)],
                output_field=BooleanField(),
            )
            return qs.filter(hit)
        # `id + 0` keeps SQLite from driving the query by the list of matches (then sorting
        # them all): it walks the newest-first index and tests each id against the list.
        scan_id = ExpressionWrapper(F("id") + 0, output_field=BigIntegerField())
        return qs.alias(scan_id=scan_id).filter(scan_id__in=_matching_ids(words))
    return qs.filter(id__in=_matching_ids(words))


# From this many matches a search reads the page's index in order rather than its match list;
# up to this page it asks the search index entry by entry.
DENSE_MATCHES = 2000
EARLY_PAGES = 5


def _page_number(params: Mapping[str, Any]) -> int:
    raw = str(params.get("page") or "1")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 9 else 1


def _pairs(params: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    getlist = getattr(params, "getlist", None)
    return [(k, getlist(k) if getlist else params[k]) for k in params]


def public_facets(
    params: Mapping[str, Any] | None = None, labels: cases_queries.Labels | None = None
) -> tuple[dict[str, list[cases_queries.FacetValue]], int]:
    """The ten portal facets with counts, and the number of entries, for the visitor's filters.

    Same filters as ``public_entries``. Three queries (labels, counts), none over the entry
    table: kept counts for no filter or one tracked word, sums of cells for country and years,
    facet rows counted live for anything else.
    """
    params = params or {}
    labels = labels or cases_queries.Labels.load()
    counts: dict[str, list[tuple[str, int]]] = {name: [] for name in PORTAL_FACETS}
    for vocabulary, slug, n in _facet_rows(params):
        counts[vocabulary].append((slug, n))
    total = sum(n for _slug, n in counts["kind"])  # every entry has exactly one kind
    return cases_queries.ranked_facets(counts, labels), total


def _facet_rows(params: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    filters = cases_queries.active_filters(params, PORTAL_FACETS)
    start, end = year_bounds(params)
    words = cases_queries.search_words(" ".join(cases_queries._values(params, "q")))
    if not filters and start is None and end is None:
        word = search_token(words)
        if word is not None:
            kept = list(
                PublicFacetCount.objects.filter(word=word).values_list(
                    "vocabulary", "slug", "count"
                )
            )
            if kept or word == "":
                return kept
    if not words and set(filters) <= {"country", "year"}:
        return list(_cell_facets(filters, start, end))
    return list(_live_facets(filters, start, end, words))


def _cell_facets(
    filters: dict[str, list[str]], start: int | None, end: int | None
) -> QuerySet[PublicFacetCell]:
    """Facet counts of a view filtered only by country and years: sums of PublicFacetCell."""
    cells = PublicFacetCell.objects.all()
    if "country" in filters:
        cells = cells.filter(country__in=filters["country"])
    if "year" in filters:
        cells = cells.filter(year__in=[int(y) for y in filters["year"]])
    if start is not None or end is not None or "year" in filters:
        cells = cells.filter(year__gte=max(start or 1, 1))  # year 0 holds entries with no year
    if end is not None:
        cells = cells.filter(year__lte=end)
    return cells.values_list("vocabulary", "slug").annotate(n=Sum("count")).order_by()


def search_token(words: list[str]) -> str | None:
    """The word PublicFacetCount keeps for a search: "" for none, the token of one plain word.

    Only plain ASCII letters and digits, folded as both search engines fold them (lower case),
    so the kept counts are exactly those of the search; anything else is counted live.
    """
    if not words:
        return ""
    if len(words) == 1 and words[0].isascii() and words[0].isalnum():
        return words[0].lower()
    return None


def _live_facets(
    filters: dict[str, list[str]], start: int | None, end: int | None, words: list[str]
) -> QuerySet[PublicFacet]:
    """Facet counts over PublicFacet rows: country and year filter the rows themselves."""
    rows = PublicFacet.objects.all()
    if "country" in filters:
        rows = rows.filter(country__in=filters["country"])
    if "year" in filters:
        rows = rows.filter(year__in=[int(y) for y in filters["year"]])
    if start is not None:
        rows = rows.filter(year__gte=start)
    if end is not None:
        rows = rows.filter(year__lte=end)
    for name, values in filters.items():
        if name not in ("country", "year"):
            holders = PublicFacet.objects.filter(vocabulary=name, slug__in=values)
            rows = rows.filter(entry_id__in=holders.values("entry_id"))
    if (
        words
        and connection.vendor == "sqlite"
        and ({"country", "year"} & set(filters) or start or end)
    ):
        # Read the rows of the place in its covering index and test each against the matches,
        # rather than looking up every match (half the register for a common word).
        scan_id = ExpressionWrapper(F("entry_id") + 0, output_field=BigIntegerField())
        rows = rows.alias(scan_id=scan_id).filter(scan_id__in=_matching_ids(words))
    elif words:
        rows = rows.filter(entry_id__in=_matching_ids(words))
    return rows.values_list("vocabulary", "slug").annotate(n=Count("*")).order_by()


def _matching_ids(words: list[str]) -> RawSQL:
    if connection.vendor == "postgresql":
        return RawSQL(  # noqa: S611 (a constant expression; the words are a parameter) # nosec B611
            f"SELECT id FROM cases_entry WHERE portal_visible AND {cases_queries.PG_DOCUMENT} "  # noqa: S608 # nosec B608 # a constant expression
            "@@ plainto_tsquery('simple', %s)",
            [" ".join(words)],
        )
    return RawSQL(
        "SELECT rowid FROM cases_entry_fts WHERE cases_entry_fts MATCH %s",
        [cases_queries.fts5_query(words)],
    )


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
PUBLIC_COLUMNS = tuple(
    c for c in interchange_columns if c not in ("status", "consent", "published")
)


def public_records(entries: QuerySet[Entry]) -> list[dict[str, Any]]:
    """Public records (PUBLIC_COLUMNS) of a small, already limited queryset, in its order.

    Built by the interchange row builder (cases.interchange) so a public record has the same
    values as ``amparo export --published-only``, less the staff-only columns.
    """
    from amparo.cases.interchange import rows_of
    from amparo.core.interchange import row_record

    return [
        {k: record[k] for k in PUBLIC_COLUMNS}
        for record in (row_record(row) for row in rows_of(entries))
    ]


def stream_public_records(qs: QuerySet[Entry]) -> Iterator[list[dict[str, Any]]]:
    """Chunks of public records of qs, ordered by ref, each chunk one bounded query.

    Memory stays flat whatever the size of qs (keyset paging on ref, as ``amparo export``).
    """
    from amparo.cases.interchange import exported_rows
    from amparo.core.interchange import row_record

    for rows in exported_rows(qs.order_by("ref"), False):
        yield [{k: record[k] for k in PUBLIC_COLUMNS} for record in (row_record(r) for r in rows)]
