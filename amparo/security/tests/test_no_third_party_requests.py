"""No template or static file makes the browser fetch anything from another host, and headless
Chromium crawling every public page asks no other host and reports no CSP violation.

The crawl follows every same-origin link from / breadth first (new paths before more query
strings of a path already seen), with JavaScript on so scripts run under the CSP too, then walks
the navigator to a draft and the assessment to its plan through their forms.
"""

from __future__ import annotations

import os
import re
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PACKAGE = Path(__file__).resolve().parents[2]
SCANNED = [PACKAGE / "templates", PACKAGE / "static"]
TEXT_SUFFIXES = {".html", ".txt", ".css", ".js", ".svg", ".xml", ".json", ".webmanifest"}

# A URL in a place the browser loads or follows: an attribute, a CSS url() or @import, or a
# fetch in a script. Protocol-relative //host counts; plain text (an e-mail address) does not.
REMOTE = re.compile(
    r"""(?ix)
    (?:\b(?:src|href|action|poster|data|srcset|formaction|content)\s*=\s*["']?\s*
      | url\(\s*["']?
      | @import\s+["']
      | \bfetch\(\s*["'])
    (?:[a-z][a-z0-9+.-]*:)?//[^\s"')]+
    """
)
ALLOWED = ("http://www.w3.org/",)  # XML namespaces name, they are never fetched


def is_licence(path: Path) -> bool:
    return path.name.upper().startswith(("LICENSE", "LICENCE", "COPYING", "NOTICE"))


def scanned_files() -> list[Path]:
    files = []
    for root in SCANNED:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in TEXT_SUFFIXES and not is_licence(path):
                files.append(path)
    return files


def remote_references(text: str) -> list[str]:
    found = []
    for match in REMOTE.finditer(text):
        url = match.group(0)
        if "xmlns" in text[max(0, match.start() - 10) : match.start() + 6]:
            continue
        if any(allowed in url for allowed in ALLOWED) and "xmlns" in url:
            continue
        found.append(url)
    return found


def test_there_are_files_to_scan():
    names = {p.name for p in scanned_files()}
    assert {"base.html", "amparo.css"} <= names


