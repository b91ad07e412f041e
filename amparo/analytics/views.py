"""Charts, the world map and the situation report over the visitor's current filters."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from amparo.analytics import queries, report
from amparo.cases import queries as cases_queries
from amparo.portal.views import _common, param_pairs, public_page, query_string


@public_page
def charts(request: HttpRequest) -> HttpResponse:
    """Every chart, each with its text alternative and data table; the map as an image."""
    labels = cases_queries.Labels.load()
    figs = queries.figures(queries.public_entries(request.GET))
    context = {
        **_common(request),
        "figures": figs,
        "charts": report.build_charts(figs, labels),
        "map": report.map_chart(figs, labels),
        "filters": report.describe_filters(request.GET, labels),
        "map_qs": query_string(param_pairs(request)),
    }
    return render(request, "analytics/charts.html", context)


@public_page
def world_map(request: HttpRequest) -> HttpResponse:
    """The world map alone, as an SVG image, shaded by the filtered entries per country."""
    labels = cases_queries.Labels.load()
    figs = queries.figures(queries.public_entries(request.GET))
    svg = report.map_chart(figs, labels).svg
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


@public_page
def situation_report(request: HttpRequest) -> HttpResponse:
    """The HB §1.2 figures in words, with charts, for the current filters."""
    context = {
        **_common(request),
        "report": report.situation_report(request.GET),
        "pdf_qs": query_string(param_pairs(request)),
    }
    return render(request, "analytics/report.html", context)


@public_page
def situation_report_pdf(request: HttpRequest) -> HttpResponse:
    """The same report as a PDF file."""
    pdf = report.render_pdf(report.situation_report(request.GET))
    response = HttpResponse(pdf, content_type="application/pdf")
    stamp = timezone.now().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="amparo-situation-report-{stamp}.pdf"'
    return response
