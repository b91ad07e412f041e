"""Authentication events go to the audit log (ASVS 16.3.1)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from amparo.accounts.audit import record_event
from amparo.security.logging import escape_controls


def _name(value: Any) -> str:
    """An attempted username for the audit log: at most 150 characters, on one line."""
    return escape_controls(str(value or ""))[:150]


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event("login.password_ok", actor=user, obj=user, request=request)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_event("logout", actor=user, obj=user, request=request)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: Any, request: Any = None, **kwargs: Any) -> None:
    # The attempted username is kept (it helps spot targeting); the password never.
    record_event(
        "login.failed", detail={"username": _name(credentials.get("username"))}, request=request
    )


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any = None, username: Any = None, **kwargs: Any) -> None:
    record_event("login.locked_out", detail={"username": _name(username)}, request=request)
