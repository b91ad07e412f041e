"""Fixtures for the case register tests: entry factory and a private upload folder."""

from __future__ import annotations

from typing import Any

import pytest

from amparo.cases import services
from amparo.cases.models import Entry


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """These tests never sign in with a password; Argon2 would only slow creating personas."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores evidence in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def coding(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "named",
        "title": "Defender threatened after a Council session",
        "summary": "Threats followed a statement delivered in Geneva.",
        "country": "BHR",
        "year": 2021,
        "status": "open",
        "subject_kind": "individual",
        "gender": "male",
        "body": ["hrc"],
        "reprisal_type": ["threats_intimidation"],
    }
    data.update(overrides)
    return data


@pytest.fixture
def make_entry(db, documenter):
    """Open an entry through the service, as the documenter, with coding overrides."""

    def make(actor: Any = None, **overrides: Any) -> Entry:
        return services.open_entry(actor or documenter, coding(**overrides))

    return make
