"""System checks: Amparo does not start without its keyring (or with a readable-by-all one)."""

from __future__ import annotations

import stat
from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

from amparo.core.crypto import Keyring, KeyringError


@register("security")
def keyring_present(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """keyring.E001 when the keyring is missing and may not be created, E002 when unreadable.

    The ids are not `security.*`: Django uses those for its own deploy checks (security.W001 is
    its SecurityMiddleware check), and silencing one must not silence the other.
    """
    path = settings.AMPARO_KEYRING_FILE
    if not path.exists():
        if settings.AMPARO_KEYRING_CREATE:
            return []
        return [
            Error(
                f"No encryption keyring at {path}.",
                hint="Create one with `amparo keyring_create` (keep a copy apart from the "
                "database backups), or point AMPARO_KEYRING_FILE at an existing one.",
                id="keyring.E001",
            )
        ]
    try:
        Keyring.load(path)
    except KeyringError as exc:
        return [Error(str(exc), hint="Restore the keyring from its backup.", id="keyring.E002")]
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        return [
            Warning(
                f"The keyring {path} is readable by other users of this machine.",
                hint=f"chmod 600 {path}",
                id="keyring.W001",
            )
        ]
    return []


def require_keyring() -> None:
    """Raise KeyringError with the check's message when the keyring is missing (web startup)."""
    problems = [p for p in keyring_present() if isinstance(p, Error)]
    if problems:
        raise KeyringError(f"{problems[0].msg} {problems[0].hint}")
