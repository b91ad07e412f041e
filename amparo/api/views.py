"""The read-only open data API: public entries with filters and facets, and its OpenAPI schema.

Same query functions as the portal pages (analytics.queries), so the API, the pages and the
exports always agree. No cookie, no authentication, GET only: other methods get 405 (the views
are exempt from the CSRF check, which would otherwise answer an unknown method with 403).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from amparo.analytics import queries
from amparo.api.schema import openapi_document
from amparo.cases import queries as cases_queries
from amparo.cases.models import Entry
from amparo.portal.views import (
    CountedPaginator,
    _common,
    get_public_entry,
    param_pairs,
    public_page,
    query_string,
)

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_PAGE = 10**9
MAX_YEAR = 9999
JSON = {"ensure_ascii": False}


def _problem(status: int, parameter: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"parameter": parameter, "message": message}},
        status=status,
        json_dumps_params=JSON,
    )


def _number(request: HttpRequest, name: str, default: int, low: int, high: int) -> int | None:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        return None
    return int(raw)


@csrf_exempt
@public_page
def entries(request: HttpRequest) -> JsonResponse:
    """GET /api/entries: a page of public records, the total and the ten facets with counts."""
    size = _number(request, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    if size is None:
        return _problem(400, "page_size", f"must be a whole number from 1 to {MAX_PAGE_SIZE}")
    number = _number(request, "page", 1, 1, MAX_PAGE)
    if number is None:
        return _problem(400, "page", "must be a whole number from 1")
    for name in ("year_from", "year_to"):
        if _number(request, name, 0, 0, MAX_YEAR) is None:
            return _problem(400, name, f"must be a year, a whole number from 0 to {MAX_YEAR}")
    facets = request.GET.get("facets", "true")
    if facets not in ("true", "false"):
        return _problem(400, "facets", "must be true or false")
    sort = request.GET.get("sort", cases_queries.DEFAULT_SORT)
    if sort not in queries.SORTS:
        return _problem(400, "sort", "must be one of " + ", ".join(queries.SORTS))
    counts, total = queries.public_facets(request.GET)
    qs = queries.public_entries(request.GET, matches=total)
    paginator = CountedPaginator(cases_queries.sort_entries(qs, sort), size, total)
    if number > max(paginator.num_pages, 1):
        return _problem(404, "page", f"there are {paginator.num_pages} pages")
    page = paginator.page(number)
    base = request.build_absolute_uri(reverse("api:entries"))
    pairs = param_pairs(request)
    body: dict[str, Any] = {
        "count": paginator.count,
        "page": number,
        "pages": paginator.num_pages,
        "next": base + query_string([*pairs, ("page", str(number + 1))])
        if page.has_next()
        else None,
        "previous": base + query_string([*pairs, ("page", str(number - 1))])
        if page.has_previous()
        else None,
        "results": [_with_url(request, r) for r in queries.public_records(page.object_list)],
    }
    if facets == "true":
        body["facets"] = {
            name: [{"value": v.slug, "label": v.label, "count": v.count} for v in values]
            for name, values in counts.items()
        }
    return JsonResponse(body, json_dumps_params=JSON)


def _with_url(request: HttpRequest, record: dict[str, Any]) -> dict[str, Any]:
    record["url"] = request.build_absolute_uri(reverse("portal:entry", args=[record["ref"]]))
    return record


@csrf_exempt
@public_page
def entry(request: HttpRequest, ref: str) -> JsonResponse:
    """GET /api/entries/<ref>: one public record (404 when unknown or not public)."""
    try:
        if "\x00" in ref:  # no ref holds one, and PostgreSQL refuses it in a query
            raise Http404
        found = get_public_entry(ref)
    except Http404:  # answered in JSON, the same for unknown and unpublished
        return _problem(404, "ref", "no public entry has this reference")
    return JsonResponse(
        _with_url(request, queries.public_records(Entry.objects.filter(pk=found.pk))[0]),
        json_dumps_params=JSON,
    )


@csrf_exempt
@public_page
def openapi(request: HttpRequest) -> JsonResponse:
    """GET /api/openapi.json: the OpenAPI 3.1 description of this API."""
    server = request.build_absolute_uri("/")[:-1]
    return JsonResponse(openapi_document(server), json_dumps_params=JSON)


@csrf_exempt
@public_page
def docs(request: HttpRequest) -> HttpResponse:
    """A human page pointing to the endpoints, the exports and the schema."""
    return render(request, "api/docs.html", {**_common(request), "facets": queries.PORTAL_FACETS})
