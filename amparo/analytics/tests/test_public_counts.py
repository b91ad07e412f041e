"""The stored public state (portal_visible, facet rows, counts) always equals a live recount.

Random sequences of every write that can change publicness or coding (open, update, terms,
consent recorded, changed, withdrawn and deleted, bulk import) are run through the services;
after each sequence the stored tables must equal what the register says now (ADR 0011).
"""

from __future__ import annotations

import datetime
import itertools
from collections import Counter
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amparo.analytics import queries
from amparo.analytics.models import (
    PublicFacet,
    PublicFacetCell,
    PublicFacetCount,
    PublicWordHit,
    SearchWord,
)
from amparo.analytics.services import (
    ENTRY_COLUMNS,
    TERM_VOCABULARIES,
    rebuild_public_counts,
    refresh_public_for,
)
from amparo.cases import interchange, services
from amparo.cases import queries as cases_queries
from amparo.cases.models import Consent, Entry, EntryTerm
from amparo.core import reference
from amparo.core.interchange import Row

WORDS = ["lawyer", "journalist", "detained", "threatened", "geneva", "council"]
KINDS = ["named", "unnamed", "general_situation", "preemptive_statement"]
COUNTRIES = ["BHR", "VEN", "CHN"]
_refs = itertools.count(1)


def live_counts() -> Counter:
    """PublicFacetCount recomputed from the register by the public() rule and the search."""
    expected: Counter = Counter()
    tracked = list(SearchWord.objects.values_list("word", flat=True))
    holders = {
        word: set(
            cases_queries.filter_entries(Entry.objects.all(), {"q": word}, names=False).values_list(
                "id", flat=True
            )
        )
        for word in tracked
    }
    for entry in Entry.objects.public().prefetch_related("terms"):
        values = [
            (column, str(getattr(entry, column)))
            for column in ENTRY_COLUMNS
            if getattr(entry, column) not in (None, "")
        ]
        values += [
            (t.vocabulary, t.slug) for t in entry.terms.all() if t.vocabulary in TERM_VOCABULARIES
        ]
        words = [""] + [w for w in tracked if entry.pk in holders[w]]
        for word in words:
            for vocabulary, slug in values:
                expected[(word, vocabulary, slug)] += 1
    return expected


def stored_counts() -> Counter:
    return Counter(
        {
            (w, v, s): n
            for w, v, s, n in PublicFacetCount.objects.values_list(
                "word", "vocabulary", "slug", "count"
            )
        }
    )


def live_cells() -> Counter:
    """PublicFacetCell recomputed from the register: (country, year or 0, vocabulary, slug)."""
    cells: Counter = Counter()
    for entry in Entry.objects.public().prefetch_related("terms"):
        values = [
            (column, str(getattr(entry, column)))
            for column in ENTRY_COLUMNS
            if getattr(entry, column) not in (None, "")
        ]
        values += [
            (t.vocabulary, t.slug) for t in entry.terms.all() if t.vocabulary in TERM_VOCABULARIES
        ]
        for vocabulary, slug in values:
            cells[(entry.country, entry.year or 0, vocabulary, slug)] += 1
    return cells


def stored_cells() -> Counter:
    return Counter(
        {
            (c, y, v, s): n
            for c, y, v, s, n in PublicFacetCell.objects.values_list(
                "country", "year", "vocabulary", "slug", "count"
            )
        }
    )


def assert_stored_state_is_live() -> None:
    public = set(Entry.objects.public().values_list("id", flat=True))
    assert set(Entry.objects.filter(portal_visible=True).values_list("id", flat=True)) == public
    assert set(PublicFacet.objects.values_list("entry_id", flat=True)) == public
    assert set(PublicWordHit.objects.values_list("entry_id", flat=True)) <= public
    assert stored_counts() == live_counts()
    assert stored_cells() == live_cells()


def coding(draw_kind: str, country: str, title_words: list[str], **more: Any) -> dict[str, Any]:
    personal = draw_kind in ("named", "unnamed")
    return {
        "kind": draw_kind,
        "title": " ".join(title_words) or "Entry",
        "summary": "Reported in " + country,
        "country": country,
        "year": more.pop("year", 2021),
        "status": "open",
        "subject_kind": "individual" if personal else "",
        "gender": more.pop("gender", "female" if personal else ""),
        "published": more.pop("published", True),
        "body": more.pop("body", ["hrc"]),
        "reprisal_type": more.pop("reprisal_type", ["threats_intimidation"]),
        **more,
    }


