"""HTTP hardening (ASVS 3.3, 3.4.2, 3.5.1, 3.7.2, 4.1, 7.4.4, 13.4, 15.3): cookies, methods,
origins, redirects, charsets, proxies and repeated parameters.

The cookie and production checks run in a process started with production settings (HTTPS on,
as `amparo/security/tests/test_headers.py` does for the headers); the rest run in the suite over
every URL of the role × URL matrix (`amparo/tests_project/test_url_matrix.py`).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import lxml.html
import pytest
from django.test import Client
from django.urls import reverse

from amparo.accounts.models import AuditEvent
from amparo.accounts.tests.conftest import enrolled, password_step, totp_code  # noqa: F401
from amparo.cases.models import Entry
from amparo.security.tests.production import answers_of, production_env
from amparo.tests_project.test_url_matrix import ENTRY_FORM, MATRIX, PERSONAS, world  # noqa: F401
from conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db

PUBLIC_NAMES = ("home", "portal:", "analytics:", "api:", "referrals:navigator", "assessments:")
REFUSED_METHODS = ("TRACE", "TRACK", "PUT", "DELETE", "PATCH", "OPTIONS")

PRODUCTION_SCRIPT = """
import json
from django.conf import settings
from django.test import Client
from amparo.accounts.models import User

PW = "a long test passphrase 42"
User.objects.create_user("prod_admin", password=PW, role="admin")

def cookies(response):
    return {
        name: {a: morsel[a] for a in ("secure", "httponly", "samesite", "path", "domain")}
        for name, morsel in response.cookies.items()
    }

client = Client(HTTP_HOST="example.org")
page = client.get("/accounts/login/", secure=True)
signin = client.post("/accounts/login/", {"username": "prod_admin", "password": PW}, secure=True)
language = client.post("/i18n/setlang/", {"language": "fr", "next": "/"}, secure=True)
out = {
    "debug": settings.DEBUG,
    "page": cookies(page),
    "signin": [signin.status_code, signin.headers.get("Location", ""), cookies(signin)],
    "language": cookies(language),
    "methods": {},
    "static": {},
}
for method in ("TRACE", "TRACK", "PUT", "DELETE", "OPTIONS"):
    for path in ("/", "/accounts/login/", "/cases/", "/api/entries", "/static/amparo.css"):
        out["methods"][method + " " + path] = client.generic(method, path, secure=True).status_code
anonymous = Client(HTTP_HOST="example.org")
for path in ("/static/", "/static/listed/", "/static/.env", "/static/.git/config",
             "/static/listed/.hidden", "/.git/config", "/.env", "/static/listed/visible.txt",
             "/static/../secret_key", "/static/%2e%2e/secret_key"):
    out["static"][path] = anonymous.get(path, secure=True).status_code
