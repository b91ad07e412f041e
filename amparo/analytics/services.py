"""Keeping the public counts equal to the register (ADR 0011).

``refresh_public_for`` is called by every write that can change whether an entry is public or
how it is coded (cases.services, the interchange's bulk path), inside that write's transaction:
it stores Entry.portal_visible, replaces the entry's PublicFacet and PublicWordHit rows and moves
PublicFacetCount by the difference between what the entry contributed before and after. A write
that unpublishes an entry or withdraws consent therefore takes it out of every count before it
commits. ``rebuild_public_counts`` recomputes everything from the register (after a bulk load,
and to choose again which search words are tracked).
"""

# SQL text below is assembled from constants only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction

from amparo.analytics.models import (
    PublicFacet,
    PublicFacetCell,
    PublicFacetCount,
    PublicWordHit,
    SearchWord,
)
from amparo.cases.models import Entry, EntryTerm
from amparo.core.reference import IMPERSONAL_KINDS

# The portal facets held in a column of the entry, and those held in EntryTerm rows.
ENTRY_COLUMNS = ("country", "region", "year", "kind", "gender")
TERM_VOCABULARIES = ("body", "reprisal_type", "theme", "contact_point", "perpetrator")
# A word is tracked when at least this share of public entries (and this many) hold it.
TRACK_SHARE = 0.05
TRACK_MIN_ENTRIES = 2000
TRACK_MAX_WORDS = 24
CHUNK = 500

Key = tuple[str, str, str]  # (word, vocabulary, slug); word "" counts every public entry
Cell = tuple[str, int, str, str]  # (country, year or 0, vocabulary, slug)


def refresh_public_for(entry_ids: Iterable[int]) -> None:
    """Bring the stored publicness, facet rows and counts of these entries up to date.

    Call inside the transaction of any write that changes an entry's published flag, kind,
    coding, terms, public text or publication consent (ids of deleted entries are fine too).
    """
    ids = sorted({int(i) for i in entry_ids})
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            _refresh(ids[start : start + CHUNK])


def _refresh(ids: list[int]) -> None:
    # Two writes refreshing one entry at once must not both subtract its old rows (PostgreSQL;
    # SQLite runs one write at a time anyway).
    list(Entry.objects.select_for_update().filter(id__in=ids).order_by("id").values_list("id"))
    stored = list(
        PublicFacet.objects.filter(entry_id__in=ids).values_list(
            "entry_id", "vocabulary", "slug", "country", "year"
        )
    )
    old = _contribution(
        [(e, v, s) for e, v, s, _c, _y in stored],
        PublicWordHit.objects.filter(entry_id__in=ids).values_list("entry_id", "word"),
    )
    old_cells = _cells(stored)
    visible = sorted(Entry.objects.public().filter(id__in=ids).values_list("id", flat=True))
    Entry.objects.filter(id__in=visible, portal_visible=False).update(portal_visible=True)
    Entry.objects.filter(id__in=ids, portal_visible=True).exclude(id__in=visible).update(
        portal_visible=False
    )
    facets = _facet_rows(visible)
    hits = _word_hits(visible, list(SearchWord.objects.values_list("word", flat=True)))
    PublicFacet.objects.filter(entry_id__in=ids).delete()
    PublicWordHit.objects.filter(entry_id__in=ids).delete()
    PublicFacet.objects.bulk_create(
        PublicFacet(entry_id=e, vocabulary=v, slug=s, country=c, year=y) for e, v, s, c, y in facets
    )
    PublicWordHit.objects.bulk_create(PublicWordHit(entry_id=e, word=w) for e, w in hits)
    new = _contribution([(e, v, s) for e, v, s, _c, _y in facets], hits)
    new.subtract(old)
    _apply(COUNT_UPSERT, COUNT_DROP, {key: n for key, n in new.items() if n})
    cells = _cells(facets)
    cells.subtract(old_cells)
    _apply(CELL_UPSERT, CELL_DROP, {key: n for key, n in cells.items() if n})


def _cells(rows: Iterable[tuple[int, str, str, str, int | None]]) -> Counter[Cell]:
    """What facet rows add to PublicFacetCell."""
    return Counter((country, year or 0, v, s) for _e, v, s, country, year in rows)


def _contribution(
    facets: Iterable[tuple[int, str, str]], hits: Iterable[tuple[int, str]]
) -> Counter[Key]:
    """What these rows add to PublicFacetCount: each facet value once per word of its entry."""
    words: dict[int, list[str]] = {}
    for entry_id, word in hits:
        words.setdefault(entry_id, []).append(word)
    total: Counter[Key] = Counter()
    for entry_id, vocabulary, slug in facets:
        for word in ["", *words.get(entry_id, [])]:
            total[(word, vocabulary, slug)] += 1
    return total


