"""Staff sessions: idle timeout, an absolute cap, and a second factor before any staff page.

The middleware sees every request, so it also refuses the methods no Amparo page answers
(TRACE, PUT, DELETE, OPTIONS...) before any view can treat them as a GET (ASVS 13.4.4)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

VERIFIED_KEY = "amparo_2fa_verified"
SEEN_KEY = "amparo_last_seen"
STARTED_KEY = "amparo_signed_in_at"
FAILURES_KEY = "amparo_2fa_failures"
NEXT_KEY = "amparo_next"
SEEN_GRANULARITY = 15  # seconds: avoids a session write on every request
ALLOWED_METHODS = ("GET", "HEAD", "POST")

# Where a user whose password an administrator set must choose their own first.
ACCOUNT_PAGE = "/accounts/security/"
# Paths a signed-in user may reach before passing the second factor.
OPEN_PATHS = frozenset({"/accounts/login/", "/accounts/logout/", "/accounts/two-factor/"})
OPEN_PREFIXES = ("/static/", "/i18n/")


def is_verified(request: HttpRequest) -> bool:
    """Whether this session has passed the second factor."""
    return bool(request.session.get(VERIFIED_KEY))


def start_clock(request: HttpRequest) -> None:
    """Mark the start of a signed-in session (the absolute cap counts from here)."""
    now = int(time.time())
    request.session[STARTED_KEY] = now
    request.session[SEEN_KEY] = now


class StaffSessionMiddleware:
    """Ends idle or too-long staff sessions and holds unverified ones at the two-factor step."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ALLOWED_METHODS:
            return HttpResponseNotAllowed(_allowed_for(request.path))
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            last = session.get(SEEN_KEY, now)
            started = session.setdefault(STARTED_KEY, now)
            if now - last > settings.SESSION_IDLE_SECONDS or (
                now - started > settings.SESSION_COOKIE_AGE
            ):
                logout(request)
                return redirect(f"{settings.LOGIN_URL_PATH}?expired=1")
            if now - last >= SEEN_GRANULARITY or SEEN_KEY not in session:
                session[SEEN_KEY] = now
            if not is_verified(request) and not _open(request.path):
                return redirect("accounts:two_factor")
            if user.must_change_password and not _open(request.path):
                if request.path != ACCOUNT_PAGE:
                    return redirect(ACCOUNT_PAGE)
        return self.get_response(request)


def _allowed_for(path: str) -> tuple[str, ...]:
    """The methods to advertise in Allow: a view's own (`allowed_methods`, set by public_page
    for GET-only pages and the API), else the ones Amparo takes at all (schemathesis ST205)."""
    try:
        view = resolve(path).func
    except Resolver404:
        return ALLOWED_METHODS
    return tuple(getattr(view, "allowed_methods", ALLOWED_METHODS))


def _open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)
