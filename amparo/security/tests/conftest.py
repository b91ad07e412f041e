"""Fixtures for the protection tests: a keyring of their own, and register rows to protect."""

from __future__ import annotations

import pytest

from amparo.cases import services
from amparo.security.keys import forget_keyring


@pytest.fixture
def own_keyring(settings, tmp_path):  # type: ignore[no-untyped-def]
    """A fresh keyring file for this test only (rotation rewrites it)."""
    settings.AMPARO_KEYRING_FILE = tmp_path / "keys" / "keyring.json"
    settings.AMPARO_KEYRING_CREATE = True
    forget_keyring()
    yield settings.AMPARO_KEYRING_FILE
    forget_keyring()


def open_named_entry(actor, notes: str = "", **extra):  # type: ignore[no-untyped-def]
    """A named-person entry through the register's own service."""
    data = {"kind": "named", "title": "A defender in Testland", "country": "COL", "notes": notes}
    return services.open_entry(actor, data | extra)
