"""Template context for staff pages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from amparo.accounts.middleware import is_verified


def staff(request: HttpRequest) -> dict[str, Any]:
    """Whether the visitor is a verified staff member (shows the staff navigation)."""
    user = getattr(request, "user", None)
    verified = bool(user and user.is_authenticated and is_verified(request))
    return {"staff_verified": verified}
