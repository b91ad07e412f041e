"""Staff keeping an assessment with an entry: encrypted at rest, audited, behind the entry's access."""

from __future__ import annotations

import pytest
from django.db import connection

from amparo.accounts.models import AuditEvent
from amparo.assessments.models import EntryAssessment
from amparo.assessments.tests.conftest import add_entry
from amparo.assessments.tests.test_wizard import MARKER, token_of, walk

pytestmark = pytest.mark.django_db


def attach(client, entry_ref: str):
    token = token_of(walk(client)[-1])
    return client.post("/assess/attach/", {"state": token, "entry_ref": entry_ref})


def test_a_documenter_attaches_an_assessment_stored_encrypted_and_audited(documenter_client):
    entry = add_entry("COL", 2024, [])
    done = walk(documenter_client)[-1]
    assert "Attach to entry" in done.content.decode()

    response = attach(documenter_client, entry.ref)
    assessment = EntryAssessment.objects.get(entry=entry)
    assert response.status_code == 302
    assert response["Location"] == f"/assess/attached/{assessment.pk}/"
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM assessments_entryassessment")
        (raw,) = cursor.fetchone()
    assert raw.startswith("v1:") and MARKER not in raw and "surveillance" not in raw
    assert any(t["label"] == MARKER for t in assessment.data["threats"])

    event = AuditEvent.objects.get(action="assessment.attach")
    assert event.fields == ["assessment"] and MARKER not in str(event.detail)

    page = documenter_client.get(response["Location"])
    assert page.status_code == 200 and MARKER in page.content.decode()
    assert AuditEvent.objects.filter(action="assessment.view").count() == 1


def test_anonymous_visitors_see_no_attach_form_and_cannot_attach(anonymous_client):
    entry = add_entry("COL", 2024, [])
    assert "Attach to entry" not in walk(anonymous_client)[-1].content.decode()
    assert attach(anonymous_client, entry.ref).status_code == 403
    assert not EntryAssessment.objects.exists()


def test_a_viewer_cannot_attach(viewer_client):
    entry = add_entry("COL", 2024, [])
    assert attach(viewer_client, entry.ref).status_code == 403
    assert not EntryAssessment.objects.exists()


def test_an_unknown_or_restricted_entry_is_refused_with_a_message(
    documenter_client, outsider_client, documenter
):
    restricted = add_entry("COL", 2024, [])
    restricted.restricted = True
    restricted.save()
    restricted.allowed_users.add(documenter)

    unknown = attach(documenter_client, "NO-SUCH-REF")
    assert unknown.status_code == 400 and "NO-SUCH-REF" in unknown.content.decode()
    assert attach(outsider_client, restricted.ref).status_code == 400
    assert not EntryAssessment.objects.exists()

    attach(documenter_client, restricted.ref)
    assessment = EntryAssessment.objects.get()
    assert outsider_client.get(f"/assess/attached/{assessment.pk}/").status_code == 404
    assert documenter_client.get(f"/assess/attached/{assessment.pk}/").status_code == 200


def test_an_unfinished_assessment_cannot_be_attached(documenter_client):
    entry = add_entry("COL", 2024, [])
    first = documenter_client.get("/assess/")
    response = documenter_client.post(
        "/assess/attach/", {"state": token_of(first), "entry_ref": entry.ref}
    )
    assert response.status_code == 400
    assert "Finish rating every threat" in response.content.decode()
    assert not EntryAssessment.objects.exists()
