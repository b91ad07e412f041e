"""The open data API and the streamed exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from amparo.analytics.queries import PUBLIC_COLUMNS


def get(url: str, params: dict | None = None):
    response = Client().get(url, params or {})
    return response, json.loads(response.content)


def test_the_list_filters_pages_and_counts_facets(publish):
    for i in range(7):
        publish(country="BHR" if i < 5 else "EGY", year=2015 + i, body=["hrc"])
    response, data = get("/api/entries", {"country": "BHR", "page_size": "2", "page": "2"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert (data["count"], data["page"], data["pages"]) == (5, 2, 3)
    assert "country=BHR" in data["next"] and "page=3" in data["next"]
    assert len(data["results"]) == 2 and set(data["results"][0]) == {*PUBLIC_COLUMNS, "url"}
    assert data["facets"]["country"] == [{"value": "BHR", "label": "Bahrain", "count": 5}]
    assert data["facets"]["body"][0]["count"] == 5
    assert "facets" not in get("/api/entries", {"facets": "false"})[1]


def test_the_list_takes_a_bounded_number_of_queries(publish):
    for i in range(30):
        publish(year=2000 + i, theme=["environment"])
    with CaptureQueriesContext(connection) as few:
        get("/api/entries", {"page_size": "5"})
    with CaptureQueriesContext(connection) as many:
        get("/api/entries", {"page_size": "30"})
    assert len(few) == len(many) <= 20


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"page": "-1"}, "page"),
        ({"sort": "x"}, "sort"),
        ({"page": "99"}, "page"),
    ],
)
def test_bad_parameters_get_a_message_naming_them(publish, params, parameter):
    publish()
    response, data = get("/api/entries", params)
    assert response.status_code in (400, 404)
    assert data["error"]["parameter"] == parameter


def test_one_entry_by_reference(marked_entry):
    response, data = get(f"/api/entries/{marked_entry.ref}")
    assert response.status_code == 200
    assert data["citations"] == ["A/HRC/48/28 annex I para 12"]
    assert data["url"] == f"http://testserver/entries/{marked_entry.ref}/"
    missing, error = get("/api/entries/NOPE-1")
    assert missing.status_code == 404 and error["error"]["parameter"] == "ref"


def test_the_openapi_document_describes_every_endpoint():
    response, schema = get("/api/openapi.json")
    assert schema["openapi"] == "3.1.0"
    assert set(schema["paths"]) == {
        "/api/entries",
        "/api/entries/{ref}",
        "/export.csv",
        "/export.jsonl",
    }
    entry = schema["components"]["schemas"]["Entry"]
    assert set(entry["properties"]) == {*PUBLIC_COLUMNS, "url"}
    names = {p["name"] for p in schema["paths"]["/api/entries"]["get"]["parameters"]}
    assert {"country", "perpetrator", "q", "year_from", "page_size"} <= names


def test_exports_stream_every_matching_entry_with_no_row_cap(publish, monkeypatch):
    monkeypatch.setattr("amparo.cases.interchange.BATCH", 4)  # many chunks from few entries
    for i in range(11):
        publish(country="BHR" if i % 2 else "EGY", year=2010 + i)
    client = Client()
    response = client.get("/export.csv", {"country": "EGY"})
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 6 and {r["country"] for r in rows} == {"EGY"}
    assert list(rows[0]) == list(PUBLIC_COLUMNS)
    assert [r["ref"] for r in rows] == sorted(r["ref"] for r in rows)
    lines = b"".join(client.get("/export.jsonl").streaming_content).decode().splitlines()
    assert len(lines) == 11 and json.loads(lines[0])["bodies"] == ["hrc"]
    assert "consent" not in json.loads(lines[0]) and "published" not in json.loads(lines[0])


# Found by scripts/security/20-schemathesis (issue 7): each of these answered 500 or broke the
# schema. "²" passes str.isdigit() but not int(); PostgreSQL refuses a NUL in a query.
@pytest.mark.parametrize(
    "url",
    [
        "/api/entries?year_from=%C2%B2",
        "/api/entries?page=%C2%B2",
        "/api/entries?year=%C2%B2",
        "/api/entries?body=hr%00c&country=B%00HR",
        "/api/entries?q=detained%00lawyer",
        "/api/entries/AMP%00-1",
        "/export.csv?year_to=%C2%B2&year=%C2%B2",
        "/export.jsonl?body=a%00b&q=a%00b",
        "/?year=%C2%B2&page=%C2%B2",
        "/?q=a%00b&theme=x%00y",
        "/analytics/?year=%C2%B2&country=a%00b",
    ],
)
def test_odd_digits_and_nul_characters_get_an_answer_not_a_server_error(publish, url):
    publish()
    response = Client(raise_request_exception=False).get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code in (200, 400, 404), body[:300]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"year_from": "abc"}, "year_from"),
        ({"year_to": "-1"}, "year_to"),
        ({"facets": "maybe"}, "facets"),
    ],
)
def test_the_list_names_a_bad_year_bound_or_facets_flag(publish, params, parameter):
    publish()
    response, data = get("/api/entries", params)
    assert response.status_code == 400 and data["error"]["parameter"] == parameter


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_other_methods_get_405_not_a_csrf_refusal(method):
    response = getattr(Client(enforce_csrf_checks=True), method)("/api/entries")
    assert response.status_code == 405 and "GET" in response["Allow"]


def test_the_schema_documents_every_status_the_list_answers():
    responses = get("/api/openapi.json")[1]["paths"]["/api/entries"]["get"]["responses"]
    assert set(responses) == {"200", "400", "404", "429"}  # 429: test_ratelimit.py
    assert "Retry-After" in responses["429"]["headers"]
