"""Charts drawn on the server as SVG: no script, no request elsewhere, readable without images.

Each chart carries an SVG <title> and <desc>, a text alternative and its data table, so the
page says the same thing to a screen reader, a text browser and a printed report. Colours are
presentation attributes (never style attributes: the CSP forbids inline styles).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from amparo.core.reference import DATA_DIR

PALETTE = ("#1f5f8b", "#c0612b", "#5b8c3a", "#7a4e9c", "#8c7b2f", "#2f7f7a")
BAR = "#1f5f8b"
MAP_EMPTY = "#e4e4e4"
MAP_SCALE = ("#d6e6f2", "#a9cbe3", "#6fa6cf", "#3b7db3", "#1a4f80")
WIDTH = 640
ROW = 22
LABEL_WIDTH = 210


@dataclass
class Chart:
    """A chart: what it shows, its SVG, its text alternative and its data as a table."""

    id: str
    title: str
    alt: str
    headers: list[str]
    rows: list[list[str]]
    svg: SafeString


def _svg(chart_id: str, title: str, alt: str, width: int, height: int, body: str) -> SafeString:
    return mark_safe(  # noqa: S308 (every text inside goes through html.escape) # nosec B308, B703
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="svg-{chart_id}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="svg-{chart_id}-title svg-{chart_id}-desc">'
        f'<title id="svg-{chart_id}-title">{escape(title)}</title>'
        f'<desc id="svg-{chart_id}-desc">{escape(alt)}</desc>{body}</svg>'
    )


def _percent(value: int, total: int) -> str:
    return f"{100 * value / total:.1f} %" if total else "0.0 %"


def _summary(title: str, items: list[tuple[str, int]], total: int) -> str:
    if not items:
        return _("%(title)s: no entries match.") % {"title": title}
    top = "; ".join(f"{label} {n} ({_percent(n, total)})" for label, n in items[:5])
    return _("%(title)s, out of %(total)s entries. Largest: %(top)s.") % {
        "title": title,
        "total": total,
        "top": top,
    }


def bar_chart(chart_id: str, title: str, items: list[tuple[str, int]], total: int) -> Chart:
    """Horizontal bars, largest first; shares are of ``total`` (an entry may hold several)."""
    peak = max((n for _label, n in items), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 90
    parts = []
    for i, (label, n) in enumerate(items):
        y = i * ROW
        length = round(span * n / peak)
        short = label if len(label) <= 30 else label[:29] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{escape(short)}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{max(length, 1)}" height="{ROW - 6}" '
            f'fill="{BAR}"><title>{escape(label)}: {n}</title></rect>'
            f'<text x="{LABEL_WIDTH + length + 4}" y="{y + 15}" font-size="12">'
            f"{n} ({_percent(n, total)})</text>"
        )
    height = max(len(items), 1) * ROW + 4
    return Chart(
        id=chart_id,
        title=title,
        alt=_summary(title, items, total),
        headers=[_("Value"), _("Entries"), _("Share")],
        rows=[[label, str(n), _percent(n, total)] for label, n in items],
        svg=_svg(chart_id, title, _summary(title, items, total), WIDTH, height, "".join(parts)),
    )


def years_chart(
    chart_id: str,
    title: str,
    table: dict[str, dict[str, int]],
    kinds: list[tuple[str, str]],
) -> Chart:
    """Stacked columns: entries per year, one colour per kind, with a legend."""
    years = list(table)
    totals = [sum(table[y].values()) for y in years]
    peak = max(totals, default=0) or 1
    plot_height, top, left = 200, 10, 40
    step = (WIDTH - left - 10) / max(len(years), 1)
    parts = [
        f'<line x1="{left}" y1="{top + plot_height}" x2="{WIDTH - 10}" '
        f'y2="{top + plot_height}" stroke="#555"/>',
        f'<text x="{left - 4}" y="{top + 10}" text-anchor="end" font-size="11">{peak}</text>',
    ]
    for i, year in enumerate(years):
        x = left + i * step
        base = top + plot_height
        for k, (slug, label) in enumerate(kinds):
            n = table[year].get(slug, 0)
            if not n:
                continue
            h = plot_height * n / peak
            base -= h
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{base:.1f}" width="{max(step - 2, 1):.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[k % len(PALETTE)]}">'
                f"<title>{escape(year)}, {escape(label)}: {n}</title></rect>"
            )
        if len(years) <= 16 or i % max(len(years) // 12, 1) == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{top + plot_height + 14}" '
                f'text-anchor="middle" font-size="11">{escape(year)}</text>'
            )
    # One legend line per kind: labels run long in French and Spanish.
    legend_top = top + plot_height + 34
    for k, (_slug, label) in enumerate(kinds):
        y = legend_top + k * 16
        parts.append(
            f'<rect x="{left}" y="{y - 10}" width="12" height="12" '
            f'fill="{PALETTE[k % len(PALETTE)]}"/>'
            f'<text x="{left + 16}" y="{y}" font-size="11">{escape(label)}</text>'
        )
    legend_y = legend_top + (len(kinds) - 1) * 16
    total = sum(totals)
    busiest = sorted(zip(years, totals, strict=True), key=lambda p: -p[1])[:3]
    if years:
        alt = _("%(title)s: %(total)s entries from %(first)s to %(last)s; most in %(top)s.") % {
            "title": title,
            "total": total,
            "first": years[0],
            "last": years[-1],
            "top": ", ".join(f"{y} ({n})" for y, n in busiest),
        }
    else:
        alt = _("%(title)s: no entries match.") % {"title": title}
    rows = [
        [y] + [str(table[y].get(s, 0)) for s, _l in kinds] + [str(t)]
        for y, t in zip(years, totals, strict=True)
    ]
    return Chart(
        id=chart_id,
        title=title,
        alt=alt,
        headers=[_("Year"), *[label for _s, label in kinds], _("Total")],
        rows=rows,
        svg=_svg(chart_id, title, alt, WIDTH, legend_y + 8, "".join(parts)),
    )


@cache
def world_paths() -> dict:
    """The simplified world map shipped in amparo/data/world.json (Natural Earth, public domain)."""
    return json.loads((DATA_DIR / "world.json").read_text(encoding="utf-8"))


def _shade(n: int, peak: int) -> str:
    if not n:
        return MAP_EMPTY
    index = min(int(len(MAP_SCALE) * (n / peak) ** 0.5), len(MAP_SCALE) - 1)
    return MAP_SCALE[index]


def world_map(
    chart_id: str, title: str, counts: dict[str, int], names: dict[str, str], total: int
) -> Chart:
    """Countries shaded by entries (square-root scale); the table lists every country counted."""
    world = world_paths()
    _x, _y, width, height = world["view_box"]
    peak = max(counts.values(), default=0) or 1
    parts = [f'<rect width="{width}" height="{height}" fill="#f7fbff"/>']
    for code, path in world["countries"].items():
        n = counts.get(code, 0)
        label = f"{names.get(code, code)}: {n}"
        parts.append(
            f'<path d="{path}" fill="{_shade(n, peak)}" stroke="#fff" stroke-width="0.4">'
            f"<title>{escape(label)}</title></path>"
        )
    items = [(names.get(code, code), n) for code, n in counts.items()]
    missing = sorted(code for code in counts if code not in world["countries"])
    alt = _summary(title, items, total)
    if missing:
        alt += " " + _("Too small to draw, listed in the table: %(codes)s.") % {
            "codes": ", ".join(names.get(c, c) for c in missing)
        }
    return Chart(
        id=chart_id,
        title=title,
        alt=alt,
        headers=[_("Country"), _("Entries"), _("Share")],
        rows=[[label, str(n), _percent(n, total)] for label, n in items],
        svg=_svg(chart_id, title, alt, width, height, "".join(parts)),
    )
