"""Headers every response carries, beyond what Django and django-csp set."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=(), "
    "browsing-topics=()"
)


class SecurityHeadersMiddleware:
    """Permissions-Policy everywhere; no-store on every page that is not a static asset.

    Staff pages hold confidential data and anonymous tools hold a defender's answers:
    neither may linger in a shared computer's cache (ASVS 14.3.2).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if not request.path.startswith("/static/") and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store, max-age=0"
        return response


class HttpsRequiredMiddleware:
    """Refuse plain HTTP, without redirecting, on the paths exempt from Django's HTTPS redirect.

    Those are the addresses programs fetch (the API, the exports, the calendar feed: listed in
    SECURE_REDIRECT_EXEMPT). A redirect would hide that a client sent its request, perhaps with
    the feed's secret, in clear; a refusal makes the mistake show at once (ASVS 4.1.2). Pages
    people open in a browser keep SecurityMiddleware's 301. Placed after the header middlewares,
    so the refusal carries their headers, and before the session is read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.active = settings.SECURE_SSL_REDIRECT
        self.refused = [re.compile(pattern) for pattern in settings.SECURE_REDIRECT_EXEMPT]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path.lstrip("/")  # as SecurityMiddleware matches SECURE_REDIRECT_EXEMPT
        if self.active and not request.is_secure() and any(p.search(path) for p in self.refused):
            return HttpResponse(
                "HTTPS is required: ask for this address with https://, not http://.\n",
                status=403,
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
