"""Staff facet counts: the unfiltered shortcut counts exactly what a filtered query counts."""

from __future__ import annotations

from amparo.cases import queries
from amparo.cases.models import Entry


def test_an_unfiltered_list_counts_the_tables_directly_with_the_same_result(
    make_entry, django_assert_max_num_queries
):
    make_entry(country="BHR", year=2020, body=["hrc", "upr"])
    make_entry(country="VEN", year=None, gender="", body=["upr"], theme=["environment"])
    make_entry(kind="general_situation", country="VEN", subject_kind="", gender="")
    labels = queries.Labels.load()
    with django_assert_max_num_queries(1 + len(queries.SINGLE_VALUED)):
        everything = queries.facet_counts(Entry.objects.all(), labels)
    filtered = queries.facet_counts(Entry.objects.filter(id__gt=0), labels)
    assert everything == filtered
    assert [(v.slug, v.count) for v in everything["body"]] == [("hrc", 2), ("upr", 2)]
    assert [(v.slug, v.count) for v in everything["year"]] == [("2021", 1), ("2020", 1)]


def test_labels_follow_the_language(db):
    from django.utils import translation

    with translation.override("fr"):
        french = queries.Labels.load()
    english = queries.Labels.load()
    assert french.of("country", "DEU") != english.of("country", "DEU")
