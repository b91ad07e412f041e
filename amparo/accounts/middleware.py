"""Staff sessions: idle timeout and a second factor before any staff page."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

VERIFIED_KEY = "amparo_2fa_verified"
SEEN_KEY = "amparo_last_seen"

# Paths a signed-in user may reach before passing the second factor.
OPEN_PATHS = frozenset({"/accounts/login/", "/accounts/logout/", "/accounts/two-factor/"})
OPEN_PREFIXES = ("/static/", "/i18n/")


def is_verified(request: HttpRequest) -> bool:
    """Whether this session has passed the second factor."""
    return bool(request.session.get(VERIFIED_KEY))


class StaffSessionMiddleware:
    """Ends idle staff sessions and holds unverified ones at the two-factor step."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(SEEN_KEY, now)
            if now - last > settings.SESSION_IDLE_SECONDS:
                logout(request)
                return redirect(f"{settings.LOGIN_URL_PATH}?expired=1")
            request.session[SEEN_KEY] = now
            if not is_verified(request) and not _open(request.path):
                return redirect("accounts:two_factor")
        return self.get_response(request)


def _open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)
