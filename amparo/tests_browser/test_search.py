"""Searching the register and narrowing by facets, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from amparo.accounts.models import Role
from amparo.cases import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_entry(title: str, country: str, bodies: list[str]):
    data = {"kind": "named", "title": title, "country": country, "year": 2023, "body": bodies}
    return services.open_entry(None, data, audit=False)


def facet_values(page: Page, title: str) -> dict[str, str]:
    """Label -> count of the values listed under one facet heading."""
    facet = page.locator(".facet").filter(has=page.get_by_role("heading", name=title, exact=True))
    values = {}
    for item in facet.locator("li").all():
        label = item.locator("a").inner_text().replace("✓", "").strip()
        values[label] = item.locator(".count").inner_text().strip()
    return values


def test_it_finds_entries_by_a_title_word_and_counts_their_facets(signed_in_page):
    hanoi = open_entry("Lawyer questioned after a UPR submission", "VNM", ["upr", "hrc"])
    bogota = open_entry("Lawyer threatened after meeting a Special Rapporteur", "COL", ["hrc"])
    other = open_entry("Journalist detained after a Council session", "VNM", ["hrc"])
    page = signed_in_page(role=Role.VIEWER)

    page.get_by_role("searchbox", name="Search").fill("lawyer")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name="2 entries")).to_be_visible()
    results = page.locator("table.results")
    expect(results.get_by_role("link", name=hanoi.ref)).to_be_visible()
    expect(results.get_by_role("link", name=bogota.ref)).to_be_visible()
    expect(results.get_by_role("link", name=other.ref)).to_have_count(0)
    assert facet_values(page, "Country") == {"Viet Nam": "1", "Colombia": "1"}
    assert facet_values(page, "Body") == {
        "Human Rights Council": "2",
        "Universal Periodic Review": "1",
    }

    page.locator(".facet").get_by_role("link", name="Viet Nam").click()

    expect(page.get_by_role("heading", name="1 entry")).to_be_visible()
    expect(results.get_by_role("link", name=hanoi.ref)).to_be_visible()
    expect(results.get_by_role("link", name=bogota.ref)).to_have_count(0)
    assert "q=lawyer" in page.url and "country=VNM" in page.url
    assert facet_values(page, "Body") == {
        "Human Rights Council": "1",
        "Universal Periodic Review": "1",
    }


def test_it_says_so_when_nothing_matches(signed_in_page):
    open_entry("Defender smeared online", "COL", ["hrc"])
    page = signed_in_page(role=Role.VIEWER, javascript=False)

    page.get_by_role("searchbox", name="Search").fill("submarine")
    page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name="0 entries")).to_be_visible()
    expect(page.get_by_text("No entry matches")).to_be_visible()
