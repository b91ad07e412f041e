"""Language by ``?lang=`` for anonymous visitors: no cookie, nothing stored (portal and tools)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

CODES = {code for code, _name in settings.LANGUAGES}
NAMES = {"en": "English", "fr": "Français", "es": "Español"}


def current_language() -> str:
    """The active language's code if it is one of ours, else English (for ``name_<code>`` columns)."""
    code = (translation.get_language() or "en")[:2]
    return code if code in CODES else "en"


class QueryLanguageMiddleware:
    """Activates the language named by ``?lang=`` (after LocaleMiddleware picked the browser's)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = request.GET.get("lang", "")
        if code in CODES:
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return self.get_response(request)


def language_links(request: HttpRequest) -> dict[str, Any]:
    """Links to this page in each language, keeping the other query parameters."""
    links = []
    for code, _name in settings.LANGUAGES:
        query = request.GET.copy()
        query["lang"] = code
        links.append({"code": code, "name": NAMES.get(code, code), "url": f"?{query.urlencode()}"})
    return {"language_links": links}
