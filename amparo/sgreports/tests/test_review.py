"""Reviewing candidates, the follow-up tracker and the calendar feed, through services and HTTP."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from amparo.accounts.models import AuditEvent
from amparo.cases.models import Entry
from amparo.sgreports import services
from amparo.sgreports.models import Candidate
from amparo.sgreports.queries import entries_due_for_follow_up
from amparo.sgreports.tests.conftest import REPORT_TEXT

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(reports, documenter):
    batch = services.start_import(documenter, "A/HRC/99/10", REPORT_TEXT)
    return services.run_import(batch.pk)


def candidate(batch, paragraph: int) -> Candidate:
    return batch.candidates.get(paragraph=paragraph)


def test_accepting_opens_an_entry_with_subjects_and_citations(batch, documenter):
    entry = services.accept_candidate(documenter, candidate(batch, 1), {})
    assert entry.country == "VNM" and entry.kind == "named" and entry.year == 2024
    assert [s.name for s in entry.subjects.all()] == ["Tarek Alfahrani"]
    assert [str(c) for c in entry.citations.all()] == ["A/HRC/99/10 annex I para 1"]
    assert "detention" in entry.terms_of("reprisal_type")
    assert "Alfahrani" not in entry.title
    assert candidate(batch, 1).state == "accepted"


def test_the_reviewers_edits_win_over_the_proposal(batch, documenter):
    entry = services.accept_candidate(
        documenter,
        candidate(batch, 2),
        {
            "kind": "named",
            "organisations": ["Centre for Rights & Justice"],
            "reprisal_types": ["defamation"],
            "bodies": [],
            "contact_points": [],
        },
    )
    assert [s.kind for s in entry.subjects.all()] == ["organisation"]
    assert entry.terms_of("reprisal_type") == ["defamation"] and entry.terms_of("body") == []


def test_accepting_a_follow_up_adds_the_citation_to_the_existing_entry(
    reports, documenter, make_case
):
    existing = make_case(
        country="BHR", names=("Noor Hamdan",), cites=("A/HRC/98/20 annex I para 7",)
    )
    batch = services.run_import(services.start_import(documenter, "A/HRC/99/10", REPORT_TEXT).pk)
    follow = candidate(batch, 4)
    assert follow.match_ref == existing.ref
    count = Entry.objects.count()
    assert services.accept_follow_up(documenter, follow) == existing
    assert Entry.objects.count() == count
    assert "A/HRC/99/10 annex II para 4" in [str(c) for c in existing.citations.all()]


def test_merge_cites_the_paragraph_on_the_named_entry(batch, documenter, make_case):
    target = make_case(country="VEN")
    services.merge_candidate(documenter, candidate(batch, 3), target.ref)
    assert [str(c) for c in target.citations.all()] == ["A/HRC/99/10 annex I para 3"]
    assert candidate(batch, 3).state == "merged"


def test_rejecting_writes_nothing_and_a_candidate_is_reviewed_once(batch, documenter):
    services.reject_candidate(documenter, candidate(batch, 3))
    assert Entry.objects.count() == 0
    with pytest.raises(ValidationError, match="already rejected"):
        services.accept_candidate(documenter, candidate(batch, 3), {})


def test_a_viewer_cannot_review(batch, viewer):
    with pytest.raises(ValidationError):
        services.accept_candidate(viewer, candidate(batch, 1), {})
    assert Entry.objects.count() == 0


def test_a_bad_edit_saves_nothing(batch, documenter):
    with pytest.raises(ValidationError):
        services.accept_candidate(documenter, candidate(batch, 1), {"reprisal_types": ["nonsense"]})
    assert Entry.objects.count() == 0 and candidate(batch, 1).state == "pending"


def test_review_pages_work_without_javascript(batch, documenter_client):
    page = documenter_client.get(reverse("sgreports:batch", args=[batch.pk]))
    assert page.status_code == 200 and b"Tarek Alfahrani" in page.content
    assert b"http-equiv" not in page.content  # finished: no refresh
    one = candidate(batch, 1)
    edit = documenter_client.get(reverse("sgreports:candidate", args=[one.pk]))
    assert edit.status_code == 200 and b"travelled to Geneva" in edit.content
    response = documenter_client.post(
        reverse("sgreports:candidate", args=[one.pk]),
        {
            "action": "accept",
            "kind": "named",
            "country": "VNM",
            "title": "Defender arrested",
            "persons": "Tarek Alfahrani",
            "reprisal_types": ["detention"],
        },
    )
    assert response.status_code == 302
    assert Entry.objects.get().title == "Defender arrested"
    reject = documenter_client.post(
        reverse("sgreports:candidate_quick", args=[candidate(batch, 3).pk]), {"action": "reject"}
    )
    assert reject.status_code == 302 and candidate(batch, 3).state == "rejected"
    assert AuditEvent.objects.filter(action="sgreport.candidates_view").exists()


def test_a_running_batch_page_refreshes_itself(reports, documenter, documenter_client):
    queued = services.start_import(documenter, "A/HRC/99/10", REPORT_TEXT)
    page = documenter_client.get(reverse("sgreports:batch", args=[queued.pk]))
    assert b'http-equiv="refresh"' in page.content and b"Waiting for a worker" in page.content
    done = services.run_import(queued.pk)
    page = documenter_client.get(reverse("sgreports:batch", args=[done.pk]))
    assert b'http-equiv="refresh"' not in page.content


def test_upload_runs_the_import_and_shows_the_batch(reports, documenter_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("report.txt", REPORT_TEXT.encode(), content_type="text/plain")
    response = documenter_client.post(
        reverse("sgreports:upload"), {"report": "A/HRC/99/10", "file": upload}
    )
    assert response.status_code == 302
    assert Candidate.objects.count() == 4


def test_an_unreadable_upload_gets_a_message_not_a_500(reports, documenter_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("r.pdf", b"%PDF-1.4 junk", content_type="application/pdf")
    response = documenter_client.post(
        reverse("sgreports:upload"), {"report": "A/HRC/99/10", "file": upload}
    )
    assert response.status_code == 200 and b"not a readable PDF" in response.content


@pytest.mark.parametrize("name", ["upload", "index", "follow_up", "calendar"])
def test_pages_need_a_signed_in_verified_staff_member(anonymous_client, name, reports):
    response = anonymous_client.get(reverse(f"sgreports:{name}"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_viewer_cannot_upload_or_review(batch, viewer_client):
    assert viewer_client.get(reverse("sgreports:upload")).status_code == 403
    assert viewer_client.get(reverse("sgreports:batch", args=[batch.pk])).status_code == 403


def test_entries_silent_in_the_latest_report_are_due_for_follow_up(reports, documenter, make_case):
    silent = make_case(cites=("A/HRC/97/30 para 3",))
    make_case(cites=("A/HRC/98/20 para 4", "A/HRC/99/10 annex II para 2"))  # followed up
    make_case(cites=("A/HRC/98/20 para 5",), status="resolved")
    also = make_case(cites=("A/HRC/98/20 annex I para 9", "A/HRC/97/30 para 1"))
    rows = entries_due_for_follow_up(documenter)
    assert [r.entry.ref for r in rows] == sorted([silent.ref, also.ref])
    assert str(rows[-1].last) == "A/HRC/98/20 annex I para 9"


def test_follow_up_list_links_to_the_builder_draft_citing_the_last_report(
    reports, documenter, documenter_client, make_case
):
    silent = make_case(
        names=("Tarek Alfahrani",), cites=("A/HRC/97/30 para 3", "A/HRC/99/10 para 1")
    )
    due = make_case(cites=("A/HRC/97/30 para 3", "A/HRC/98/20 annex I para 4"))
    page = documenter_client.get(reverse("sgreports:follow_up")).content.decode()
    assert "A/HRC/98/20 annex I para 4" in page and silent.ref not in page
    link = reverse("referrals:entry_draft", args=[due.uuid]) + "?avenue=sg_report_follow_up"
    assert f'href="{link}"' in page
    draft = documenter_client.get(link).content.decode()
    # HB §3.5.3: the follow-up names the last report and paragraph citing the case.
    assert "Subject: Follow-up on a case in A/HRC/98/20 annex I para 4" in draft
    # The builder's consent gate: no consent to inclusion recorded, so it cannot be ready.
    assert "No active consent to inclusion in the Reprisals Report" in draft


def test_the_entry_reports_page_links_to_the_builder(reports, documenter_client, make_case):
    entry = make_case(cites=("A/HRC/97/30 para 3",))
    page = documenter_client.get(reverse("sgreports:entry_reports", args=[entry.uuid]))
    link = reverse("referrals:entry_draft", args=[entry.uuid]) + "?avenue=sg_report_follow_up"
    assert f'href="{link}"'.encode() in page.content
