"""The navigator in headless Chromium with JavaScript disabled (issue 5 §6)."""

from __future__ import annotations

import os

# Playwright's sync API keeps an event loop in this thread; the ORM is never used concurrently.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_navigator_works_without_javascript_and_sets_no_cookie(open_page):  # noqa: F811
    page = open_page(javascript=False)
    page.goto("/help/")
    page.get_by_label("Which State is responsible").select_option("VEN")
    page.get_by_label("Human Rights Council", exact=True).check()
    page.get_by_label("The situation is serious and urgent").check()
    page.get_by_label("The person is in Geneva now").check()
    page.get_by_role("button", name="Show where to turn").click()
    expect(page.get_by_role("heading", name="Where to turn", exact=True)).to_be_visible()
    assert "VEN" not in page.url and "?" not in page.url  # answers never in the URL
    expect(page.get_by_text("hrcpresidency@un.org").first).to_be_visible()
    expect(page.get_by_text("ask the President's office for a meeting").first).to_be_visible()
    assert page.context.cookies() == []

    page.get_by_role("button", name="Prepare a draft for: UN senior official on reprisals").click()
    expect(page.get_by_role("heading", name="Checklist")).to_be_visible()
    page.get_by_label("Any supporting evidence or documents.").fill("Screenshots of the threats")
    page.get_by_role("button", name="Update the draft").click()
    expect(page.locator("pre.draft-text")).to_contain_text("Screenshots of the threats")
    with page.expect_download() as download:
        page.get_by_role("button", name="E-mail file (.eml)").click()
    path = download.value.path()
    assert b"To: ohchr-reprisals@un.org" in open(path, "rb").read()
    assert page.context.cookies() == []


def test_support_directory_filters_without_javascript(open_page):  # noqa: F811
    page = open_page(javascript=False)
    page.goto("/help/support/")
    page.get_by_label("Kind of help").select_option("digital_security")
    page.get_by_role("button", name="Filter").click()
    expect(
        page.get_by_role("heading", name="Access Now: Digital Security Helpline")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Rory Peck Trust: Assistance Grants")).to_have_count(0)
    assert page.context.cookies() == []


def test_treaty_conditions_show_their_source_without_javascript(open_page):  # noqa: F811
    # HB §3.1: a complaint needs the State's acceptance; the page says what the status rests on.
    page = open_page(javascript=False)
    page.goto("/help/")
    page.get_by_label("Which State is responsible").select_option("KEN")
    page.get_by_label("Human Rights Committee", exact=False).first.check()
    page.get_by_role("button", name="Show where to turn").click()
    expect(page.get_by_text("recorded as not accepted").first).to_be_visible()
    expect(page.get_by_text("hr_status_iccpr_op1.csv").first).to_be_visible()
    assert page.context.cookies() == []
