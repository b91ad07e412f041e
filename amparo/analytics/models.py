"""Precomputed public counts: what the portal's facets show without recounting the register.

Maintained only by analytics.services, in the same transaction as every write that can change
an entry's publicness or coding (ADR 0011). Nothing here is a cache that can go stale: a write
that unpublishes an entry or withdraws consent removes its rows before it commits.
"""

from __future__ import annotations

from django.db import models


class PublicFacet(models.Model):
    """One value of one of the ten portal facets held by one public entry.

    The rows of an entry are exactly what the counts hold for it, so a refresh can subtract the
    old contribution and add the new one without recounting anything else. Country and year are
    copied so filtered counts need no join with the entry table.
    """

    entry = models.ForeignKey(
        "cases.Entry",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # public_facet_entry serves lookups by entry
        related_name="+",
    )
    vocabulary = models.CharField(max_length=20)
    slug = models.CharField(max_length=60)
    country = models.CharField(max_length=3)
    year = models.PositiveSmallIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["vocabulary", "slug", "entry"], name="public_facet_value"),
            models.Index(fields=["entry", "vocabulary", "slug"], name="public_facet_entry"),
            # Covering: a count filtered by place and search reads no table row.
            models.Index(
                fields=["country", "year", "vocabulary", "slug", "entry"],
                name="public_facet_place",
            ),
        ]


class SearchWord(models.Model):
    """A word so common in public entries that its facet counts are kept, not recounted."""

    word = models.CharField(max_length=60, unique=True)


class PublicWordHit(models.Model):
    """A public entry whose public text holds a tracked SearchWord (as the search index reads it)."""

    entry = models.ForeignKey(
        "cases.Entry", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    word = models.CharField(max_length=60)

    class Meta:
        indexes = [models.Index(fields=["entry", "word"], name="public_word_entry")]


class PublicFacetCount(models.Model):
    """How many public entries hold a facet value: over all of them (word "") or one search word."""

    word = models.CharField(max_length=60, blank=True)
    vocabulary = models.CharField(max_length=20)
    slug = models.CharField(max_length=60)
    count = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["word", "vocabulary", "slug"], name="public_facet_count_unique"
            )
        ]


class PublicFacetCell(models.Model):
    """How many public entries of one country and year hold a facet value (year 0: none).

    Summed over a few rows, it gives the facets of a view filtered only by country and years.
    """

    country = models.CharField(max_length=3)
    year = models.PositiveSmallIntegerField()
    vocabulary = models.CharField(max_length=20)
    slug = models.CharField(max_length=60)
    count = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country", "year", "vocabulary", "slug"], name="public_facet_cell_unique"
            )
        ]
        indexes = [
            models.Index(fields=["year", "country", "vocabulary", "slug"], name="public_cell_year")
        ]
