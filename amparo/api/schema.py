"""The OpenAPI 3.1 document of the open data API, written by hand beside the views."""

from __future__ import annotations

from typing import Any

from amparo.analytics.queries import PORTAL_FACETS, PUBLIC_COLUMNS, SORTS
from amparo.core.reference import MULTI_VALUED

LIST_COLUMNS = {"themes", "contact_points", "bodies", "reprisal_types", "perpetrators", "citations"}


def _entry_schema() -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for column in PUBLIC_COLUMNS:
        if column in LIST_COLUMNS:
            properties[column] = {"type": "array", "items": {"type": "string"}}
        elif column == "year":
            properties[column] = {"type": ["integer", "null"]}
        else:
            properties[column] = {"type": "string"}
    properties["url"] = {"type": "string", "format": "uri", "description": "Permalink"}
    properties["citations"]["description"] = "UN document citations: `SYMBOL [annex X] para N`"
    return {
        "type": "object",
        "required": [*PUBLIC_COLUMNS, "url"],
        "properties": properties,
        "additionalProperties": False,
    }


def _filter_parameters(*, strict_years: bool = True) -> list[dict[str, Any]]:
    """The filters of the list and the exports; the exports, like the portal pages, ignore a
    year bound that is not a year (the list answers 400 naming it)."""
    if strict_years:
        year: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": 9999}
    else:
        year = {"type": "string", "description": "A year; anything else is ignored"}
    params = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": f"Keep entries with this {name} (repeat to allow several values; "
            + ("an entry holding any of them matches)" if name in MULTI_VALUED else "OR-ed)"),
            "schema": {"type": "array", "items": {"type": "string"}},
            "style": "form",
            "explode": True,
        }
        for name in PORTAL_FACETS
    ]
    params += [
        {
            "name": "q",
            "in": "query",
            "description": "Full-text search of title, summary and "
            "reference; every word must match",
            "schema": {"type": "string"},
        },
        {"name": "year_from", "in": "query", "schema": year},
        {"name": "year_to", "in": "query", "schema": year},
    ]
    return params


def openapi_document(server: str) -> dict[str, Any]:
    """The schema, with ``server`` (scheme and host of the request) as its server URL."""
    facet_value = {
        "type": "object",
        "properties": {
            "value": {"type": "string"},
            "label": {"type": "string"},
            "count": {"type": "integer"},
        },
    }
    error = {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {"parameter": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    }
    retry_after = {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}}
    too_many = {
        "description": "Too many requests from this address (docs/adr/0016-rate-limits.md)",
        "headers": retry_after,
        "content": {"application/json": {"schema": error}},
    }
    too_many_page = {**too_many, "content": {"text/html": {}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Amparo open data API",
            "version": "1.0.0",
            "description": "Read-only access to the public entries of an Amparo register: "
            "published, and consented to or about no person. Confidential fields are never "
            "part of a response.",
            "license": {"name": "AGPL-3.0-or-later (software)"},
        },
        "servers": [{"url": server}],
        "paths": {
            "/api/entries": {
                "get": {
                    "operationId": "listEntries",
                    "summary": "Public entries with filters, search and facet counts",
                    "parameters": [
                        *_filter_parameters(),
                        {"name": "sort", "in": "query", "schema": {"enum": list(SORTS)}},
                        {
                            "name": "page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 10**9},
                        },
                        {
                            "name": "page_size",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                        },
                        {
                            "name": "facets",
                            "in": "query",
                            "description": "`false` leaves the facet counts out",
                            "schema": {"enum": ["true", "false"]},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of entries",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["count", "page", "pages", "results"],
                                        "properties": {
                                            "count": {"type": "integer"},
                                            "page": {"type": "integer"},
                                            "pages": {"type": "integer"},
                                            "next": {"type": ["string", "null"]},
                                            "previous": {"type": ["string", "null"]},
                                            "results": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Entry"},
                                            },
                                            "facets": {
                                                "type": "object",
                                                "properties": {
                                                    name: {"type": "array", "items": facet_value}
                                                    for name in PORTAL_FACETS
                                                },
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "400": {
                            "description": "A bad parameter, named in the answer",
                            "content": {"application/json": {"schema": error}},
                        },
                        "404": {
                            "description": "A page past the last one",
                            "content": {"application/json": {"schema": error}},
                        },
                        "429": too_many,
                    },
                }
            },
            "/api/entries/{ref}": {
                "get": {
                    "operationId": "getEntry",
                    "summary": "One public entry by its reference",
                    "parameters": [
                        {
                            "name": "ref",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The entry",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Entry"}
                                }
                            },
                        },
                        "404": {
                            "description": "No public entry has this reference",
                            "content": {"application/json": {"schema": error}},
                        },
                        "429": too_many,
                    },
                }
            },
            "/export.csv": {
                "get": {
                    "operationId": "exportCsv",
                    "summary": "Every matching public entry as CSV, streamed, no row limit",
                    "parameters": _filter_parameters(strict_years=False),
                    "responses": {
                        "200": {"description": "CSV", "content": {"text/csv": {}}},
                        "429": too_many_page,
                    },
                }
            },
            "/export.jsonl": {
                "get": {
                    "operationId": "exportJsonLines",
                    "summary": "Every matching public entry as JSON Lines, streamed, no row limit",
                    "parameters": _filter_parameters(strict_years=False),
                    "responses": {
                        "200": {
                            "description": "JSON Lines",
                            "content": {"application/x-ndjson": {}},
                        },
                        "429": too_many_page,
                    },
                }
            },
        },
        "components": {"schemas": {"Entry": _entry_schema()}},
    }
