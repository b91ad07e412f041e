"""Fixtures for the referral tests: an entry with a named subject, incidents and consent."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from amparo.cases import services
from amparo.cases.models import Entry

SECRET_NAME = "Ximena Quispe-Huaman"
SECRET_PLACE = "outside the Calle Ocho office"


@pytest.fixture
def entry(db, documenter) -> Entry:
    """A named case after a Council session: one subject, one incident, one engagement."""
    entry = services.open_entry(
        documenter,
        {
            "kind": "named",
            "title": "Defender threatened after a Council session",
            "country": "COL",
            "year": 2025,
            "body": ["hrc"],
            "reprisal_type": ["threats_intimidation"],
        },
    )
    services.add_subject(documenter, entry, {"kind": "individual", "name": SECRET_NAME})
    services.add_incident(
        documenter,
        entry,
        {
            "date": datetime.date(2025, 4, 2),
            "place": SECRET_PLACE,
            "reprisal_types": ["threats_intimidation"],
            "perpetrators": ["state"],
            "description": "Two officers warned her to stop talking to the UN.",
        },
    )
    services.add_engagement(documenter, entry, {"body": "hrc", "date": datetime.date(2025, 3, 20)})
    return entry


@pytest.fixture
def consent(documenter):
    """Record consent for a purpose on an entry."""

    def give(entry: Entry, purpose: str, **extra: Any):
        return services.record_consent(
            documenter,
            entry,
            {"purpose": purpose, "given_by": "person", "method": "written", **extra},
        )

    return give
