"""Error pages: plain, translated, and never a trace or a value from the request."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class _WithoutQuery:
    """The request as templates see it on an error page: its query string is never echoed."""

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    def __getattr__(self, name: str) -> Any:
        return getattr(self._request, name)

    def get_full_path(self, force_append_slash: bool = False) -> str:
        return self._request.path


def _page(request: HttpRequest | None, status: int, title: str, text: str) -> HttpResponse:
    try:
        body = render_to_string(
            "error.html",
            {"status": status, "title": title, "text": text},
            request=_WithoutQuery(request) if request is not None else None,
        )
    except Exception:  # noqa: BLE001 - the error page must not fail in turn
        body = f"<!doctype html><title>{status}</title><h1>{status}</h1>"
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(request, 400, _("Bad request"), _("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    """403, and an audit event naming the path (never the query string) for a signed-in user."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from amparo.accounts.audit import record_event

        record_event(
            "access.denied",
            actor=user,
            object_type="url",
            detail={"reason": "forbidden", "method": request.method, "path": request.path[:200]},
            request=request,
        )
    return _page(request, 403, _("Not allowed"), _("You do not have access to this page."))


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _page(request, 404, _("Not found"), _("There is no page at this address."))


def too_many_requests(request: HttpRequest, by: str, limit: int, retry_after: int) -> HttpResponse:
    """429 for a rate limit (security/ratelimit.py): what happened and when to try again."""
    if by == "account":
        until = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=retry_after)
        text = _(
            "Your account has reached its limit of %(limit)s of these actions per hour, a "
            "safeguard against copying the register in bulk. You can continue after %(time)s "
            "UTC. The limit was recorded in the audit log."
        ) % {"limit": limit, "time": until.strftime("%H:%M")}
    elif by == "everyone":
        text = _(
            "Amparo is handling as many requests of this kind as it can at the moment. "
            "Please try again in a minute."
        )
    else:
        text = _(
            "Too many requests of this kind have come from your network in the last minute. "
            "Reading the site is not limited. Please try again in a minute."
        )
    return _page(request, 429, _("Too many requests"), text)


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(
        request,
        500,
        _("Something went wrong"),
        _("Nothing was saved by the request that failed. Please try again."),
    )


# Django's own reasons (django.middleware.csrf); any other reason text may quote the request.
CSRF_REASONS = {
    "CSRF cookie not set.": "no_cookie",
    "CSRF token missing.": "no_token",
    "Referer checking failed - no Referer.": "no_referer",
    "Referer checking failed - Referer is insecure while host is secure.": "insecure_referer",
}


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 for a form that failed the CSRF check (CSRF_FAILURE_VIEW).

    A signed-in user's failure is an audit event (ASVS 16.3.3): method, path and the kind of
    failure, never a value from the request. An anonymous one is only logged, at INFO: anyone
    can send such a request, and the audit log is for what staff sessions meet.
    """
    kind = CSRF_REASONS.get(reason, "bad_token" if "token" in reason.lower() else "origin")
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from amparo.accounts.audit import record_event

        record_event(
            "security.csrf_failed",
            actor=user,
            object_type="url",
            detail={"reason": kind, "method": request.method, "path": request.path[:200]},
            request=request,
        )
    else:
        logger.info("CSRF check failed (%s) on %s", kind, request.path[:200])
    return _page(
        request,
        403,
        _("Not allowed"),
        _(
            "This form could not be accepted: it has expired or did not come from this site. "
            "Go back, reload the page and send it again."
        ),
    )