titles = st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)
operation = st.one_of(
    st.tuples(
        st.just("open"),
        st.sampled_from(KINDS),
        st.sampled_from(COUNTRIES),
        titles,
        st.booleans(),
    ),
    st.tuples(
        st.just("update"),
        st.integers(0, 50),
        st.sampled_from(KINDS),
        st.sampled_from(COUNTRIES),
        titles,
        st.booleans(),
        st.sampled_from([None, 2019, 2024]),
    ),
    st.tuples(
        st.just("terms"),
        st.integers(0, 50),
        st.lists(st.sampled_from(["hrc", "upr", "ohchr", "tb_cat"]), max_size=3),
        st.lists(st.sampled_from(["civil_political", "environment", "unclear"]), max_size=2),
    ),
    st.tuples(
        st.just("consent"),
        st.integers(0, 50),
        st.sampled_from(["publish_in_portal", "raise_with_state"]),
    ),
    st.tuples(st.just("withdraw"), st.integers(0, 50)),
    st.tuples(st.just("change_purpose"), st.integers(0, 50)),
    st.tuples(st.just("delete_consent"), st.integers(0, 50)),
    st.tuples(st.just("import"), st.sampled_from(KINDS), st.sampled_from(COUNTRIES), titles),
)


def run(op: tuple[Any, ...], actor: Any) -> None:
    entries = list(Entry.objects.order_by("id"))
    consents = list(Consent.objects.order_by("given_on", "id"))
    name = op[0]
    if name == "open":
        _, kind, country, words, published = op
        services.open_entry(actor, coding(kind, country, words, published=published))
    elif name == "update" and entries:
        _, i, kind, country, words, published, year = op
        entry = entries[i % len(entries)]
        data = coding(kind, country, words, published=published, year=year)
        data = {k: v for k, v in data.items() if k not in ("body", "reprisal_type")}
        services.update_entry(actor, entry, data)
    elif name == "terms" and entries:
        _, i, bodies, themes = op
        services.set_terms(entries[i % len(entries)], {"body": bodies, "theme": themes})
    elif name == "consent" and entries:
        _, i, purpose = op
        services.record_consent(
            actor,
            entries[i % len(entries)],
            {
                "purpose": purpose,
                "given_by": "person",
                "method": "written",
                "given_on": datetime.date(2024, 1, 1),
            },
        )
    elif name == "withdraw":
        active = [c for c in consents if c.withdrawn_on is None]
        if active:
            services.withdraw_consent(actor, active[op[1] % len(active)])
    elif name == "change_purpose" and consents:
        consent = consents[op[1] % len(consents)]
        other = (
            "raise_with_state" if consent.purpose == "publish_in_portal" else "publish_in_portal"
        )
        services.update_consent(
            actor,
            consent,
            {
                "purpose": other,
                "given_by": consent.given_by,
                "method": consent.method,
                "given_on": consent.given_on,
            },
        )
    elif name == "delete_consent" and consents:
        services.delete_record(actor, consents[op[1] % len(consents)])
    elif name == "import":
        _, kind, country, words = op
        personal = kind in ("named", "unnamed")
        row = Row(
            line=1,
            ref=f"IMP-{next(_refs):05d}",
            kind=kind,
            title=" ".join(words),
            country=country,
            region=reference.countries()[country].region,
            subject_kind="individual" if personal else "",
            terms={"body": ["upr"], "perpetrator": ["state"]},
            year=2020,
            consent=["publish_in_portal"] if personal else [],
            published=True,
        )
        interchange.write_rows([row], actor=actor)


class Rollback(Exception):
    """Ends an example's savepoint so examples never see each other's entries."""


# A small register where every kind of write changes something: a public named entry with
# consent, a published one without, a general situation, an unpublished one with consent.
BASE = [
    ("open", "named", "BHR", ["lawyer", "detained"], True),
    ("consent", 0, "publish_in_portal"),
    ("open", "unnamed", "VEN", ["journalist", "threatened"], True),
    ("open", "general_situation", "CHN", ["council", "geneva"], True),
    ("open", "named", "VEN", ["lawyer"], False),
    ("consent", 3, "publish_in_portal"),
]


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=8))
def test_every_write_keeps_the_stored_public_state_equal_to_a_live_recount(documenter, ops):
    try:
        with transaction.atomic():
            for op in BASE:
                run(op, documenter)
            rebuild_public_counts(track_share=0, track_min_entries=1)
            assert_stored_state_is_live()
            for op in ops:
                run(op, documenter)
            assert_stored_state_is_live()
            raise Rollback
    except Rollback:
        pass