@pytest.mark.parametrize("path", scanned_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_file_loads_nothing_from_another_host(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    text = re.sub(r"""xmlns(:\w+)?=["']http://www\.w3\.org/[^"']*["']""", "", text)
    assert remote_references(text) == []


@pytest.mark.parametrize(
    ("snippet", "remote"),
    [
        ('<script src="https://cdn.example.org/x.js"></script>', True),
        ('<link href="//fonts.example.com/css" rel="stylesheet">', True),
        ("body { background: url('https://img.example.org/a.png') }", True),
        ("@import 'http://example.org/a.css';", True),
        ('<a href="/cases/">x</a>', False),
        ("<p>Write to ohchr-reprisals@un.org or see https://www.ohchr.org in print.</p>", False),
        ("<img src=\"{% static 'amparo/favicon.svg' %}\">", False),
    ],
)
def test_the_scanner_tells_remote_from_local(snippet, remote):
    assert bool(remote_references(snippet)) is remote


# --- The crawl --------------------------------------------------------------------------------

CRAWL_LIMIT = 250
# Staff areas (each only redirects to the sign-in page, which is crawled), and the quick exit,
# which sends the visitor to a neutral site elsewhere on purpose.
NOT_PUBLIC = ("/admin", "/accounts/", "/cases/", "/reports/", "/assess/exit/", "/i18n/")
DOWNLOADS = (".pdf", ".csv", ".jsonl", ".ics", ".eml")
MUST_REACH = [
    "/",
    "/analytics/",
    "/analytics/report/",
    "/analytics/map.svg",
    "/api/",
    "/api/openapi.json",
    "/help/",
    "/help/support/",
    "/assess/",
    "/assess/load/",
    "/accounts/login/",
]


def is_public(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin or parts.path.startswith("/static/"):
        return False
    if parts.path == "/accounts/login/":
        return True
    return not parts.path.startswith(NOT_PUBLIC) and not parts.path.endswith(DOWNLOADS)


# Public, but no <a> leads there: the map is an image of the charts page, the sign-in page is
# reached from staff links the crawl does not follow.
SEEDS = ["/", "/analytics/map.svg", "/accounts/login/"]


def crawl(page, origin: str, limit: int = CRAWL_LIMIT) -> list[str]:  # type: ignore[no-untyped-def]
    """Visit same-origin links breadth first; a path not yet seen goes before more queries."""
    new_paths, more = deque(origin + path for path in SEEDS), deque()
    seen_urls, seen_paths, visited = set(new_paths), set(), []
    while (new_paths or more) and len(visited) < limit:
        url = new_paths.popleft() if new_paths else more.popleft()
        response = page.goto(url)
        assert response is not None and response.status < 400, (url, response and response.status)
        visited.append(url)
        seen_paths.add(urlsplit(url).path)
        if "html" not in (response.headers.get("content-type") or ""):
            continue
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)"):
            target = urldefrag(href)[0]
            if target in seen_urls or not is_public(target, origin):
                continue
            seen_urls.add(target)
            (more if urlsplit(target).path in seen_paths else new_paths).append(target)
    return visited


def walk_the_forms(page) -> int:  # type: ignore[no-untyped-def]
    """The navigator to a draft, and the assessment to its plan, as a defender would."""
    page.goto("/help/")
    page.get_by_label("Which State is responsible").select_option("VEN")
    page.get_by_label("Human Rights Council", exact=True).check()
    page.get_by_role("button", name="Show where to turn").click()
    page.get_by_role("button", name="Prepare a draft for: UN senior official on reprisals").click()
    page.get_by_role("button", name="Update the draft").click()
    page.goto("/assess/")
    page.get_by_label("The State concerned").select_option("COL")
    page.get_by_label("Sending information to UN bodies or experts").check()
    page.locator("input[name=perpetrators][value=state]").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Surveillance").check()
    page.get_by_role("button", name="Continue").click()
    page.locator("input[name=probability-surveillance][value=high]").check()
    page.locator("input[name=impact-surveillance][value=high]").check()
    for _ in range(2):  # the domains, then the result
        page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Make my plan").click()
    page.get_by_role("button", name="Finish my plan").click()
    page.get_by_role("heading", name="Your safety plan").wait_for()
    return 12


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_crawling_every_public_page_asks_no_other_host_and_breaks_no_csp_rule(
    open_page, request_log, publish, live_server, capsys
):
    entries = [
        publish(title="Researcher banned from travel after a UPR session", body=["upr"]),
        publish(kind="general_situation", country="EGY", title="Law on foreign funding"),
        publish(country="COL", title="Defender followed after a Council session", year=2024),
    ]
    page = open_page(javascript=True)
    visited = crawl(page, live_server.url)
    forms = walk_the_forms(page)

    paths = {urlsplit(u).path for u in visited}
    assert set(MUST_REACH) <= paths, sorted(set(MUST_REACH) - paths)
    assert {f"/entries/{e.ref}/" for e in entries} <= paths
    assert any(urlsplit(u).query for u in visited if urlsplit(u).path == "/"), "no facet crawled"
    assert request_log.foreign() == []
    assert request_log.csp_violations() == []
    with capsys.disabled():
        print(
            f"\ncrawl: {len(visited)} pages ({len(paths)} paths) and {forms} form steps, "
            f"{len(request_log.urls)} requests, {len(request_log.foreign())} to other hosts, "
            f"{len(request_log.csp_violations())} CSP violations"
        )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_crawl_would_see_a_csp_violation(browser, live_server):
    """The listener works: an inline style is refused, and the refusal is reported."""
    from amparo.tests_browser.fixtures import RequestLog

    log = RequestLog(origin=live_server.url)
    context = browser.new_context(base_url=live_server.url)
    log.listen(context)
    page = context.new_page()
    page.goto("/help/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')")
    page.wait_for_function("true")
    page.goto("/help/support/")
    context.close()
    assert log.csp_violations(), log.console
