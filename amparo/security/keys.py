"""Access to the keyring named by settings (loaded once per process)."""

from __future__ import annotations

import threading

from django.conf import settings

from amparo.core.crypto import Keyring, KeyringError

_lock = threading.Lock()
_cache: dict[str, Keyring] = {}


def keyring() -> Keyring:
    """The process's keyring; created on first use when AMPARO_KEYRING_CREATE allows it."""
    path = settings.AMPARO_KEYRING_FILE
    with _lock:
        ring = _cache.get(str(path))
        if ring is None:
            if not path.exists() and settings.AMPARO_KEYRING_CREATE:
                try:
                    Keyring.generate().save(path, exclusive=True)
                except FileExistsError:
                    pass  # another process created it first: use that one
            if not path.exists():
                raise KeyringError(
                    f"{path}: no keyring file; create one with `amparo keyring_create` "
                    "or set AMPARO_KEYRING_FILE"
                )
            ring = _cache[str(path)] = Keyring.load(path)
        return ring


def forget_keyring() -> None:
    """Drop the cached keyring so the next use reads the file again (after rotation)."""
    with _lock:
        _cache.clear()