def test_a_tracked_word_gives_the_same_facets_as_counting_live(publish):
    publish(title="Lawyer detained in Geneva", country="VEN")
    publish(title="Journalist detained", kind="general_situation", body=["upr"])
    publish(title="Lawyer threatened", consented=False)
    rebuild_public_counts(track_share=0, track_min_entries=1)
    assert set(SearchWord.objects.values_list("word", flat=True)) >= {"lawyer", "detained"}
    for q in ("detained", "Lawyer", "geneva"):
        kept, kept_total = queries.public_facets({"q": q})
        live, live_total = queries.public_facets({"q": q, "year_from": "1900"})
        assert kept == live and kept_total == live_total
    assert queries.public_facets({"q": "detained"})[1] == 2


def test_country_and_year_filters_sum_cells_to_the_same_facets_as_counting_live(publish):
    publish(title="Lawyer detained", country="VEN", year=2019)
    publish(title="Lawyer detained", country="VEN", year=None, kind="general_situation")
    publish(title="Journalist", country="BHR", year=2022, body=["upr", "hrc"])
    for params in (
        {"country": "VEN"},
        {"country": ["VEN", "BHR"], "year_to": "2021"},
        {"year_from": "2020"},
        {"year": ["2019", "2022"], "country": "BHR"},
    ):
        summed, summed_total = queries.public_facets(params)
        live, live_total = queries.public_facets({**params, "q": ""} | {"kind": KINDS})
        assert summed == live and summed_total == live_total
    assert queries.public_facets({"country": "VEN"})[1] == 2
    assert queries.public_facets({"country": "VEN", "year_to": "2030"})[1] == 1


def test_refreshing_an_entry_that_no_longer_exists_takes_it_out_of_the_counts(publish):
    entry = publish(title="Lawyer detained")
    pk = entry.pk
    EntryTerm.objects.filter(entry_id=pk).delete()
    Consent.objects.filter(entry_id=pk).delete()
    Entry.objects.filter(pk=pk).delete()
    with transaction.atomic():
        refresh_public_for([pk])
    assert not PublicFacet.objects.filter(entry_id=pk).exists()
    assert stored_counts() == live_counts() == Counter()
    assert stored_cells() == Counter()


def test_the_portal_home_and_api_take_a_bounded_number_of_queries(
    publish, client, django_assert_max_num_queries
):
    for i in range(30):
        publish(title=f"Lawyer detained {i}", country="VEN" if i % 2 else "BHR")
    rebuild_public_counts(track_share=0, track_min_entries=1)
    # labels (2), counts (1), the page of entries (1)
    for url in ("/", "/?q=lawyer", "/?country=BHR&year_from=2020&q=detained&body=hrc"):
        with django_assert_max_num_queries(4):
            assert client.get(url).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get("/api/entries?country=VEN").status_code == 200


def test_withdrawing_consent_takes_the_entry_out_of_every_count_at_once(publish, documenter):
    entry = publish(title="Lawyer detained", country="VEN")
    publish(title="Lawyer threatened", country="BHR")
    rebuild_public_counts(track_share=0, track_min_entries=1)
    counts, total = queries.public_facets({"q": "lawyer"})
    assert total == 2 and {v.slug for v in counts["country"]} == {"VEN", "BHR"}
    services.withdraw_consent(documenter, entry.consents.get(purpose="publish_in_portal"))
    for params in ({}, {"q": "lawyer"}, {"country": "VEN"}, {"q": "lawyer", "year_from": "2000"}):
        counts, total = queries.public_facets(params)
        assert "VEN" not in {v.slug for v in counts["country"]}
        assert total == (0 if params.get("country") == "VEN" else 1)


def test_an_entry_unpublished_past_the_services_is_never_shown(publish, client):
    entry = publish(title="Lawyer detained")
    Entry.objects.filter(pk=entry.pk).update(published=False)  # no refresh: counts are stale
    assert not queries.public_entries({}).exists()
    assert client.get(f"/entries/{entry.ref}/").status_code == 404
    assert entry.ref not in client.get("/").content.decode()
    assert entry.ref not in b"".join(client.get("/export.csv").streaming_content).decode()


def test_a_search_matching_many_entries_lists_the_same_page_either_way(publish):
    for i in range(12):
        publish(title=f"Lawyer detained {i}", year=2010 + i % 5, kind="general_situation")
    publish(title="Journalist", year=2024)
    by_list = list(queries.public_entries({"q": "lawyer"}, matches=0).order_by("-year", "-id"))
    by_index = list(queries.public_entries({"q": "lawyer"}, matches=10**6).order_by("-year", "-id"))
    deep = {"q": "lawyer", "page": "9"}  # past the first pages: tested against the match list
    by_deep_index = list(queries.public_entries(deep, matches=10**6).order_by("-year", "-id"))
    assert by_list == by_index == by_deep_index and len(by_list) == 12
