"""Browser tests: Debian's headless Chromium, driven by Playwright, against the live test server.

Loaded for every test by the root conftest (pytest_plugins), so the whole run shares one
Playwright instance: a second sync_playwright() while one is running fails.

Never a downloaded browser: Playwright only drives the executable the system package installed
(`make browser` installs it). Every request a page makes is recorded, and a test fails if any
goes to a host other than the live server (docs/adr/0008-no-third-party-requests.md), or if
the page breaks a Content-Security-Policy rule: Chromium reports those as console errors, and
with JavaScript on a `securitypolicyviolation` listener reports them as well.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pyotp
import pytest

# Playwright's sync API keeps an event loop in the main thread; Django's ORM refuses to run
# while one is set unless told it is safe (the test code and the loop never overlap).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import (  # noqa: E402
    Browser,
    BrowserContext,
    Page,
    expect,
    sync_playwright,
)

from amparo.accounts.models import Role, User  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "a long browser passphrase 77"  # noqa: S105 (test accounts only)
CODE_LABEL = "Code from your authenticator app"
# Schemes that never leave the browser.
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
CSP_VIOLATION = "CSP violation"
# Runs before any page script (JavaScript on only): every violation becomes a console error.
CSP_LISTENER = (
    "document.addEventListener('securitypolicyviolation', e => console.error("
    f"'{CSP_VIOLATION}: ' + e.effectiveDirective + ' ' + e.blockedURI + ' on ' + e.documentURI));"
)


def chromium_path() -> str:
    """Debian's Chromium; a clear failure (not a skip) when it is missing."""
    path = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if not path:
        pytest.fail("Debian's chromium is not installed: run `make browser`", pytrace=False)
    return path


def launch_args() -> list[str]:
    args = ["--headless=new", "--disable-gpu", "--disable-background-networking"]
    if os.geteuid() == 0:  # Chromium refuses to sandbox as root
        args.append("--no-sandbox")
    return args


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=launch_args()
        )
        yield chromium
        chromium.close()


@dataclass
class RequestLog:
    """Every URL the browser asked for during one test, and what its console said."""

    origin: str
    urls: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        """Console messages reporting a Content-Security-Policy violation."""
        return [
            text
            for text in self.console
            if CSP_VIOLATION in text or "Content Security Policy" in text
        ]

    def listen(self, context: BrowserContext) -> None:
        """Record the requests and console messages of every page of a browser context."""
        context.add_init_script(CSP_LISTENER)
        context.on("request", lambda req: self.urls.append(req.url))
        context.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}"))

    def foreign(self) -> list[str]:
        """Requests that went anywhere but the live server."""
        netloc = urlsplit(self.origin).netloc
        return [
            url
            for url in self.urls
            if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).netloc != netloc
        ]


@pytest.fixture
def request_log(live_server) -> RequestLog:
    return RequestLog(origin=live_server.url)


@pytest.fixture
def open_page(
    browser: Browser, live_server, request_log: RequestLog
) -> Iterator[Callable[..., Page]]:
    """Open a fresh page (JavaScript on or off); fails the test on any third-party request
    and on any Content-Security-Policy violation."""
    contexts = []

    def _open(*, javascript: bool = True) -> Page:
        context = browser.new_context(
            base_url=live_server.url, java_script_enabled=javascript, locale="en-GB"
        )
        request_log.listen(context)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()
    assert request_log.foreign() == [], "the browser asked a host other than the live server"
    assert request_log.csp_violations() == [], "a page broke the Content-Security-Policy"


def make_staff(username: str, role: str = Role.DOCUMENTER) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, role=role)


def submit_password(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def enrol_authenticator(page: Page) -> str:
    """Read the key off the enrolment page, answer with its current code; return the key."""
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label(CODE_LABEL).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    return secret


def next_step_code(secret: str) -> str:
    """The code of the next 30-second step: the current one may already be spent."""
    return pyotp.TOTP(secret).at(time.time() + 30)


@pytest.fixture
def signed_in_page(open_page: Callable[..., Page]) -> Callable[..., Page]:
    """A page signed in through the real password and two-factor flow, on the entries list."""

    def _signed_in(*, role: str = Role.DOCUMENTER, javascript: bool = True) -> Page:
        user = make_staff(f"browser_{role}", role)
        page = open_page(javascript=javascript)
        submit_password(page, user.username)
        enrol_authenticator(page)
        page.get_by_role("link", name="I have kept them: continue").click()
        page.wait_for_url("**/cases/")
        return page

    return _signed_in
