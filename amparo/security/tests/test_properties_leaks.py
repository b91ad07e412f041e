"""Property: no value kept in a confidential field ever reaches a public surface (issue 7 §2).

Hypothesis writes arbitrary text into every confidential field of a public entry (see
CONFIDENTIAL_FIELDS, checked against the models) through the register's services, including
text that looks like the public coding ("Geneva", "hrc", the entry's own ref). Each public
surface is then compared with the same surface for the same entry whose confidential fields are
empty: any difference is something confidential showing through. A value absent from the empty
version must also be absent from the filled one, whatever the comparison says.

Surfaces: portal home, search, entry page, charts, map, situation report, the API list, search
and entry, both exports, `amparo stats --published-only --json` and `amparo export
--published-only`. Examples: AMPARO_PROPERTY_EXAMPLES (default 12) per test, derandomized so CI
runs the same cases; AMPARO_PROPERTY_LONG=1 for 200 random ones.
"""

from __future__ import annotations

import datetime
import io
import os
import re
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amparo.assessments.models import EntryAssessment
from amparo.cases import services
from amparo.portal.tests.fixtures import coding, consent
from amparo.security.fields import encrypted_fields
from amparo.sgreports.models import Candidate, ImportBatch, Report

EXAMPLES = int(os.environ.get("AMPARO_PROPERTY_EXAMPLES", "12"))
COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
# Set on the test itself, not as a profile: loading a profile would change every other
# Hypothesis test of the session. AMPARO_PROPERTY_LONG=1: 200 random examples, for a deep run.
if os.environ.get("AMPARO_PROPERTY_LONG") == "1":
    PROFILE = settings(max_examples=200, **COMMON)
else:
    PROFILE = settings(max_examples=EXAMPLES, derandomize=True, **COMMON)

REF = "PROP-000001"
# Every encrypted field of the models, and where this test writes it (checked below).
CONFIDENTIAL_FIELDS = {
    "cases.entry.notes",
    "cases.subject.name",
    "cases.subject.aliases",
    "cases.subject.contact",
    "cases.engagement.description",
    "cases.incident.place",
    "cases.incident.description",
    "cases.consent.limits",
    "cases.consent.withdrawal_note",
    "cases.evidence.description",
    "cases.evidence.original_name",
    "cases.action.reply",
    "cases.action.notes",
    "assessments.entryassessment.data",
    "sgreports.importbatch.text",
    "sgreports.importbatch.upload",
    "sgreports.candidate.names",
    "sgreports.candidate.text",
    "accounts.totpdevice.secret",  # never near a public surface; covered by the canary tests
}
PUBLIC_LOOKING = [
    "Geneva",
    "Bahrain",
    "BHR",
    "hrc",
    "detention",
    "Human Rights Council",
    "published",
    "A/HRC/48/28",
    REF,
    "2021",
    "named",
    "true",
]

# Text a person could type: any printable character (NUL cannot be stored by PostgreSQL).
typed = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip())
secret_text = st.one_of(st.sampled_from(PUBLIC_LOOKING), typed)
FIELDS = (
    "notes",
    "name",
    "alias",
    "contact",
    "engagement",
    "place",
    "incident",
    "limits",
    "withdrawal",
    "evidence",
    "filename",
    "filebody",
    "reply",
    "action_notes",
    "assessment",
    "report_text",
    "candidate",
)
secrets_strategy = st.fixed_dictionaries({name: secret_text for name in FIELDS})
EMPTY = dict.fromkeys(FIELDS, "")


def test_the_list_of_confidential_fields_is_complete():
    found = {
        f"{model._meta.label_lower}.{field.name}"
        for model in apps.get_models()
        for field in encrypted_fields(model)
    }
    assert found == CONFIDENTIAL_FIELDS


