"""Every page carries the protective headers: strict CSP, no framing, no sniffing, no caching."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

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
