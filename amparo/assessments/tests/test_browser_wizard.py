"""The whole assessment in Debian's headless Chromium with JavaScript off, then its outputs."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop in the main thread; the ORM must be told it is safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import Browser, BrowserContext, Page, expect  # noqa: E402

from amparo.tests_browser.fixtures import RequestLog  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARKER = "Threat from the mayor's office"
PASSPHRASE = "a plan passphrase 2026"


@pytest.fixture
def no_js(live_server, browser: Browser) -> Iterator[tuple[Page, BrowserContext, RequestLog]]:
    log = RequestLog(origin=live_server.url)
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    context.on("request", lambda req: log.urls.append(req.url))
    yield context.new_page(), context, log
    context.close()


def step(page: Page, number: int) -> None:
    expect(page.get_by_text(f"Step {number} of 7")).to_be_visible()


def test_a_defender_completes_the_assessment_without_javascript(no_js, tmp_path: Path):
    page, context, log = no_js
    page.goto("/assess/")
    step(page, 1)
    expect(page.get_by_role("link", name="Leave this site now")).to_have_attribute(
        "href", "/assess/exit/"
    )
    page.get_by_label("The State concerned").select_option("COL")
    page.get_by_label("Sending information to UN bodies or experts").check()
    page.locator("input[name=perpetrators][value=state]").check()
    page.get_by_role("button", name="Continue").click()

    step(page, 2)
    expect(page.get_by_text("No record does not mean no risk.")).to_be_visible()
    page.get_by_label("Surveillance").check()
    page.get_by_label("Another threat, in your own words (1)").fill(MARKER)
    page.get_by_role("button", name="Continue").click()

    step(page, 3)
    page.get_by_role("button", name="Back").click()
    step(page, 2)  # back keeps the answers
    expect(page.get_by_label("Surveillance")).to_be_checked()
    expect(page.get_by_label("Another threat, in your own words (1)")).to_have_value(MARKER)
    page.get_by_role("button", name="Continue").click()

    step(page, 3)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Choose a level.").first).to_be_visible()  # nothing rated yet
    page.locator("input[name=probability-surveillance][value=very_high]").check()
    page.locator("input[name=impact-surveillance][value=high]").check()
    page.locator("input[name=probability-custom1][value=low]").check()
    page.locator("input[name=impact-custom1][value=medium]").check()
    page.get_by_role("button", name="Continue").click()

    step(page, 4)
    page.locator("input[name=vuln-digital]").check()
    page.get_by_role("button", name="Continue").click()

    step(page, 5)
    matrix = page.locator("table.risk-matrix")
    expect(matrix.get_by_text("Surveillance")).to_be_visible()
    expect(matrix.get_by_text(MARKER)).to_be_visible()
    page.get_by_role("button", name="Make my plan").click()

    step(page, 6)
    page.get_by_label("What should they do if something goes wrong?").fill("Call our lawyer")
    page.get_by_role("button", name="Finish my plan").click()

    step(page, 7)
    expect(page.get_by_role("heading", name="Your safety plan")).to_be_visible()
    expect(page.get_by_text("Call our lawyer")).to_be_visible()

    with page.expect_download() as pdf:
        page.get_by_role("button", name="Download as PDF").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")

    page.get_by_label("Passphrase", exact=True).fill(PASSPHRASE)
    page.get_by_label("Passphrase again").fill(PASSPHRASE)
    with page.expect_download() as kept:
        page.get_by_role("button", name="Download encrypted file").click()
    saved = tmp_path / "plan.amparo"
    kept.value.save_as(saved)

    page.goto("/assess/load/")
    page.get_by_label("Your saved plan file").set_input_files(saved)
    page.get_by_label("Passphrase").fill(PASSPHRASE)
    page.get_by_role("button", name="Open").click()
    step(page, 5)
    expect(page.locator("table.risk-matrix").get_by_text(MARKER)).to_be_visible()

    assert context.cookies() == []
    assert not any(re.search(r"[?&](country|threats|custom)", url) for url in log.urls)
    assert log.foreign() == []


@pytest.fixture
def with_js(live_server, browser: Browser) -> Iterator[Page]:
    """JavaScript on; the neutral site is answered locally, so nothing leaves the machine."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(15_000)
    context.route(
        "https://www.wikipedia.org/**",
        lambda route: route.fulfill(body="<title>Neutral</title>", content_type="text/html"),
    )
    yield context.new_page()
    context.close()


def test_quick_exit_replaces_the_history_entry_when_javascript_is_on(with_js: Page):
    page = with_js
    page.goto("/assess/")
    page.goto("/assess/load/")
    length = page.evaluate("history.length")
    page.get_by_role("link", name="Leave this site now").click()
    page.wait_for_url("https://www.wikipedia.org/")
    assert page.evaluate("history.length") == length  # replaced, not added
    page.go_back()
    assert "/assess/load/" not in page.url  # the page left is no longer one step back
