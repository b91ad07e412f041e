"""Authentication events go to the audit log (ASVS 16.3.1)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from amparo.accounts.audit import record_event


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
    name = str(credentials.get("username", ""))[:150].replace("\n", " ").replace("\r", " ")
    record_event("login.failed", detail={"username": name}, request=request)


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any = None, username: Any = None, **kwargs: Any) -> None:
    name = str(username or "")[:150].replace("\n", " ").replace("\r", " ")
    record_event("login.locked_out", detail={"username": name}, request=request)
