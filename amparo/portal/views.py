"""The public portal: browse, search and read published entries, export them. No account.

Pages set no cookie (no session, no CSRF token: every form is GET), so a visitor leaves no
trace in the browser; the language comes from the browser or the `lang` parameter.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.functional import cached_property
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from amparo.analytics import queries
from amparo.analytics.report import FACET_TITLES
from amparo.cases import queries as cases_queries
from amparo.cases.listing import SORT_LABELS, facet_panel, param_pairs, query_string
from amparo.cases.models import Entry
from amparo.core.interchange import csv_cell
from amparo.core.reference import MULTI_VALUED

PAGE_SIZE = 25
LANGUAGES = {code for code, _name in settings.LANGUAGES}


class CountedPaginator(Paginator):
    """A paginator told the number of entries (from the facet counts) instead of counting them."""

    def __init__(self, object_list: Any, per_page: int, total: int) -> None:
        super().__init__(object_list, per_page)
        self.total = total

    @cached_property
    def count(self) -> int:
        return self.total


def public_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET only, in the language of `lang` when given (no cookie is ever set).

    CSRF-exempt because it takes GET and HEAD only: another method gets 405, not the CSRF
    middleware's 403 (found by schemathesis), and nothing here changes state.
    """

    @csrf_exempt
    @require_safe
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        lang = request.GET.get("lang", "")
        if lang not in LANGUAGES:
            return view(request, *args, **kwargs)
        with translation.override(lang):
            response = view(request, *args, **kwargs)
            response.headers["Content-Language"] = lang
            return response

    wrapper.allowed_methods = ("GET", "HEAD")  # type: ignore[attr-defined]  # for Allow on 405
    return wrapper


def _language_links(request: HttpRequest) -> list[dict[str, Any]]:
    pairs = param_pairs(request, drop=("lang",))
    current = translation.get_language()
    return [
        {
            "code": code,
            "name": translation.get_language_info(code)["name_local"],
            "url": query_string([*pairs, ("lang", code)]),
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]


def _common(request: HttpRequest) -> dict[str, Any]:
    lang = request.GET.get("lang", "")
    return {
        "language_links": _language_links(request),
        "lang_qs": query_string([("lang", lang)]) if lang in LANGUAGES else "",
        "filters_qs": query_string(param_pairs(request, drop=("page", "sort"))),
    }


@public_page
def home(request: HttpRequest) -> HttpResponse:
    """Faceted browse and full-text search over public entries, sorted and paginated."""
    labels = cases_queries.Labels.load()
    counts, total = queries.public_facets(request.GET, labels)
    entries = queries.public_entries(request.GET, matches=total)
    sort = request.GET.get("sort", cases_queries.DEFAULT_SORT)
    sort = sort if sort in SORT_LABELS else cases_queries.DEFAULT_SORT
    page = CountedPaginator(
        cases_queries.sort_entries(entries, sort).only(
            "ref", "title", "country", "year", "kind", "summary"
        ),
        PAGE_SIZE,
        total,
    ).get_page(request.GET.get("page"))
    pairs = param_pairs(request)
    active = cases_queries.active_filters(request.GET, queries.PORTAL_FACETS)
    facets, chips = facet_panel(pairs, counts, active, queries.PORTAL_FACETS, FACET_TITLES, labels)
    rows = [
        {
            "entry": e,
            "country": labels.of("country", e.country),
            "kind": labels.of("kind", e.kind),
        }
        for e in page.object_list
    ]
    start, end = queries.year_bounds(request.GET)
    context = {
        **_common(request),
        "page": page,
        "rows": rows,
        "facets": facets,
        "chips": chips,
        "q": request.GET.get("q", ""),
        "year_from": start or "",
        "year_to": end or "",
        "sort": sort,
        "sorts": SORT_LABELS.items(),
        "hidden": [(k, v) for k, v in pairs if k not in ("q", "sort", "year_from", "year_to")],
        "clear_url": query_string([(k, v) for k, v in pairs if k in ("q", "sort", "lang")]) or "?",
        "page_url": (query_string(pairs) + "&") if pairs else "?",
    }
    return render(request, "portal/home.html", context)


def get_public_entry(ref: str) -> Entry:
    """The public entry with this reference, or 404 (the same for unpublished and unknown)."""
    if "\x00" in ref:  # PostgreSQL refuses NUL in text; no ref holds one
        raise Http404("no public entry with this reference")
    entry = Entry.objects.in_portal().filter(ref=ref).prefetch_related("terms", "citations").first()
    if entry is None:
        raise Http404("no public entry with this reference")
    return entry


@public_page
def entry(request: HttpRequest, ref: str) -> HttpResponse:
    """An entry's public coding and its citations in UN documents; its permalink is its ref."""
    record = get_public_entry(ref)
    labels = cases_queries.Labels.load()
    context = {
        **_common(request),
        "entry": record,
        "country": labels.of("country", record.country),
        "region": labels.of("region", record.region),
        "kind": labels.of("kind", record.kind),
        "subject_kind": labels.of("subject_kind", record.subject_kind)
        if record.subject_kind
        else "",
        "gender": labels.of("gender", record.gender) if record.gender else "",
        "terms": [
            (FACET_TITLES[v], labels.many(v, record.terms_of(v)))
            for v in MULTI_VALUED
            if record.terms_of(v)
        ],
        "citations": list(record.citations.all()),
        "permalink": request.build_absolute_uri(request.path),
    }
    return render(request, "portal/entry.html", context)


def _csv_chunks(qs: Any) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(queries.PUBLIC_COLUMNS)
    yield out.getvalue()
    for records in queries.stream_public_records(qs):
        out.seek(0)
        out.truncate()
        for record in records:
            writer.writerow(csv_cell(v) for v in record.values())
        yield out.getvalue()


def _jsonl_chunks(qs: Any) -> Iterator[str]:
    for records in queries.stream_public_records(qs):
        yield "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


@public_page
def export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The filtered public entries as CSV or JSON Lines, streamed: no row cap, flat memory."""
    qs = queries.public_entries(request.GET)
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_chunks(qs), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(
            _jsonl_chunks(qs), content_type="application/x-ndjson; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="amparo-entries.{fmt}"'
    return response
