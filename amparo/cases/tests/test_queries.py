"""Reads of the register: facet filters and counts, full-text search, blind-index name search."""

from __future__ import annotations

import pytest

from amparo.cases import queries, services
from amparo.cases.models import Entry, NameToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(make_entry):
    """Two entries in Bahrain (one about the HRC, one the UPR), one in Mexico."""
    return {
        "hrc": make_entry(title="Lawyer detained", body=["hrc", "ohchr"], year=2020),
        "upr": make_entry(
            title="Journalist defamed",
            body=["upr"],
            reprisal_type=["defamation"],
            year=2022,
            status="closed",
        ),
        "mex": make_entry(
            title="Community leader attacked",
            country="MEX",
            body=["hrc"],
            year=2022,
            gender="female",
        ),
    }


def counts(facets, name):
    return {value.slug: value.count for value in facets[name]}


def test_facet_counts_follow_the_filters(three):
    everything = queries.facet_counts(Entry.objects.all())
    assert counts(everything, "country") == {"BHR": 2, "MEX": 1}
    assert counts(everything, "body") == {"hrc": 2, "ohchr": 1, "upr": 1}
    assert counts(everything, "year") == {"2022": 2, "2020": 1}

    bahrain = queries.facet_counts(queries.filter_entries(Entry.objects.all(), {"country": "BHR"}))
    assert counts(bahrain, "country") == {"BHR": 2}
    assert counts(bahrain, "body") == {"hrc": 1, "ohchr": 1, "upr": 1}
    assert counts(bahrain, "region") == {"mena": 2}
    assert counts(bahrain, "gender") == {"male": 2}


def test_facet_values_carry_labels_in_the_current_language(three):
    from django.utils import translation

    with translation.override("fr"):
        facets = queries.facet_counts(Entry.objects.all())
    labels = {value.slug: value.label for value in facets["country"]}
    assert labels["BHR"] == "Bahreïn"
    slug, label, count = facets["status"][0]
    assert (slug, count) == ("open", 2)


def test_values_of_one_facet_widen_and_facets_together_narrow(three):
    both = queries.filter_entries(Entry.objects.all(), {"body": ["upr", "ohchr"]})
    assert set(both) == {three["hrc"], three["upr"]}
    narrowed = queries.filter_entries(
        Entry.objects.all(), {"body": ["hrc"], "year": ["2022"], "status": ["open"]}
    )
    assert list(narrowed) == [three["mex"]]
    assert list(queries.filter_entries(Entry.objects.all(), {"reprisal_type": "defamation"})) == [
        three["upr"]
    ]


def test_a_year_that_is_not_a_number_is_ignored(three):
    assert queries.filter_entries(Entry.objects.all(), {"year": "twenty"}).count() == 3


def test_facet_counts_take_one_query_for_all_vocabularies_and_one_per_column(
    three, django_assert_max_num_queries
):
    labels = queries.Labels.load()
    qs = queries.filter_entries(Entry.objects.all(), {"country": "BHR", "q": "lawyer"})
    with django_assert_max_num_queries(1 + len(queries.SINGLE_VALUED)):
        queries.facet_counts(qs, labels)


def test_full_text_search_finds_words_of_the_title_summary_and_reference(three):
    found = queries.filter_entries(Entry.objects.all(), {"q": "journalist"})
    assert list(found) == [three["upr"]]
    by_summary = queries.filter_entries(Entry.objects.all(), {"q": "Geneva statement"})
    assert by_summary.count() == 3
    by_ref = queries.filter_entries(Entry.objects.all(), {"q": three["mex"].ref})
    assert list(by_ref) == [three["mex"]]
    assert not queries.filter_entries(Entry.objects.all(), {"q": "nothing-like-this"}).exists()


def test_search_syntax_from_the_user_never_breaks_the_query(three):
    for q in ['"unbalanced', "title: AND OR NOT (", "NEAR(a b)", "lawyer*", "-x", "'; DROP"]:
        list(queries.filter_entries(Entry.objects.all(), {"q": q}))


def test_search_follows_edits_of_the_title(three, documenter):
    services.update_entry(documenter, three["mex"], {"title": "Teacher harassed online"})
    assert list(queries.filter_entries(Entry.objects.all(), {"q": "teacher"})) == [three["mex"]]
    assert not queries.filter_entries(Entry.objects.all(), {"q": "community"}).exists()


@pytest.mark.parametrize(
    "q", ["al khawaja", "alkhawaja", "Al-Khawaja", "KHAWAJA", "abdulhadi al-khawaja", "Ḳhawaja"]
)
def test_a_subject_is_found_by_name_through_the_blind_index(three, documenter, q):
    services.add_subject(
        documenter, three["hrc"], {"kind": "individual", "name": "Abdulhadi Al-Khawaja"}
    )
    found = queries.filter_entries(Entry.objects.all(), {"q": q})
    assert list(found) == [three["hrc"]]


def test_an_alias_is_searchable_and_a_near_miss_is_not(three, documenter):
    services.add_subject(
        documenter,
        three["upr"],
        {"kind": "individual", "name": "Nadia Haddad", "aliases": ["Umm Karim"]},
    )
    assert list(queries.filter_entries(Entry.objects.all(), {"q": "umm karim"})) == [three["upr"]]
    assert not queries.filter_entries(Entry.objects.all(), {"q": "haddadi"}).exists()
    assert not NameToken.objects.filter(token__in=["nadia", "haddad", "karim"]).exists()


def test_sorting_and_pages(make_entry):
    for year in (2015, 2019, 2012):
        make_entry(year=year)
    newest = queries.sort_entries(Entry.objects.all(), "newest")
    assert [e.year for e in newest] == [2019, 2015, 2012]
    oldest = queries.sort_entries(Entry.objects.all(), "oldest")
    assert [e.year for e in oldest] == [2012, 2015, 2019]
    by_ref = queries.sort_entries(Entry.objects.all(), "reference")
    assert [e.ref for e in by_ref] == sorted(e.ref for e in by_ref)
    assert list(queries.sort_entries(Entry.objects.all(), "bogus")) == list(newest)
