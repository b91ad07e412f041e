"""Fixtures for the protection tests: a keyring of their own, register rows to protect, and a
permissive TLS server to show that a refused probe is real."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from amparo.cases import services
from amparo.security.keys import forget_keyring
from amparo.security.tests.tls_probes import permissive_server


@pytest.fixture(scope="module")
def permissive(certificate) -> Iterator[int]:  # type: ignore[no-untyped-def]
    """A control server with the module's ``certificate`` accepting every version, suite and
    renegotiation OpenSSL has; its port."""
    with permissive_server(*certificate) as port:
        yield port


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
