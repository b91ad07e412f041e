"""Every page carries the protective headers: strict CSP, no framing, no sniffing, no caching.

Every URL of the role × URL matrix (amparo/tests_project/test_url_matrix.py, with its sample
arguments) is fetched by each persona; every answer, whatever its status, must carry the
headers. HSTS is checked on what production serves, in a process started with production
settings (it is only sent over HTTPS, which production requires).
"""

from __future__ import annotations

import pytest

from amparo.security.tests.production import answers_of, production_env
from amparo.tests_project.test_url_matrix import MATRIX, PERSONAS, world  # noqa: F401

pytestmark = pytest.mark.django_db
# Pages whose anonymous visitors are defenders typing their own situation: never cached.
ANONYMOUS_SENSITIVE = ("/assess/", "/help/", "/accounts/")

STAFF_PAGES = [
    "/cases/",
    "/cases/new/",
    "/accounts/security/",
    "/accounts/audit/",
    "/admin/",
    "/admin/accounts/user/",
]
ANONYMOUS_PAGES = ["/accounts/login/", "/no-such-page/"]


def assert_protective_headers(response, path):  # type: ignore[no-untyped-def]
    csp = response.headers.get("Content-Security-Policy", "")
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip()
    )
    assert directives.get("default-src") == "'self'", path
    assert "'unsafe" not in csp, path
    assert directives.get("frame-ancestors") == "'none'", path
    assert directives.get("object-src") == "'none'", path
    assert response.headers["X-Content-Type-Options"] == "nosniff", path
    assert response.headers["X-Frame-Options"] == "DENY", path
    # same-origin, not no-referrer: browsers send Origin: null under no-referrer and Django's
    # CSRF check then refuses every form (settings.py); neither leaks a staff URL elsewhere.
    assert response.headers["Referrer-Policy"] in {"no-referrer", "same-origin"}, path
    assert "camera=()" in response.headers["Permissions-Policy"], path
    assert "no-store" in response.headers["Cache-Control"], path


