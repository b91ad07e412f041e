"""What the staff register and the public portal share to show a faceted list of entries.

Query strings, the links that switch a facet value on or off, and the facet panel with its
"active filter" chips. The counts come from each caller (the register counts live over what a
user may see; the portal reads its kept counts), so only the presentation lives here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy

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


def toggle(
    pairs: list[tuple[str, str]], name: str, slug: str, on: bool, base: str | None = None
) -> str:
    """The link that switches one facet value off (when ``on``) or on, keeping the rest.

    ``base``, the encoded ``pairs`` when the caller has it, saves encoding them again for each
    of a facet panel's values that is switched on.
    """
    if on:
        return query_string([p for p in pairs if p != (name, slug)]) or "?"
    if base is None:
        base = urlencode(pairs)
    added = urlencode([(name, slug)])
    return f"?{base}&{added}" if base else f"?{added}"


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
    base = urlencode(pairs)
    for name in names:
        chosen = active.get(name, [])
        values = [
            {
                "value": v,
                "active": v.slug in chosen,
                "url": toggle(pairs, name, v.slug, v.slug in chosen, base),
            }
            for v in counts[name]
        ]
        if values:
            facets.append(
                {
                    "name": name,
                    "title": titles[name],
                    "values": values,
                    "shown": facet_items(values[:FACETS_SHOWN]),
                    "more": facet_items(values[FACETS_SHOWN:]),
                    "more_count": max(len(values) - FACETS_SHOWN, 0),
                }
            )
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


def facet_items(values: list[dict[str, Any]]) -> SafeString:
    """The list items of facet values, each a link that switches it on or off, with its count.

    Built here rather than by a template include per value: a portal page lists some 230 values,
    and their includes were the largest part of its rendering time under load (ADR 0020). Links,
    labels and counts are HTML-escaped here (html.escape, as Django's escape filter does); a
    count is localised once per distinct number.
    """
    remove = f'<span class="visually-hidden">{escape(gettext("Remove filter"))} </span>✓ '
    counts: dict[int, str] = {}
    items = []
    for item in values:
        value = item["value"]
        if value.count not in counts:
            counts[value.count] = escape(str(localize(value.count)))
        mark = ' class="active" aria-current="true">' + remove if item["active"] else ">"
        items.append(
            f'<li><a href="{escape(item["url"])}"{mark}{escape(str(value.label))}</a> '
            f'<span class="count">{counts[value.count]}</span></li>'
        )
    return mark_safe("\n".join(items))  # noqa: S308 (every part escaped above) # nosec B308, B703