print("JSON:" + json.dumps(out))
"""


@pytest.fixture
def production(tmp_path) -> dict:
    """What a production process answers; its static folder holds a dotfile and a .git folder."""
    static = tmp_path / "static"
    (static / ".git").mkdir(parents=True)
    (static / ".git" / "config").write_text("[core]\n")
    (static / ".env").write_text("AMPARO_SECRET_KEY=x\n")
    (static / "listed").mkdir()
    (static / "listed" / ".hidden").write_text("hidden\n")
    (static / "listed" / "visible.txt").write_text("visible\n")
    env = production_env(
        tmp_path,
        AMPARO_STATIC_ROOT=str(static),
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    )
    return answers_of(env, PRODUCTION_SCRIPT)


def test_production_cookies_are_secure_host_only_strict_and_http_only(production):
    """3.3.1, 3.3.3 (and 3.3.2, 3.3.4 in production): the `__Host-` names and their flags."""
    status, location, signin = production["signin"]
    assert status == 302 and location == "/accounts/two-factor/", production["signin"]
    cookies = production["page"] | signin | production["language"]
    assert {"__Host-amparo_csrf", "__Host-amparo_session", "amparo_language"} <= set(cookies)
    for name, flags in cookies.items():
        assert flags["secure"] is True, name
        assert flags["httponly"] is True, name
        assert flags["samesite"] == "Strict", name
        if name.startswith("__Host-"):  # a browser drops a __Host- cookie without these
            assert flags["path"] == "/" and not flags["domain"], name
    assert not [n for n in cookies if n.startswith(("amparo_session", "amparo_csrf"))]


def test_production_refuses_trace_and_runs_without_debug(production):
    """13.4.2, 13.4.4."""
    assert production["debug"] is False
    assert set(production["methods"].values()) == {405}, production["methods"]


def test_production_serves_no_listing_no_dotfile_and_no_source_control(production):
    """13.4.1, 13.4.3: a folder, a dotfile, .git and a path out of the static folder are 404."""
    answers = production["static"]
    assert answers.pop("/static/listed/visible.txt") == 200  # the folder is served...
    assert set(answers.values()) == {404}, {p: s for p, s in answers.items() if s != 404}


@pytest.mark.parametrize("path", ["/static/", "/static/assessments/", "/.git/config", "/.env"])
def test_development_serves_no_listing_or_dotfile(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("method", REFUSED_METHODS)
def test_other_methods_are_refused_signed_in_or_not(method, admin_client, client):
    for who, c in (("admin", admin_client), ("anonymous", client)):
        for path in ("/", "/cases/", "/accounts/login/", "/accounts/security/", "/api/entries"):
            response = c.generic(method, path)
            assert response.status_code == 405, f"{who} {method} {path}"
            # Public pages and the API take GET and HEAD only, and say so (schemathesis ST205).
            public = path in ("/", "/api/entries")
            assert response["Allow"] == ("GET, HEAD" if public else "GET, HEAD, POST")


def test_every_answer_names_its_charset_and_allows_no_other_origin(world):  # noqa: F811
    """3.4.2 (no CORS header, even asked from another origin) and 4.1.1 over every URL."""
    checked = 0
    for row in MATRIX.values():
        url = row.build(world)
        for persona in PERSONAS:
            response = world["clients"][persona].get(url, HTTP_ORIGIN="https://evil.example")
            where = f"{persona} GET {url} ({response.status_code})"
            assert not [h for h in response.headers if h.lower().startswith("access-control-")]
            kind = response.headers.get("Content-Type", "")
            if response.status_code in (301, 302, 304) or not _has_body(response):
                continue
            assert kind, where
            textual = kind.startswith("text/") or "xml" in kind.split(";")[0]
            if textual:
                assert "charset=utf-8" in kind.lower().replace(" ", ""), f"{where}: {kind}"
            checked += 1
    assert checked > 200


def test_every_staff_page_offers_sign_out(world):  # noqa: F811
    """7.4.4: every HTML page a signed-in persona opens carries the sign-out form (a POST)."""
    pages = 0
    for name, row in sorted(MATRIX.items()):
        url = row.build(world)
        if row.expected("anonymous") not in (302,) or name.startswith(PUBLIC_NAMES):
            continue  # public pages: the same for everyone, no account controls
        for persona in PERSONAS[1:]:
            response = world["clients"][persona].get(url)
            kind = response.headers.get("Content-Type", "")
            if response.status_code != 200 or not kind.startswith("text/html"):
                continue
            doc = lxml.html.document_fromstring(response.content.decode())
            # The Django admin's own header posts to its sign-out URL, the same view.
            forms = doc.xpath(
                "//form[@method='post'][@action='/accounts/logout/' or @action='/admin/logout/']"
            )
            assert forms, f"{persona} {url}: no sign-out form"
            assert forms[0].xpath(".//input[@name='csrfmiddlewaretoken']"), url
            assert forms[0].xpath(".//button|.//input[@type='submit']"), url
            pages += 1
    assert pages > 50


def test_a_staff_form_without_its_csrf_token_is_refused_and_recorded(documenter):
    """3.5.1 and 16.3.3: the form is refused with 403, nothing is saved, an event is written."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(documenter)
    session = client.session
    session["amparo_2fa_verified"] = True
    session.save()
    page = client.get(reverse("cases:create"))
    token = lxml.html.document_fromstring(page.content.decode()).xpath(
        "//input[@name='csrfmiddlewaretoken']/@value"
    )[0]
    data = ENTRY_FORM | {"title": "Sent without a token"}
    refused = client.post(reverse("cases:create"), data)
    assert refused.status_code == 403
    assert "did not come from this site" in refused.content.decode()
    assert not Entry.objects.filter(title="Sent without a token").exists()
    event = AuditEvent.objects.filter(action="security.csrf_failed").get()
    assert event.actor == documenter and event.detail["reason"] == "no_token"
    assert "Sent without a token" not in json.dumps(event.detail)
    wrong = client.post(reverse("cases:create"), data | {"csrfmiddlewaretoken": "x" * 64})
    assert wrong.status_code == 403
    accepted = client.post(reverse("cases:create"), data | {"csrfmiddlewaretoken": token})
    assert accepted.status_code == 302, accepted.content.decode()[:2000]
    assert Entry.objects.filter(title="Sent without a token").exists()


