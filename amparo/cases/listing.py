"""What the staff register and the public portal share to show a faceted list of entries.

Query strings, the links that switch a facet value on or off, and the facet panel with its
"active filter" chips. The counts come from each caller (the register counts live over what a
user may see; the portal reads its kept counts), so only the presentation lives here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

SORT_LABELS = {
    "newest": gettext_lazy("Newest first"),
    "oldest": gettext_lazy("Oldest first"),
    "country": gettext_lazy("Country"),
    "reference": gettext_lazy("Reference"),
}
FACETS_SHOWN = 8


def param_pairs(request: HttpRequest, drop: tuple[str, ...] = ("page",)) -> list[tuple[str, str]]:
    """The query parameters as (name, value) pairs, without empty values and those in ``drop``."""
    return [(k, v) for k, values in request.GET.lists() for v in values if k not in drop and v]


def query_string(pairs: list[tuple[str, str]]) -> str:
    """``?a=1&b=2``, or an empty string when there is nothing to say."""
    return "?" + urlencode(pairs) if pairs else ""


def toggle(pairs: list[tuple[str, str]], name: str, slug: str, on: bool) -> str:
    """The link that switches one facet value off (when ``on``) or on, keeping the rest."""
    kept = [p for p in pairs if p != (name, slug)] if on else [*pairs, (name, slug)]
    return query_string(kept) or "?"


def facet_panel(
    pairs: list[tuple[str, str]],
    counts: Mapping[str, Iterable[Any]],
    active: Mapping[str, list[str]],
    names: Iterable[str],
    titles: Mapping[str, Any],
    labels: Any,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The facets with their values and links, and a removable chip per active filter."""
    facets = []
    for name in names:
        chosen = active.get(name, [])
        values = [
            {
                "value": v,
                "active": v.slug in chosen,
                "url": toggle(pairs, name, v.slug, v.slug in chosen),
            }
            for v in counts[name]
        ]
        if values:
            facets.append({"name": name, "title": titles[name], "values": values})
    chips = [
        {
            "title": titles[name],
            "label": labels.of(name, slug),
            "url": toggle(pairs, name, slug, True),
        }
        for name, slugs in active.items()
        for slug in slugs
    ]
    return facets, chips
