"""Fixtures for the public surfaces (portal, API, analytics): confidential fields hold markers.

Loaded for every test by the root conftest (pytest_plugins).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amparo.cases import services
from amparo.cases.models import Entry

# One marker per confidential field: any of them on a public surface is a leak.
MARKERS = {
    "subject.name": "ZQXNAMEMARKER",
    "subject.aliases": "ZQXALIASMARKER",
    "subject.contact": "ZQXCONTACTMARKER",
    "entry.notes": "ZQXNOTESMARKER",
    "incident.place": "ZQXPLACEMARKER",
    "incident.description": "ZQXINCIDENTMARKER",
    "engagement.description": "ZQXENGAGEMENTMARKER",
    "consent.limits": "ZQXLIMITSMARKER",
    "consent.withdrawal_note": "ZQXWITHDRAWALMARKER",
    "evidence.description": "ZQXEVIDENCEMARKER",
    "evidence.original_name": "ZQXFILENAMEMARKER",
    "action.reply": "ZQXREPLYMARKER",
    "action.notes": "ZQXACTIONNOTESMARKER",
}


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
        "published": True,
        "body": ["hrc"],
        "reprisal_type": ["threats_intimidation"],
    }
    data.update(overrides)
    return data


def consent(actor: Any, entry: Entry, purpose: str = "publish_in_portal", **extra: Any) -> Any:
    return services.record_consent(
        actor,
        entry,
        {
            "purpose": purpose,
            "given_by": "person",
            "method": "written",
            "given_on": datetime.date(2024, 1, 5),
            **extra,
        },
    )


@pytest.fixture
def publish(db, documenter):
    """Open an entry and, for a named one, record consent to publish it in the portal."""

    def make(*, consented: bool = True, **overrides: Any) -> Entry:
        entry = services.open_entry(documenter, coding(**overrides))
        if consented and entry.kind not in ("general_situation", "preemptive_statement"):
            consent(documenter, entry)
        return entry

    return make


@pytest.fixture
def marked_entry(publish, documenter) -> Entry:
    """A public named entry with every confidential field filled with a marker string."""
    entry = publish(
        title="Lawyer detained after briefing a treaty body",
        summary="Detained on return from Geneva.",
        notes=MARKERS["entry.notes"],
        theme=["civil_political"],
        contact_point=["un_meeting_abroad"],
        perpetrator=["state"],
    )
    services.add_subject(
        documenter,
        entry,
        {
            "kind": "individual",
            "gender": "male",
            "name": MARKERS["subject.name"],
            "aliases": [MARKERS["subject.aliases"]],
            "contact": MARKERS["subject.contact"],
        },
    )
    services.add_engagement(
        documenter,
        entry,
        {
            "body": "hrc",
            "contact_point": "un_meeting_abroad",
            "description": MARKERS["engagement.description"],
        },
    )
    services.add_incident(
        documenter,
        entry,
        {
            "date": datetime.date(2021, 3, 1),
            "place": MARKERS["incident.place"],
            "reprisal_types": ["detention"],
            "perpetrators": ["state"],
            "description": MARKERS["incident.description"],
        },
    )
    services.add_citation(documenter, entry, "A/HRC/48/28 annex I para 12")
    consent(documenter, entry, "raise_with_state", limits=MARKERS["consent.limits"])
    withdrawn = consent(documenter, entry, "share_with_partner_ngo")
    services.withdraw_consent(documenter, withdrawn, note=MARKERS["consent.withdrawal_note"])
    services.add_evidence(
        documenter,
        entry,
        SimpleUploadedFile(f"{MARKERS['evidence.original_name']}.txt", b"a statement"),
        description=MARKERS["evidence.description"],
    )
    services.add_action(
        documenter,
        entry,
        {
            "avenue": "senior_official",
            "taken_on": datetime.date(2021, 4, 1),
            "reply": MARKERS["action.reply"],
            "notes": MARKERS["action.notes"],
        },
    )
    return entry
