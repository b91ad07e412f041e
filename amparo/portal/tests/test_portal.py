"""The public portal: what it shows, what it never shows, and how fast it forgets."""

from __future__ import annotations

import gzip
import json
import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from amparo.cases import services
from amparo.portal.tests.fixtures import MARKERS

PUBLIC_PREFIXES = ("/entries/", "/analytics/", "/api/", "/export.")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def crawl(client: Client, start: list[str], depth: int = 2) -> dict[str, bytes]:
    """Every public page within ``depth`` links of ``start`` (and the images they show)."""
    seen: dict[str, bytes] = {}
    queue = [(url, 0) for url in start]
    while queue:
        url, level = queue.pop(0)
        if url in seen or level > depth:
            continue
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        seen[url] = body(response)
        if "html" not in response.get("Content-Type", ""):
            continue
        for href in re.findall(rb'(?:href|src)="([^"#]*)"', seen[url]):
            target = urljoin(url, href.decode().replace("&amp;", "&"))
            parts = urlsplit(target)
            if parts.netloc or parts.path.startswith("/static/"):
                continue
            if parts.path == "/" or parts.path.startswith(PUBLIC_PREFIXES):
                if parts.path.endswith(".pdf"):
                    continue  # compressed: its content is checked through the report's HTML
                queue.append((target if parts.query else parts.path, level + 1))
    return seen


def test_no_confidential_value_reaches_any_public_page_api_or_export(marked_entry, publish):
    publish(kind="general_situation", title="A law restricting NGO contact with the UN")
    client = Client()
    start = [
        "/",
        f"/entries/{marked_entry.ref}/",
        f"/api/entries/{marked_entry.ref}",
        "/api/entries",
        "/api/openapi.json",
        "/export.csv",
        "/export.jsonl",
        "/analytics/",
        "/analytics/map.svg",
        "/analytics/report/",
        "/?q=Lawyer",
        "/?country=BHR&year_from=2020&year_to=2022",
    ]
    pages = crawl(client, start, depth=1)
    assert len(pages) > 40  # facet links, entry pages, charts, exports were all followed
    assert marked_entry.title.encode() in pages["/export.csv"]
    for url, content in pages.items():
        for field, marker in MARKERS.items():
            assert marker.encode() not in content, f"{field} leaked on {url}"


def test_searching_a_subjects_name_finds_nothing(marked_entry):
    client = Client()
    for word in (MARKERS["subject.name"], MARKERS["subject.aliases"], MARKERS["incident.place"]):
        assert client.get("/", {"q": word}).context["page"].paginator.count == 0
        assert json.loads(client.get("/api/entries", {"q": word}).content)["count"] == 0


def test_it_shows_only_entries_published_with_consent_or_about_no_person(publish):
    shown = publish(title="Consented and published")
    situation = publish(kind="general_situation", title="General situation without consent")
    publish(title="Published without consent", consented=False)
    publish(title="Consented but not published", published=False)
    response = Client().get("/")
    titles = [row["entry"].title for row in response.context["rows"]]
    assert sorted(titles) == sorted([shown.title, situation.title])
    assert response.context["page"].paginator.count == 2


def test_an_entry_that_is_not_public_answers_404_like_an_unknown_one(publish):
    hidden = publish(consented=False)
    client = Client()
    assert client.get(f"/entries/{hidden.ref}/").status_code == 404
    assert client.get("/entries/NO-SUCH-REF/").status_code == 404
    assert client.get(f"/api/entries/{hidden.ref}").status_code == 404


