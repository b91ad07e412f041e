"""The portal in headless Chromium with JavaScript off: no request elsewhere, no CSP violation."""

from __future__ import annotations

import os
import re
from urllib.parse import urljoin, urlsplit

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


LOCAL_SCHEMES = ("data", "blob", "about")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_portal_works_with_javascript_off_and_asks_no_other_host(live_server, publish, browser):
    entry = publish(title="Researcher banned from travel after a UPR session", body=["upr"])
    publish(kind="general_situation", country="EGY", title="Law on foreign funding")
    host = urlsplit(live_server.url).netloc
    requests: list[str] = []
    console: list[str] = []
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append(m.text))
    setters: list[str] = []
    page.on("response", lambda r: setters.append(r.url) if "set-cookie" in r.headers else None)
    queue, seen = ["/"], set()
    while queue and len(seen) < 25:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        assert "set-cookie" not in response.headers, path
        if "html" not in (response.headers.get("content-type") or ""):
            continue
        for href in re.findall(r'href="([^"#]*)"', page.content()):
            target = urlsplit(urljoin(live_server.url + path, href.replace("&amp;", "&")))
            if (
                target.netloc == host
                and not target.path.startswith(("/static/", "/admin", "/accounts", "/cases"))
                and not target.path.endswith((".pdf", ".csv", ".jsonl"))
            ):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    page.goto(live_server.url + "/?q=travel")
    assert entry.title in page.content()
    assert not setters and not context.cookies(), setters
    context.close()
    assert f"/entries/{entry.ref}/" in seen and "/analytics/" in seen
    elsewhere = [
        u
        for u in requests
        if urlsplit(u).scheme not in LOCAL_SCHEMES and urlsplit(u).netloc != host
    ]
    assert not elsewhere
    assert not [m for m in console if "Content Security Policy" in m or "Refused" in m]
