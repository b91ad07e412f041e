"""The facet panel's HTML, built in Python (ADR 0020), against what a Django template gives."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.template import Context, Template
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from amparo.cases.listing import facet_items, facet_panel, query_string, toggle

# The include that facet_items replaced, kept here as the reference it must match.
REFERENCE = Template(
    "{% load i18n %}{% for item in values %}"
    '<li><a href="{{ item.url }}"{% if item.active %} class="active" aria-current="true"'
    '{% endif %}>{% if item.active %}<span class="visually-hidden">{% translate "Remove filter" %}'
    " </span>✓ {% endif %}{{ item.value.label }}</a> "
    '<span class="count">{{ item.value.count }}</span></li>{% if not forloop.last %}\n'
    "{% endif %}{% endfor %}"
)


@dataclass
class Value:
    slug: str
    label: str
    count: int


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
items = st.lists(
    st.fixed_dictionaries(
        {
            "value": st.builds(Value, slug=texts, label=texts, count=st.integers(0, 10**7)),
            "active": st.booleans(),
            "url": texts,
        }
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(values=items, language=st.sampled_from(["en", "fr", "es"]))
def test_facet_items_match_the_template_they_replaced(values, language):
    with translation.override(language):
        assert str(facet_items(values)) == REFERENCE.render(Context({"values": values}))


def test_markup_in_a_label_or_link_is_escaped():
    value = Value("x", '<script>alert("1")</script>', 3)
    html = str(facet_items([{"value": value, "active": True, "url": '?a="><b>'}]))
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&quot;&gt;&lt;b&gt;" in html
    assert 'class="active" aria-current="true"' in html


def test_remove_filter_is_translated():
    value = Value("x", "Chile", 1)
    with translation.override("fr"):
        html = str(facet_items([{"value": value, "active": True, "url": "?"}]))
    assert "Retirer le filtre" in html


pairs_strategy = st.lists(st.tuples(texts, texts), max_size=5)


@settings(max_examples=200, deadline=None)
@given(pairs=pairs_strategy, name=texts, slug=texts, on=st.booleans())
def test_toggle_with_a_precomputed_base_is_the_same_link(pairs, name, slug, on):
    kept = [p for p in pairs if p != (name, slug)] if on else [*pairs, (name, slug)]
    expected = query_string(kept) or "?"
    assert toggle(pairs, name, slug, on) == expected
    assert toggle(pairs, name, slug, on, urlencode(pairs)) == expected


def test_facet_panel_splits_shown_and_more():
    values = [Value(f"v{i}", f"Value {i}", 20 - i) for i in range(11)]
    facets, chips = facet_panel(
        [("country", "v1")],
        {"country": values},
        {"country": ["v1"]},
        ["country"],
        {"country": "Country"},
        type("Labels", (), {"of": staticmethod(lambda name, slug: slug.upper())}),
    )
    (facet,) = facets
    assert facet["more_count"] == 3
    assert str(facet["shown"]).count("<li>") == 8 and str(facet["more"]).count("<li>") == 3
    assert 'href="?" class="active"' in str(facet["shown"])  # v1 on: its link switches it off
    assert 'href="?country=v1&amp;country=v0"' in str(facet["shown"])
    assert chips == [{"title": "Country", "label": "V1", "url": "?"}]
