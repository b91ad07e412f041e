"""The situation report: every HB §1.2 figure over any filtered set of public entries.

One function builds the report from the data; the page, the PDF and ``amparo report`` render
that same object, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amparo.analytics import charts
from amparo.analytics.queries import (
    PORTAL_FACETS,
    Figures,
    figures,
    public_entries,
    share,
    year_bounds,
)
from amparo.cases import queries as cases_queries
from amparo.core.reference import slugs

TOP_COUNTRIES = 15
FACET_TITLES = {
    "country": gettext_lazy("Country"),
    "region": gettext_lazy("Region"),
    "year": gettext_lazy("Year"),
    "kind": gettext_lazy("Kind"),
    "body": gettext_lazy("Body engaged"),
    "reprisal_type": gettext_lazy("Reprisal type"),
    "gender": gettext_lazy("Gender"),
    "theme": gettext_lazy("Theme"),
    "contact_point": gettext_lazy("Point of contact"),
    "perpetrator": gettext_lazy("Perpetrator"),
}


@dataclass
class Statement:
    """One figure in words: label, count, share of the stated whole."""

    label: str
    count: int
    percent: float


@dataclass
class Section:
    id: str
    title: str
    whole: int
    whole_label: str
    statements: list[Statement]
    chart: charts.Chart | None = None


@dataclass
class Report:
    filters: list[str]
    total: int
    named_total: int
    sections: list[Section] = field(default_factory=list)
    generated_at: Any = None


def _labelled(
    counts: dict[str, int], vocabulary: str, labels: cases_queries.Labels
) -> list[tuple[str, int]]:
    return [(labels.of(vocabulary, slug), n) for slug, n in counts.items()]


def _gender_label(slug: str, labels: cases_queries.Labels) -> str:
    if slug in ("organisation", "group"):
        return labels.of("subject_kind", slug)
    return labels.of("gender", slug)


def describe_filters(params: Mapping[str, Any], labels: cases_queries.Labels) -> list[str]:
    """The filters in words, e.g. ["Country: Bahrain", "Years: 2015 to 2020"]."""
    found = [
        f"{FACET_TITLES[name]}: {', '.join(labels.of(name, v) for v in values)}"
        for name, values in cases_queries.active_filters(params, PORTAL_FACETS).items()
    ]
    start, end = year_bounds(params)
    if start or end:
        found.append(_("Years: %(start)s to %(end)s") % {"start": start or "…", "end": end or "…"})
    q = " ".join(cases_queries.search_words(str(params.get("q") or "")))
    if q:
        found.append(_("Search: %(q)s") % {"q": q})
    return found


def build_charts(figs: Figures, labels: cases_queries.Labels) -> list[charts.Chart]:
    """Every analytics chart over one set of figures, in the order of HB §1.2."""
    total, named = figs.total, figs.named_total
    kinds = [(slug, labels.of("kind", slug)) for slug in slugs("kind")]
    countries = dict(list(figs.all["by_country"].items())[:TOP_COUNTRIES])
    return [
        charts.years_chart("years", _("Entries per year, by kind"), figs.years_by_kind, kinds),
        charts.bar_chart(
            "countries",
            _("Top %(n)s countries") % {"n": TOP_COUNTRIES},
            _labelled(countries, "country", labels),
            total,
        ),
        charts.bar_chart(
            "regions",
            _("Regions, all entries"),
            _labelled(figs.all["by_region"], "region", labels),
            total,
        ),
        charts.bar_chart(
            "regions-named",
            _("Regions, named entries"),
            _labelled(figs.named["by_region"], "region", labels),
            named,
        ),
        charts.bar_chart(
            "bodies", _("Bodies engaged"), _labelled(figs.all["by_body"], "body", labels), total
        ),
        charts.bar_chart(
            "reprisal-types",
            _("Reprisal types, named entries"),
            _labelled(figs.named["by_reprisal_type"], "reprisal_type", labels),
            named,
        ),
        charts.bar_chart(
            "contact-points",
            _("Points of contact with the UN"),
            _labelled(figs.all["by_contact_point"], "contact_point", labels),
            total,
        ),
        charts.bar_chart(
            "gender",
            _("Gender of named entries"),
            [(_gender_label(s, labels), n) for s, n in figs.named_gender.items()],
            named,
        ),
        charts.bar_chart(
            "themes",
            _("Themes of the work"),
            _labelled(figs.all["by_theme"], "theme", labels),
            total,
        ),
    ]


def map_chart(figs: Figures, labels: cases_queries.Labels) -> charts.Chart:
    """The world map shaded by entries per country."""
    counts = figs.all["by_country"]
    names = {code: labels.of("country", code) for code in counts}
    return charts.world_map("map", _("Entries per country"), counts, names, figs.total)


def _section(
    section_id: str,
    title: str,
    items: list[tuple[str, int]],
    whole: int,
    whole_label: str,
    chart: charts.Chart | None,
) -> Section:
    statements = [Statement(label, n, share(n, whole)) for label, n in items]
    return Section(section_id, title, whole, whole_label, statements, chart)


def situation_report(params: Mapping[str, Any] | None = None) -> Report:
    """The HB §1.2 figures over the public entries matching ``params``, with their charts."""
    params = params or {}
    labels = cases_queries.Labels.load()
    figs = figures(public_entries(params))
    built = {c.id: c for c in build_charts(figs, labels)}
    total, named = figs.total, figs.named_total
    all_label, named_label = _("all entries"), _("named entries")
    kinds = {slug: figs.all["by_kind"].get(slug, 0) for slug in slugs("kind")}
    sections = [
        _section(
            "kinds",
            _("Entries by kind"),
            _labelled(kinds, "kind", labels),
            total,
            all_label,
            built["years"],
        ),
        _section(
            "gender",
            _("Gender of named entries"),
            [(_gender_label(s, labels), n) for s, n in figs.named_gender.items()],
            named,
            named_label,
            built["gender"],
        ),
        _section(
            "themes",
            _("Themes of the work"),
            _labelled(figs.all["by_theme"], "theme", labels),
            total,
            all_label,
            built["themes"],
        ),
        _section(
            "countries",
            _("Top countries"),
            _labelled(
                dict(list(figs.all["by_country"].items())[:TOP_COUNTRIES]), "country", labels
            ),
            total,
            all_label,
            map_chart(figs, labels),
        ),
        _section(
            "regions",
            _("Regions, all entries"),
            _labelled(figs.all["by_region"], "region", labels),
            total,
            all_label,
            built["regions"],
        ),
        _section(
            "regions-named",
            _("Regions, named entries"),
            _labelled(figs.named["by_region"], "region", labels),
            named,
            named_label,
            built["regions-named"],
        ),
        _section(
            "contact-points",
            _("Points of contact with the UN"),
            _labelled(figs.all["by_contact_point"], "contact_point", labels),
            total,
            all_label,
            built["contact-points"],
        ),
        _section(
            "bodies",
            _("Bodies engaged"),
            _labelled(figs.all["by_body"], "body", labels),
            total,
            all_label,
            built["bodies"],
        ),
        _section(
            "reprisal-types",
            _("Reprisal types, named entries"),
            _labelled(figs.named["by_reprisal_type"], "reprisal_type", labels),
            named,
            named_label,
            built["reprisal-types"],
        ),
    ]
    return Report(
        filters=describe_filters(params, labels),
        total=total,
        named_total=named,
        sections=sections,
        generated_at=timezone.now(),
    )


def render_html(report: Report, *, standalone: bool = False) -> str:
    """The report as HTML; ``standalone`` inlines its stylesheet (for the PDF and the command)."""
    css = ""
    if standalone:
        from django.contrib.staticfiles import finders

        css = open(finders.find("portal/report.css"), encoding="utf-8").read()  # noqa: SIM115
    return render_to_string(
        "analytics/report_document.html", {"report": report, "standalone": standalone, "css": css}
    )


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the report fetches nothing: refused {url[:60]}")


def render_pdf(report: Report) -> bytes:
    """The report as PDF (WeasyPrint), from the standalone HTML; nothing is fetched."""
    from weasyprint import HTML

    return HTML(string=render_html(report, standalone=True), url_fetcher=_refuse_fetch).write_pdf()
