"""Reads of the register: filters, full-text and name search, facet counts, timeline.

The staff list page, and any JSON or CSV view of the same list, call these functions so they
all agree on what a filter means.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.db.models.expressions import RawSQL

from amparo.cases.models import Entry, EntryTerm, NameToken, Status
from amparo.core.reference import IMPERSONAL_KINDS, MULTI_VALUED
from amparo.security.keys import keyring

PAGE_SIZE = 50

# Facets held in a column of the entry (one value each) and in EntryTerm (several values).
SINGLE_VALUED = ("country", "region", "year", "kind", "status", "gender")
FACETS = ("country", "region", "year", "kind", "status", "body", "reprisal_type") + (
    "theme",
    "contact_point",
    "perpetrator",
    "gender",
)
SORTS: dict[str, tuple[Any, ...]] = {
    "newest": (F("year").desc(nulls_last=True), "-id"),
    "oldest": (F("year").asc(nulls_last=True), "id"),
    "country": ("country", F("year").desc(nulls_last=True), "-id"),
    "reference": ("ref",),
}
DEFAULT_SORT = "newest"


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if getlist else params.get(name, [])
    if isinstance(raw, str):
        raw = [raw]
    # No stored value holds a NUL, and PostgreSQL refuses one in a query: read it as a space.
    raw = [v.replace("\x00", " ") for v in raw if v]
    return [v.strip() for v in raw if v.strip()]


def active_filters(
    params: Mapping[str, Any], facets: tuple[str, ...] = FACETS
) -> dict[str, list[str]]:
    """The facet filters named in request parameters: facet -> values (years must be numbers).

    ``facets`` limits which parameters count (the public portal has no status facet).
    """
    found = {}
    for name in facets:
        values = list(dict.fromkeys(_values(params, name)))
        if name == "year":
            values = [v for v in values if v.isascii() and v.isdigit() and len(v) <= 4]
        if values:
            found[name] = values
    return found


def filter_entries(
    qs: QuerySet[Entry],
    params: Mapping[str, Any],
    *,
    names: bool = True,
    facets: tuple[str, ...] = FACETS,
) -> QuerySet[Entry]:
    """Narrow entries by facets (values of one facet OR-ed, facets AND-ed) and the search `q`.

    Callers pass a queryset already limited to what the user may see (access.entries_for_user),
    and names=False for staff who may not see identities: finding an entry by a name would
    tell them who it concerns.
    """
    for name, values in active_filters(params, facets).items():
        if name in SINGLE_VALUED:
            qs = qs.filter(
                **{f"{name}__in": [int(v) for v in values] if name == "year" else values}
            )
        else:
            holders = EntryTerm.objects.filter(vocabulary=name, slug__in=values)
            qs = qs.filter(id__in=holders.values("entry_id"))
    q = " ".join(_values(params, "q"))
    if q:
        qs = qs.filter(search_condition(q, names=names))
    return qs


def search_words(q: str) -> list[str]:
    """The words of a search, without FTS syntax characters that carry no meaning to us."""
    return [w for w in q.replace('"', " ").split() if w][:20]


def search_condition(q: str, *, names: bool = True) -> Q:
    """Entries whose title, summary or reference match the words, or whose subjects bear the name."""
    words = search_words(q)
    if not words:
        return Q()
    condition = Q(id__in=_full_text_ids(words))
    return condition | _name_condition(words) if names else condition


def fts5_query(words: list[str]) -> str:
    """Each word as a quoted FTS5 string (all must match): user syntax never reaches MATCH."""
    return " ".join('"' + w.replace('"', '""') + '"' for w in words)


# PostgreSQL: title, summary and reference as a tsvector, a generated column with a GIN index
# (migration 0005); unknown to the model, so only raw SQL names it.
PG_DOCUMENT = "search_document"


def _full_text_ids(words: list[str]) -> RawSQL:
    if connection.vendor == "postgresql":
        return RawSQL(  # noqa: S611 (a constant expression; the words are a parameter) # nosec B611
            f"SELECT id FROM cases_entry WHERE {PG_DOCUMENT} @@ plainto_tsquery('simple', %s)",  # noqa: S608 # nosec B608 # constant
            [" ".join(words)],
        )
    return RawSQL(
        "SELECT rowid FROM cases_entry_fts WHERE cases_entry_fts MATCH %s", [fts5_query(words)]
    )


def _name_condition(words: list[str]) -> Q:
    """Each word among the entry's name tokens, or (for several words) all of them written as one.

    Names never reach the database in clear: the words are folded like the stored tokens
    (services.name_tokens) and compared through the keyed blind index.
    """
    from amparo.cases.services import fold_name

    ring = keyring()
    folded = [f for f in ("".join(fold_name(w)) for w in words) if len(f) > 1]
    if not folded:
        return Q(pk__in=[])
    condition = Q()
    for token in dict.fromkeys(folded):
        hits = NameToken.objects.filter(token=ring.blind_index(token)).values("entry_id")
        condition &= Q(id__in=hits)
    if len(folded) > 1:
        hits = NameToken.objects.filter(token=ring.blind_index("".join(folded))).values("entry_id")
        condition |= Q(id__in=hits)
    return condition


def sort_entries(qs: QuerySet[Entry], sort: str) -> QuerySet[Entry]:
    """Order entries by one of SORTS (unknown values fall back to newest first)."""
    return qs.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


class FacetValue(NamedTuple):
    slug: str
    label: str
    count: int


def facet_counts(
    qs: QuerySet[Entry], labels: Labels | None = None, facets: tuple[str, ...] = FACETS
) -> dict[str, list[FacetValue]]:
    """For each facet, (slug, label, count) over the entries of qs, most frequent first.

    One grouped query covers every multi-valued vocabulary; each single-valued column takes one
    more. Counts follow whatever filters qs already carries; with none (an administrator's
    unfiltered list) they group the tables directly, with no list of ids to match.
    ``facets`` limits which are counted.
    """
    labels = labels or Labels.load()
    qs = qs.order_by()
    unfiltered = not qs.query.where
    counts: dict[str, list[tuple[str, int]]] = {name: [] for name in facets}
    vocabularies = [v for v in MULTI_VALUED if v in facets]
    terms = EntryTerm.objects.filter(vocabulary__in=vocabularies)
    if not unfiltered:
        terms = terms.filter(entry_id__in=qs.values("id"))
    # COUNT(*), not COUNT(id): PostgreSQL can then answer from the column's index alone.
    for vocabulary, slug, n in terms.values_list("vocabulary", "slug").annotate(n=Count("*")):
        counts[vocabulary].append((slug, n))
    for column in (c for c in SINGLE_VALUED if c in facets):
        rows = qs.values_list(column).annotate(n=Count("*"))
        counts[column] = [(str(value), n) for value, n in rows if value not in ("", None)]
    return ranked_facets(counts, labels)


def ranked_facets(
    counts: dict[str, list[tuple[str, int]]], labels: Labels
) -> dict[str, list[FacetValue]]:
    """Facet values with labels, most frequent first (years newest first)."""
    result = {}
    for name, pairs in counts.items():
        ordered = sorted(pairs, key=lambda p: (-int(p[0]), 0) if name == "year" else (-p[1], p[0]))
        result[name] = [FacetValue(slug, labels.of(name, slug), n) for slug, n in ordered]
    return result


@dataclass
class Labels:
    """Labels of terms and countries in the current language, read in two queries."""

    terms: dict[tuple[str, str], str]
    countries: dict[str, str]

    @classmethod
    def load(cls) -> Labels:
        """Read once per request: two queries of plain values, no model instances."""
        from amparo.config.language import current_language
        from amparo.vocabularies.models import Country, Term

        language = current_language()
        terms = {
            (vocabulary, slug): label or label_en
            for vocabulary, slug, label, label_en in Term.objects.order_by().values_list(
                "vocabulary", "slug", f"label_{language}", "label_en"
            )
        }
        countries = {
            code: name or name_en
            for code, name, name_en in Country.objects.order_by().values_list(
                "code", f"name_{language}", "name_en"
            )
        }
        return cls(terms=terms, countries=countries)

    def of(self, vocabulary: str, slug: str) -> str:
        """The label of a value of a facet or vocabulary; the slug itself when unknown."""
        if vocabulary == "country":
            return self.countries.get(slug, slug)
        if vocabulary == "year":
            return slug
        if vocabulary == "status":
            return str(dict(Status.choices).get(slug, slug))
        return self.terms.get((vocabulary, slug), slug)

    def many(self, vocabulary: str, slugs: list[str]) -> list[str]:
        return [self.of(vocabulary, s) for s in slugs]


def needs_publication_consent(entry: Entry) -> bool:
    """True when staff chose to publish an entry the portal cannot show for want of consent.

    Consent is per purpose (REFERENCE §5): only `publish_in_portal` counts, and only while it
    has not been withdrawn.
    """
    if not entry.published or entry.kind in IMPERSONAL_KINDS:
        return False
    return not entry.is_public


@dataclass
class TimelineEvent:
    date: datetime.date | None
    kind: str
    title: str
    detail: str = ""
    css: str = ""


def entry_timeline(entry: Entry, labels: Labels) -> list[TimelineEvent]:
    """Engagements, incidents, consents, actions and evidence uploads of an entry, by date.

    Holds public coding only (bodies, reprisal types, purposes, avenues): the confidential
    details stay in the confidential section of the page.
    """
    from django.utils.translation import gettext as _

    from amparo.core.reference import avenues

    avenue_names = {a["slug"]: a["name"] for a in avenues()}
    events: list[TimelineEvent] = []
    for e in entry.engagements.all():
        detail = labels.of("contact_point", e.contact_point) if e.contact_point else ""
        events.append(
            TimelineEvent(
                e.date, "engagement", _("Engagement with %s") % labels.of("body", e.body), detail
            )
        )
    for i in entry.incidents.all():
        types = ", ".join(labels.many("reprisal_type", i.reprisal_types))
        until = _(" (until %s)") % i.date_end.isoformat() if i.date_end else ""
        events.append(TimelineEvent(i.date, "incident", _("Incident") + until, types))
    for c in entry.consents.all():
        purpose = labels.of("consent_purpose", c.purpose)
        events.append(TimelineEvent(c.given_on, "consent", _("Consent given: %s") % purpose))
        if c.withdrawn_on:
            events.append(
                TimelineEvent(
                    c.withdrawn_on, "consent-withdrawn", _("Consent withdrawn: %s") % purpose
                )
            )
    for a in entry.actions.all():
        name = _avenue_label(avenue_names, a.avenue)
        events.append(
            TimelineEvent(
                a.taken_on, "action", _("Action: %s") % name, labels.of("action_status", a.status)
            )
        )
        if a.replied_on:
            events.append(TimelineEvent(a.replied_on, "reply", _("Reply received: %s") % name))
    for ev in entry.evidence.all():
        events.append(TimelineEvent(ev.uploaded_at.date(), "evidence", _("Evidence file added")))
    return sorted(events, key=lambda e: (e.date is None, e.date or datetime.date.min))


def _avenue_label(names: dict[str, Any], slug: str) -> str:
    from django.utils.translation import get_language

    name = names.get(slug)
    if isinstance(name, dict):
        return name.get((get_language() or "en")[:2]) or name.get("en") or slug
    return name or slug