def build(actor: Any, values: dict[str, str]) -> None:
    """One public named entry with every confidential field set from ``values``."""
    entry = services.open_entry(
        actor,
        coding(
            ref=REF,
            title="Lawyer detained after briefing a treaty body",
            summary="Detained on return from Geneva.",
            notes=values["notes"],
            theme=["civil_political"],
            contact_point=["un_meeting_abroad"],
            perpetrator=["state"],
        ),
    )
    consent(actor, entry)
    services.add_subject(
        actor,
        entry,
        {
            "kind": "individual",
            "gender": "male",
            "name": values["name"],
            "aliases": [values["alias"]] if values["alias"] else [],
            "contact": values["contact"],
        },
    )
    services.add_engagement(actor, entry, {"body": "hrc", "description": values["engagement"]})
    services.add_incident(
        actor,
        entry,
        {
            "date": datetime.date(2021, 3, 1),
            "place": values["place"],
            "reprisal_types": ["detention"],
            "perpetrators": ["state"],
            "description": values["incident"],
        },
    )
    services.add_citation(actor, entry, "A/HRC/48/28 annex I para 12")
    consent(actor, entry, "raise_with_state", limits=values["limits"])
    withdrawn = consent(actor, entry, "share_with_partner_ngo")
    services.withdraw_consent(actor, withdrawn, note=values["withdrawal"])
    upload = SimpleUploadedFile(
        (values["filename"] or "statement") + ".txt",
        ("A statement. " + values["filebody"]).encode("utf-8"),
    )
    services.add_evidence(actor, entry, upload, description=values["evidence"])
    services.add_action(
        actor,
        entry,
        {
            "avenue": "senior_official",
            "taken_on": datetime.date(2021, 4, 1),
            "reply": values["reply"],
            "notes": values["action_notes"],
        },
    )
    EntryAssessment.objects.create(
        entry=entry, data={"domain_notes": {"physical": values["assessment"]}}, created_by=actor
    )
    report, _ = Report.objects.get_or_create(
        symbol="A/HRC/48/28", defaults={"year": 2021, "layout_era": "annexes"}
    )
    batch = ImportBatch.objects.create(
        report=report, text=values["report_text"], upload=values["report_text"]
    )
    Candidate.objects.create(
        batch=batch,
        paragraph=12,
        annex="I",
        country="BHR",
        kind="named",
        names={"persons": [values["candidate"]], "organisations": []},
        text=values["candidate"],
        entry=entry,
    )


def surfaces(words: list[str]) -> dict[str, str]:
    """Every public surface as text, searches asking for each of ``words``."""
    client = Client()
    urls = [
        "/",
        f"/entries/{REF}/",
        "/analytics/",
        "/analytics/map.svg",
        "/analytics/report/",
        "/api/entries",
        f"/api/entries/{REF}",
        "/export.csv",
        "/export.jsonl",
    ]
    for word in words:
        urls += [f"/?q={_quote(word)}", f"/api/entries?q={_quote(word)}"]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        pages[url] = body.decode("utf-8")
    for command, options in (
        ("stats", {"published_only": True, "json": True}),
        ("export", {"published_only": True, "format": "jsonl"}),
    ):
        out = io.StringIO()
        call_command(command, stdout=out, **options)
        pages[f"amparo {command}"] = out.getvalue()
    return pages


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def rendered(actor: Any, values: dict[str, str], words: list[str]) -> dict[str, str]:
    """The surfaces with the entry built from ``values``, then everything rolled back."""
    with transaction.atomic():
        build(actor, values)
        pages = surfaces(words)
        transaction.set_rollback(True)
    return pages


def normalised(text: str) -> str:
    # A CSRF token or a CSP nonce would differ from one build to the next without being content.
    text = re.sub(r"\b(csrfmiddlewaretoken|nonce)=\"[^\"]*\"", "", text)
    # Nor would the minute a report says it was generated, when the two builds straddle a minute.
    return re.sub(r"\b\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\b", "<generated>", text)


@pytest.mark.django_db
@PROFILE
@given(values=secrets_strategy)
def test_no_confidential_value_reaches_a_public_surface(coordinator, values):
    words = sorted({v for v in values.values() if v}, key=len)[:4]
    empty = rendered(coordinator, EMPTY, words)
    filled = rendered(coordinator, values, words)
    for name, page in filled.items():
        assert normalised(page) == normalised(empty[name]), f"{name} changes with the secrets"
        for field, value in values.items():
            if value.strip() and value not in empty[name]:
                assert value not in page, f"{field} shows on {name}"