def test_the_entry_page_shows_public_coding_citations_and_permalink(marked_entry):
    response = Client().get(f"/entries/{marked_entry.ref}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "A/HRC/48/28" in html and ">I<" in html and ">12<" in html
    assert f"http://testserver/entries/{marked_entry.ref}/" in html
    assert "Bahrain" in html and "Human Rights Council" in html


def test_the_ten_facets_count_the_public_entries(publish):
    publish(country="BHR", year=2021, body=["hrc"], theme=["environment"])
    publish(country="BHR", year=2022, body=["hrc", "upr"], theme=["environment"])
    publish(country="EGY", year=2022, body=["upr"], gender="female")
    publish(country="EGY", consented=False)  # not public: never counted
    facets = {f["name"]: f for f in Client().get("/").context["facets"]}
    count = {
        name: {v["value"].slug: v["value"].count for v in facet["values"]}
        for name, facet in facets.items()
    }
    assert count["country"] == {"BHR": 2, "EGY": 1}
    assert count["year"] == {"2021": 1, "2022": 2}
    assert count["body"] == {"hrc": 2, "upr": 2}
    assert count["theme"] == {"environment": 2}
    assert count["gender"] == {"male": 2, "female": 1}
    assert count["region"] == {"mena": 3}
    assert "status" not in count


def test_facets_follow_the_search_and_the_filters(publish):
    publish(title="Journalist surveilled", country="MEX", year=2019)
    publish(title="Lawyer surveilled", country="COL", year=2021)
    publish(title="Lawyer threatened", country="COL", year=2015)
    client = Client()
    searched = client.get("/", {"q": "surveilled"}).context
    countries = {v["value"].slug: v["value"].count for v in searched["facets"][0]["values"]}
    assert searched["page"].paginator.count == 2 and countries == {"MEX": 1, "COL": 1}
    ranged = client.get("/", {"country": "COL", "year_from": "2018", "year_to": "2022"}).context
    assert [r["entry"].title for r in ranged["rows"]] == ["Lawyer surveilled"]


def test_results_are_sorted_and_paginated(publish):
    for year in range(2000, 2030):
        publish(year=year, title=f"Entry of {year}")
    client = Client()
    first = client.get("/", {"sort": "oldest"}).context
    assert first["rows"][0]["entry"].year == 2000
    assert first["page"].paginator.num_pages == 2
    second = client.get("/", {"sort": "oldest", "page": "2"}).context
    assert [r["entry"].year for r in second["rows"]] == list(range(2025, 2030))
    assert client.get("/", {"sort": "newest"}).context["rows"][0]["entry"].year == 2029


def test_portal_pages_set_no_cookie_and_have_no_post_form(marked_entry):
    client = Client()
    for url in (
        "/",
        f"/entries/{marked_entry.ref}/",
        "/analytics/",
        "/analytics/report/",
        "/api/",
        "/api/entries",
        "/export.csv",
        "/?lang=fr",
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cookies, f"{url} set {list(response.cookies)}"
        assert b'method="post"' not in body(response).lower()
    missing = client.get("/entries/NOT-PUBLIC/")
    assert missing.status_code == 404 and not missing.cookies
    assert not client.cookies
    assert client.post("/").status_code == 405


def test_each_page_with_its_css_is_under_60_kb_compressed(publish):
    for i in range(60):
        publish(
            country=["BHR", "EGY", "CHN", "VEN", "RUS", "IND"][i % 6],
            year=2010 + i % 14,
            theme=["civil_political"],
            contact_point=["remote_information"],
        )
    client = Client()
    for url in ("/", "/analytics/", "/analytics/report/", "/api/"):
        html = client.get(url).content
        css = b"".join(
            open(finders.find(path), "rb").read()
            for path in re.findall(r'href="/static/([^"]+\.css)"', html.decode())
        )
        size = len(gzip.compress(html)) + len(gzip.compress(css))
        assert size < 60_000, f"{url}: {size} bytes compressed"


def test_language_can_be_chosen_without_a_cookie(publish):
    publish()
    response = Client().get("/", {"lang": "fr"})
    assert b'<html lang="fr"' in response.content
    assert response["Content-Language"] == "fr"
    assert not response.cookies


# --- Freshness: no cache stands between a write and the public surfaces -------------------


def public_everywhere(client: Client, entry) -> dict[str, bool]:
    api = json.loads(client.get("/api/entries").content)
    charts = client.get("/analytics/").context["figures"]
    return {
        "home": entry.title in client.get("/").content.decode(),
        "count": client.get("/").context["page"].paginator.count > 0,
        "facet": any(
            v["value"].slug == "BHR" for f in client.get("/").context["facets"] for v in f["values"]
        ),
        "page": client.get(f"/entries/{entry.ref}/").status_code == 200,
        "api": any(r["ref"] == entry.ref for r in api["results"]),
        "api_facets": bool(api["facets"]["country"]),
        "api_entry": client.get(f"/api/entries/{entry.ref}").status_code == 200,
        "csv": entry.ref.encode() in body(client.get("/export.csv")),
        "jsonl": entry.ref.encode() in body(client.get("/export.jsonl")),
        "charts": charts.total > 0,
        "report": client.get("/analytics/report/").context["report"].total > 0,
    }


def test_unpublishing_removes_the_entry_from_every_surface_at_once(publish, documenter):
    entry = publish()
    client = Client()
    assert all(public_everywhere(client, entry).values())
    services.update_entry(documenter, entry, {"published": False})
    assert not any(public_everywhere(client, entry).values())


def test_withdrawing_consent_removes_the_entry_from_every_surface_at_once(publish, documenter):
    entry = publish()
    client = Client()
    assert all(public_everywhere(client, entry).values())
    services.withdraw_consent(documenter, entry.consents.get(purpose="publish_in_portal"))
    assert not any(public_everywhere(client, entry).values())


def test_stats_published_only_gives_the_portals_figures(publish, capsys):
    publish(country="BHR", year=2021, body=["hrc", "upr"], theme=["environment"])
    publish(country="EGY", year=2022, body=["upr"], gender="female", contact_point=["other"])
    publish(kind="general_situation", country="EGY", year=2020)
    publish(country="EGY", consented=False)
    call_command("stats", "--json", "--published-only")
    stats = json.loads(capsys.readouterr().out)
    facets = json.loads(Client().get("/api/entries").content)["facets"]
    api = json.loads(Client().get("/api/entries").content)
    assert stats["total"] == api["count"] == 3
    for name in (
        "kind",
        "country",
        "region",
        "body",
        "reprisal_type",
        "gender",
        "year",
        "contact_point",
        "theme",
    ):
        portal = {v["value"]: v["count"] for v in facets[name]}
        assert stats[f"by_{name}"] == portal, name


@pytest.mark.parametrize(
    "params",
    [
        {"page": "x"},
        {"page": "9999"},
        {"year_from": "abc"},
        {"sort": "drop table"},
        {"country": "<script>"},
    ],
)
def test_bad_parameters_never_break_the_portal(publish, params):
    publish()
    assert Client().get("/", params).status_code == 200


def test_the_public_csv_quotes_text_a_spreadsheet_would_run_as_a_formula(publish):
    publish(title='=HYPERLINK("http://evil.example","x")', summary="@SUM(1)")
    text = body(Client().get("/export.csv")).decode()
    assert "'=HYPERLINK" in text and "'@SUM(1)" in text
    assert not re.search(r'(^|,)"?[=@+\-]', text, re.MULTILINE)


def test_other_methods_get_405_and_a_nul_in_a_ref_is_404(publish):
    """Found by schemathesis: POST got the CSRF 403, and a NUL gave a 500 on PostgreSQL."""
    entry = publish()
    client = Client()
    for url in ("/", "/export.csv", f"/entries/{entry.ref}/"):
        assert client.post(url).status_code == 405
        assert client.get(url).status_code == 200
    assert client.get("/entries/A%00B/").status_code == 404


@pytest.mark.parametrize("url", ["/", "/api/entries", "/export.csv", "/export.jsonl"])
def test_a_method_no_page_takes_gets_405_naming_only_get_and_head(url):
    """Schemathesis ST205: the Allow header of a GET-only page must not advertise POST."""
    response = Client().options(url)
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"