def test_an_anonymous_csrf_failure_is_logged_without_values_and_writes_no_row(caplog):
    client = Client(enforce_csrf_checks=True)
    before = AuditEvent.objects.count()
    with caplog.at_level("INFO"):
        response = client.post("/accounts/login/", {"username": "zqxuser", "password": "p"})
    assert response.status_code == 403
    assert AuditEvent.objects.count() == before
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "CSRF check failed (no_cookie) on /accounts/login/" in logged
    assert "zqxuser" not in logged


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "http://testserver.evil/"],
)
def test_a_foreign_next_after_sign_in_is_ignored(target, enrolled):  # noqa: F811
    """3.7.2: after both factors, a foreign `next` leads to the register, never away."""
    user, _ = enrolled
    client = Client()
    response = client.post(
        "/accounts/login/?" + _query(next=target),
        {"username": user.username, "password": PASSWORD},
    )
    assert response.url == "/accounts/two-factor/"
    response = client.post("/accounts/two-factor/", {"code": totp_code(user, 1)})
    assert response.status_code == 302 and response.url == "/cases/", response.url


def test_a_local_next_is_still_followed(enrolled):  # noqa: F811
    user, _ = enrolled
    client = Client()
    client.post(
        "/accounts/login/?next=/reports/", {"username": user.username, "password": PASSWORD}
    )
    assert client.post("/accounts/two-factor/", {"code": totp_code(user, 1)}).url == "/reports/"


def test_x_forwarded_for_is_ignored_without_a_proxy_count(documenter, settings):
    """4.1.3, 15.3.4: without AMPARO_PROXY_COUNT a client cannot choose its address."""
    settings.AXES_IPWARE_PROXY_COUNT = 0
    client = Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.9")
    password_step(client, documenter.username, "wrong password")
    event = AuditEvent.objects.filter(action="login.failed").latest("id")
    assert event.remote_addr == "198.51.100.7"


def test_x_forwarded_for_gives_the_address_the_trusted_proxy_saw(documenter, settings):
    """Behind one proxy, the last entry is the client's; what the client wrote before is not."""
    settings.AXES_IPWARE_PROXY_COUNT = 1
    forged = "192.0.2.66, 203.0.113.9"  # the client forged the first, our proxy added the last
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forged)
    password_step(client, documenter.username, "wrong password")
    event = AuditEvent.objects.filter(action="login.failed").latest("id")
    assert event.remote_addr == "203.0.113.9"
    # The lockout counts that address too: five failures lock it, another address still works.
    for _ in range(4):
        password_step(client, documenter.username, "wrong password")
    assert password_step(client, documenter.username).status_code == 429
    other = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert password_step(other, documenter.username).status_code == 302
    # A header that did not pass through the proxy falls back to the connection's address.
    bare = Client(REMOTE_ADDR="10.0.0.3", HTTP_X_FORWARDED_FOR="not-an-address")
    password_step(bare, "nobody", "wrong password")
    assert AuditEvent.objects.filter(action="login.failed").latest("id").remote_addr == "10.0.0.3"


def test_repeated_parameters_are_read_by_one_rule(publish, documenter, client):
    """15.3.7: a single-value parameter given twice is its last value; the search joins its
    values as words (every word must match); facet values are OR-ed (by design)."""
    publish(title="Alpha defender", summary="first")
    publish(title="Beta defender one", summary="second", year=2019)
    publish(title="Beta defender two", summary="third", year=2022)
    staff = signed_in(documenter)
    polluted_query = "q=defender&q=Beta&sort=oldest&sort=newest&page=9&page=1"
    for c, path in ((client, "/"), (client, "/api/entries"), (staff, "/cases/")):
        polluted = c.get(f"{path}?{polluted_query}")
        assert polluted.status_code == 200, path
        text = polluted.content.decode()
        assert "Beta defender one" in text and "Alpha defender" not in text, path
        assert text.index("Beta defender two") < text.index("Beta defender one"), path
    api = json.loads(client.get(f"/api/entries?{polluted_query}").content)
    clean = json.loads(client.get("/api/entries?q=defender+Beta&sort=newest&page=1").content)
    assert api["results"] == clean["results"] and len(api["results"]) == 2
    # A form field sent twice is read as its last value, whatever the order of the others.
    pairs = [*(ENTRY_FORM | {"title": "First title"}).items(), ("title", "Last title")]
    signed_in(documenter).post(
        reverse("cases:create"),
        urlencode(pairs, doseq=True),
        content_type="application/x-www-form-urlencoded",
    )
    assert Entry.objects.filter(title="Last title").exists()
    assert not Entry.objects.filter(title="First title").exists()


def _has_body(response) -> bool:  # type: ignore[no-untyped-def]
    if response.streaming:
        return True
    return bool(response.content)


def _query(**params: str) -> str:
    return urlencode(params)