def _facet_rows(ids: Sequence[int]) -> list[tuple[int, str, str, str, int | None]]:
    """(entry, vocabulary, slug, country, year) of every portal facet value of these entries."""
    rows = []
    places = {}
    for entry_id, *values in Entry.objects.filter(id__in=ids).values_list("id", *ENTRY_COLUMNS):
        coding = dict(zip(ENTRY_COLUMNS, values, strict=True))
        places[entry_id] = (coding["country"], coding["year"])
        for column, value in coding.items():
            if value not in (None, ""):
                rows.append((entry_id, column, str(value), coding["country"], coding["year"]))
    terms = EntryTerm.objects.filter(entry_id__in=ids, vocabulary__in=TERM_VOCABULARIES)
    for entry_id, vocabulary, slug in terms.values_list("entry_id", "vocabulary", "slug"):
        rows.append((entry_id, vocabulary, slug, *places[entry_id]))
    return rows


def _word_hits(ids: Sequence[int], words: list[str]) -> list[tuple[int, str]]:
    """(entry, word) for each tracked word the search index finds in these entries."""
    if not ids or not words:
        return []
    marks = ", ".join(["%s"] * len(ids))
    hits = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT id, tsvector_to_array({PG_DOCUMENT}) FROM cases_entry WHERE id IN ({marks})",  # nosec B608 # constant; ids are parameters
                list(ids),
            )
            tracked = set(words)
            return [(i, w) for i, found in cursor.fetchall() for w in found if w in tracked]
        for word in words:
            cursor.execute(
                "SELECT rowid FROM cases_entry_fts WHERE cases_entry_fts MATCH %s "
                f"AND rowid IN ({marks})",  # nosec B608 # placeholders only
                [_fts5_phrase(word), *ids],
            )
            hits += [(row[0], word) for row in cursor.fetchall()]
    return hits


# The expression itself, not the stored column of cases migration 0005 that searches read:
# analytics migration 0002 rebuilds the counts through this module before that column exists.
# Same words either way; these are bulk rebuilds and per-save updates, not searches.
PG_DOCUMENT = "to_tsvector('simple'::regconfig, title || ' ' || summary || ' ' || ref)"
COUNT_UPSERT = (
    "INSERT INTO analytics_publicfacetcount (word, vocabulary, slug, count) "
    "VALUES (%s, %s, %s, %s) ON CONFLICT (word, vocabulary, slug) "
    "DO UPDATE SET count = analytics_publicfacetcount.count + excluded.count"
)
COUNT_DROP = (
    "DELETE FROM analytics_publicfacetcount WHERE word = %s AND vocabulary = %s AND slug = %s "
    "AND count <= 0"
)
CELL_UPSERT = (
    "INSERT INTO analytics_publicfacetcell (country, year, vocabulary, slug, count) "
    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (country, year, vocabulary, slug) "
    "DO UPDATE SET count = analytics_publicfacetcell.count + excluded.count"
)
CELL_DROP = (
    "DELETE FROM analytics_publicfacetcell WHERE country = %s AND year = %s AND vocabulary = %s "
    "AND slug = %s AND count <= 0"
)


def _apply(upsert: str, drop: str, delta: dict[Any, int]) -> None:
    """Move stored counts by delta, dropping values no public entry holds any more."""
    if not delta:
        return
    with connection.cursor() as cursor:
        cursor.executemany(upsert, [(*key, n) for key, n in sorted(delta.items())])
        fallen = [key for key, n in sorted(delta.items()) if n < 0]
        if fallen:
            cursor.executemany(drop, fallen)


def _fts5_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


# ---------------------------------------------------------------- full rebuild

PUBLIC_RULE = (
    "published AND (kind IN ({kinds}) OR EXISTS (SELECT 1 FROM cases_consent c "
    "WHERE c.entry_id = cases_entry.id AND c.purpose = 'publish_in_portal' "
    "AND c.withdrawn_on IS NULL))"
)