def assert_every_header_but_caching(response, path):  # type: ignore[no-untyped-def]
    cache = response.headers.get("Cache-Control")
    response.headers["Cache-Control"] = "no-store"
    try:
        assert_protective_headers(response, path)
    finally:
        if cache is None:
            del response.headers["Cache-Control"]
        else:
            response.headers["Cache-Control"] = cache


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_url_answers_every_persona_with_the_headers(name, world):  # noqa: F811
    url = MATRIX[name].build(world)
    for persona in PERSONAS:
        response = world["clients"][persona].get(url)
        where = f"{persona} GET {url} ({response.status_code})"
        assert_every_header_but_caching(response, where)
        # Signed in, every answer is private; anonymous tools hold a defender's answers.
        if persona != "anonymous" or url.startswith(ANONYMOUS_SENSITIVE):
            assert "no-store" in response.headers.get("Cache-Control", ""), where


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_carry_the_headers(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 200, path
    assert_protective_headers(response, path)


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_public_pages_and_errors_carry_the_headers(client, path):
    assert_protective_headers(client.get(path), path)


def test_cookies_are_strict_and_http_only(client, settings):
    response = client.get("/accounts/login/")
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["samesite"] == "Strict" and cookie["httponly"]
    assert settings.SESSION_COOKIE_HTTPONLY and settings.SESSION_COOKIE_SAMESITE == "Strict"


def test_passwords_are_hashed_with_argon2():
    from amparo.config import settings as project_settings  # the tests here use a fast hasher

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


PRODUCTION_SCRIPT = """
import json
from django.test import Client
from django.urls import URLPattern, get_resolver
from amparo.accounts.middleware import VERIFIED_KEY
from amparo.accounts.models import User

def plain_paths(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLPattern):
            if not p.pattern.converters and "<" not in str(p.pattern):
                yield prefix + str(p.pattern)
        else:
            yield from plain_paths(p.url_patterns, prefix + str(p.pattern))

extra = {"/no-such-page/", "/api/entries/X-1", "/reports/calendar/feed.ics?token=secret"}
paths = sorted({"/" + p for p in plain_paths(get_resolver().url_patterns)} | extra)
user = User.objects.create_user("prod_admin", password="a long test passphrase 42", role="admin")
staff = Client(HTTP_HOST="example.org")
staff.force_login(user)
session = staff.session
session[VERIFIED_KEY] = True
session.save()
out = {"https": {}, "http": {}}
for who, client in (("anonymous", Client(HTTP_HOST="example.org")), ("admin", staff)):
    for path in paths:
        r = client.get(path, secure=True)
        out["https"][who + " " + path] = [r.status_code, dict(r.headers)]
        r = client.get(path, secure=False)
        body = r.content.decode()[:200] if r.status_code != 301 else ""
        out["http"][who + " " + path] = [r.status_code, r.headers.get("Location", ""), body]
print("JSON:" + json.dumps(out))
"""


# Addresses programs fetch: over plain HTTP they are refused, never redirected (ASVS 4.1.2).
MACHINE_PATHS = {
    "/api/entries",
    "/api/entries/X-1",
    "/api/openapi.json",
    "/export.csv",
    "/export.jsonl",
    "/reports/calendar/feed.ics",
    "/reports/calendar/feed.ics?token=secret",
}


@pytest.fixture(scope="module")
def production_answers(tmp_path_factory) -> dict[str, dict[str, list]]:
    """What a production process (AMPARO_PRODUCTION=true, HTTPS) answers on every plain URL."""
    tmp_path = tmp_path_factory.mktemp("production")
    env = production_env(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    return answers_of(env, PRODUCTION_SCRIPT)


@pytest.mark.django_db(transaction=False)
def test_production_sends_hsts_and_the_headers_on_every_url_and_redirects_http(
    production_answers, capsys
):
    https, http = production_answers["https"], production_answers["http"]
    assert len(https) >= 40  # both personas, every URL without arguments
    for where, (status, headers) in https.items():
        assert headers.get("Strict-Transport-Security") == (
            "max-age=63072000; includeSubDomains; preload"
        ), where
        response = _Answer(headers)
        assert_protective_headers(response, f"{where} ({status})")
    pages = {w: a for w, a in http.items() if w.split(" ", 1)[1] not in MACHINE_PATHS}
    for where, (status, location, _) in pages.items():
        assert status == 301 and location.startswith("https://example.org/"), where
    assert {w.split(" ", 1)[1] for w in pages} >= {"/", "/api/", "/accounts/login/", "/cases/"}
    staff = {w: s for w, (s, _) in https.items() if w.startswith("admin /cases/")}
    assert staff and set(staff.values()) == {200}, staff
    with capsys.disabled():
        print(f"\nproduction: {len(https)} HTTPS answers with HSTS, {len(pages)} HTTP redirects")


@pytest.mark.django_db(transaction=False)
def test_production_refuses_plain_http_on_machine_addresses_without_redirecting(
    production_answers, capsys
):
    http = production_answers["http"]
    refused = {w: a for w, a in http.items() if w.split(" ", 1)[1] in MACHINE_PATHS}
    assert len(refused) == 2 * len(MACHINE_PATHS)  # every one was asked, by both personas
    for where, (status, location, body) in refused.items():
        assert (status, location) == (403, ""), where
        assert body.startswith("HTTPS is required"), where
        assert "{" not in body and "BEGIN:VCALENDAR" not in body, where  # no data at all
    with capsys.disabled():
        print(f"\nproduction: {len(refused)} plain-HTTP requests to machine addresses refused")


def test_census_of_the_header_checks(capsys):
    """The figure for docs/security/figures.md (shown with -s)."""
    with capsys.disabled():
        print(
            f"\nheaders: {len(MATRIX)} routes x {len(PERSONAS)} personas = "
            f"{len(MATRIX) * len(PERSONAS)} responses checked"
        )
    assert len(MATRIX) >= 50


class _Answer:
    """Headers read back from the production process, shaped like a response for the asserts."""

    def __init__(self, headers: dict[str, str]) -> None:
        self.headers = headers