def rebuild_public_counts(
    *, track_share: float = TRACK_SHARE, track_min_entries: int = TRACK_MIN_ENTRIES
) -> dict[str, int]:
    """Recompute portal_visible, every facet row and every count from the register.

    For `amparo rebuild_public_counts`, migrations and benchmarks (data loaded past the
    services); also chooses again which search words are common enough to track. Returns the
    sizes of the tables.
    """
    kinds = ", ".join(f"'{k}'" for k in sorted(IMPERSONAL_KINDS))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE cases_entry SET portal_visible = ({PUBLIC_RULE.format(kinds=kinds)})"  # nosec B608 # constants of this module
        )
        for model in (PublicFacetCount, PublicFacetCell, PublicWordHit, PublicFacet, SearchWord):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")  # nosec B608 # model table names
        cursor.execute(_facet_insert())
        cursor.execute("SELECT COUNT(*) FROM cases_entry WHERE portal_visible")
        public = cursor.fetchone()[0]
        words = _common_words(cursor, max(track_min_entries, int(public * track_share)))
        SearchWord.objects.bulk_create(SearchWord(word=w) for w in words)
        for word in words:
            _insert_hits(cursor, word)
        cursor.execute(
            "INSERT INTO analytics_publicfacetcount (word, vocabulary, slug, count) "
            "SELECT '', vocabulary, slug, COUNT(*) FROM analytics_publicfacet "
            "GROUP BY vocabulary, slug"
        )
        cursor.execute(
            "INSERT INTO analytics_publicfacetcount (word, vocabulary, slug, count) "
            "SELECT h.word, f.vocabulary, f.slug, COUNT(*) FROM analytics_publicwordhit h "
            "JOIN analytics_publicfacet f ON f.entry_id = h.entry_id "
            "GROUP BY h.word, f.vocabulary, f.slug"
        )
        cursor.execute(CELL_INSERT)
    return {
        "public": public,
        "facet_rows": PublicFacet.objects.count(),
        "words": len(words),
        "counts": PublicFacetCount.objects.count(),
    }


CELL_INSERT = (
    "INSERT INTO analytics_publicfacetcell (country, year, vocabulary, slug, count) "
    "SELECT country, COALESCE(year, 0), vocabulary, slug, COUNT(*) FROM analytics_publicfacet "
    "GROUP BY country, COALESCE(year, 0), vocabulary, slug"
)


def _facet_insert() -> str:
    year = "CAST(year AS TEXT)" if connection.vendor == "sqlite" else "CAST(year AS VARCHAR)"
    singles = [
        f"SELECT id, '{column}', {year if column == 'year' else column}, country, year "  # nosec B608 # column names of ENTRY_COLUMNS
        f"FROM cases_entry WHERE portal_visible AND {column} IS NOT NULL"
        + ("" if column == "year" else f" AND {column} <> ''")
        for column in ENTRY_COLUMNS
    ]
    vocabularies = ", ".join(f"'{v}'" for v in TERM_VOCABULARIES)
    terms = (
        "SELECT t.entry_id, t.vocabulary, t.slug, e.country, e.year FROM cases_entryterm t "
        "JOIN cases_entry e ON e.id = t.entry_id "
        f"WHERE e.portal_visible AND t.vocabulary IN ({vocabularies})"  # nosec B608 # TERM_VOCABULARIES
    )
    return (
        "INSERT INTO analytics_publicfacet (entry_id, vocabulary, slug, country, year) "
        + " UNION ALL ".join([*singles, terms])
    )


def _common_words(cursor: Any, threshold: int) -> list[str]:
    """The words held by at least ``threshold`` entries, as the search index spells them."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT word FROM ts_stat(%s) WHERE ndoc >= %s ORDER BY ndoc DESC, word LIMIT %s",
            [
                f"SELECT {PG_DOCUMENT} FROM cases_entry WHERE portal_visible",  # nosec B608 # constant
                threshold,
                TRACK_MAX_WORDS,
            ],
        )
    else:
        cursor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.cases_entry_fts_words "
            "USING fts5vocab(main, cases_entry_fts, row)"
        )
        cursor.execute(
            "SELECT term FROM temp.cases_entry_fts_words WHERE doc >= %s "
            "ORDER BY doc DESC, term LIMIT %s",
            [threshold, TRACK_MAX_WORDS],
        )
    return [row[0] for row in cursor.fetchall()]


def _insert_hits(cursor: Any, word: str) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(
            "INSERT INTO analytics_publicwordhit (entry_id, word) SELECT id, %s FROM cases_entry "
            f"WHERE portal_visible AND {PG_DOCUMENT} @@ to_tsquery('simple', %s)",  # nosec B608 # constant; the word is a parameter
            [word, _pg_lexeme(word)],
        )
        return
    cursor.execute(
        "INSERT INTO analytics_publicwordhit (entry_id, word) SELECT f.rowid, %s "
        "FROM cases_entry_fts f JOIN cases_entry e ON e.id = f.rowid "
        "WHERE cases_entry_fts MATCH %s AND e.portal_visible",
        [word, _fts5_phrase(word)],
    )


def _pg_lexeme(word: str) -> str:
    """A ts_stat word as a one-lexeme tsquery (quoted, so no character has a meaning)."""
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
