"""Submission drafts from case entries, their consent gates, and recording them as actions."""

from __future__ import annotations

import datetime
import email
from email import policy

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from amparo.accounts.models import AuditEvent
from amparo.cases import services as case_services
from amparo.cases.models import Action
from amparo.core.referral import Answers
from amparo.referrals.services import (
    SubmissionNotReady,
    build_submission,
    consent_purpose,
    record_submission_as_action,
)
from amparo.referrals.tests.conftest import SECRET_NAME, SECRET_PLACE
from amparo.referrals.views import _entry_answers

pytestmark = pytest.mark.django_db


def draft_for(entry, user, avenue, **kwargs):
    return build_submission(
        avenue, language="en", answers=_entry_answers(entry), entry=entry, user=user, **kwargs
    )


@pytest.mark.parametrize(
    ("avenue", "purpose"),
    [
        ("senior_official", "share_within_un"),
        ("hrc_president", "share_within_un"),
        ("tb_focal_point", "share_within_un"),
        ("sg_report", "include_in_sg_report"),
        ("sg_report_follow_up", "include_in_sg_report"),
        ("iachr_precautionary_measures", "raise_with_state"),
        ("achpr_communication", "raise_with_state"),
        ("embassy", "raise_with_state"),
        ("emergency_support", "share_with_partner_ngo"),
    ],
)
def test_each_avenue_is_gated_by_one_consent_purpose(avenue, purpose):
    assert consent_purpose(avenue) == purpose


def test_draft_withholds_the_name_without_consent(entry, documenter):
    text = draft_for(entry, documenter, "senior_official").as_text()
    assert SECRET_NAME not in text and SECRET_PLACE not in text
    assert "[name withheld: no consent recorded for" in text
    assert "[details withheld: no consent recorded for" in text


def test_draft_carries_the_name_with_consent_for_that_purpose_only(entry, documenter, consent):
    consent(entry, "share_within_un")
    assert SECRET_NAME in draft_for(entry, documenter, "senior_official").as_text()
    # REFERENCE §5: consent to share within the UN is not consent to the public report.
    assert SECRET_NAME not in draft_for(entry, documenter, "sg_report").as_text()


def test_withdrawn_consent_no_longer_lets_the_name_through(entry, documenter, consent):
    given = consent(entry, "share_within_un")
    case_services.withdraw_consent(documenter, given)
    assert SECRET_NAME not in draft_for(entry, documenter, "senior_official").as_text()


def test_building_a_draft_is_audited_by_field_name_only(entry, documenter, consent):
    consent(entry, "share_within_un")
    draft_for(entry, documenter, "senior_official")
    event = AuditEvent.objects.filter(action="submission.draft").latest("id")
    assert "subject.name" in event.fields
    assert SECRET_NAME not in str(event.__dict__)


def test_report_draft_cannot_be_marked_ready_without_consent_to_inclusion(
    entry, documenter, consent
):
    # HB §3.5.1: explicit consent to the report, even after consent to earlier steps.
    consent(entry, "share_within_un")
    with pytest.raises(SubmissionNotReady):
        draft_for(entry, documenter, "sg_report", mark_ready=True)
    consent(entry, "include_in_sg_report")
    draft = draft_for(entry, documenter, "sg_report", mark_ready=True)
    assert draft.ready and draft.blockers == []
    assert SECRET_NAME in draft.as_text()


def test_follow_up_draft_cites_symbol_and_paragraph(entry, documenter, consent):
    # HB §3.5.3
    case_services.add_citation(documenter, entry, "A/HRC/57/60 annex I para 45")
    consent(entry, "include_in_sg_report")
    draft = draft_for(entry, documenter, "sg_report_follow_up", mark_ready=True)
    assert "A/HRC/57/60 annex I para 45" in draft.subject
    assert "A/HRC/57/60 annex I para 45" in draft.message_body()


def test_follow_up_cites_the_latest_reprisals_report_not_another_document(
    entry, documenter, consent
):
    # HB §3.5.3: the report symbol and paragraph; a treaty body document sorts after "A/HRC".
    for text in ("A/HRC/54/61 annex I para 80", "A/HRC/57/60 annex II para 12", "CCPR/C/1/D/2"):
        case_services.add_citation(documenter, entry, text)
    consent(entry, "include_in_sg_report")
    draft = draft_for(entry, documenter, "sg_report_follow_up", mark_ready=True)
    assert "A/HRC/57/60 annex II para 12" in draft.subject
    assert "CCPR" not in draft.subject


def test_follow_up_cites_the_paragraph_the_caller_names(entry, documenter, consent):
    case_services.add_citation(documenter, entry, "A/HRC/57/60 annex II para 12")
    draft = draft_for(
        entry, documenter, "sg_report_follow_up", citation="A/HRC/54/61 annex I para 80"
    )
    assert "A/HRC/54/61 annex I para 80" in draft.subject
    with pytest.raises(ValidationError, match="not a citation"):
        draft_for(entry, documenter, "sg_report_follow_up", citation="last year's report")


def test_follow_up_without_a_paragraph_is_not_ready():
    answers = Answers(country="COL", bodies=("hrc",))
    draft = build_submission("sg_report_follow_up", language="en", answers=answers)
    assert any("symbol and paragraph" in b for b in draft.blockers)


def test_eml_is_an_rfc5322_message_addressed_from_the_avenue():
    answers = Answers(country="COL", bodies=("hrc",), in_geneva=True)
    draft = build_submission(
        "hrc_president", language="fr", answers=answers, parts={"request": "Rencontre"}
    )
    message = email.message_from_bytes(draft.as_eml(), policy=policy.default)
    assert message["To"] == "hrcpresidency@un.org"
    assert message["Cc"] == "ohchr-hrcngo@un.org"
    assert message["Subject"]
    assert "Rencontre" in message.get_content()


def test_president_draft_in_spanish_is_cautioned_about_languages():
    answers = Answers(country="COL", bodies=("hrc",))
    draft = build_submission("hrc_president", language="es", answers=answers)
    assert any("en, fr" in c for c in draft.cautions)


def test_checklist_lists_what_is_missing():
    answers = Answers(country="ZAF", bodies=("achpr",))
    draft = build_submission(
        "achpr_communication", language="en", answers=answers, parts={"remedies": "None available"}
    )
    missing = {s.slug for s in draft.missing}
    assert "complainants" in missing  # HB §4.2.2
    assert "remedies" not in missing


def test_recording_a_submission_sets_a_reminder(entry, documenter):
    sent = datetime.date.today() - datetime.timedelta(days=1)
    action = record_submission_as_action(
        documenter, entry, "iachr_request_information", taken_on=sent, reference_number="MC-1"
    )
    assert action.reminder_on == sent + datetime.timedelta(days=22)  # HB §4.1.1: 15 days + a week
    assert action.reference == "MC-1" and action.status == "sent"


def test_recording_a_report_submission_needs_consent(entry, documenter):
    with pytest.raises(SubmissionNotReady):
        record_submission_as_action(documenter, entry, "sg_report", taken_on=datetime.date.today())
    assert not Action.objects.exists()


def test_due_list_shows_reminders_that_have_come(entry, documenter, documenter_client):
    past = datetime.date.today() - datetime.timedelta(days=40)
    record_submission_as_action(documenter, entry, "senior_official", taken_on=past)
    record_submission_as_action(
        documenter,
        entry,
        "hrc_president",
        taken_on=past,
        reminder_on=datetime.date.today() + datetime.timedelta(days=3),
    )
    with CaptureQueriesContext(connection) as queries:
        response = documenter_client.get("/help/due/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "senior_official" in page and "hrc_president" not in page
    assert len(queries) <= 6


def test_due_list_hides_entries_restricted_to_others(entry, documenter, outsider_client):
    case_services.update_entry(documenter, entry, {"restricted": True})
    past = datetime.date.today() - datetime.timedelta(days=40)
    record_submission_as_action(documenter, entry, "senior_official", taken_on=past)
    assert entry.ref not in outsider_client.get("/help/due/").content.decode()


def test_staff_draft_page_and_recording(entry, documenter_client):
    url = f"/help/entries/{entry.uuid}/draft/"
    page = documenter_client.get(url, {"avenue": "senior_official"})
    assert page.status_code == 200
    assert "[name withheld" in page.content.decode()
    eml = documenter_client.post(
        url, {"avenue": "senior_official", "language": "en", "format": "eml"}
    )
    assert eml["Content-Type"] == "message/rfc822"
    recorded = documenter_client.post(
        f"/help/entries/{entry.uuid}/sent/",
        {
            "avenue": "senior_official",
            "taken_on": datetime.date.today().isoformat(),
            "reference": "R-9",
        },
    )
    assert recorded.status_code == 302
    assert Action.objects.get(entry=entry).reference == "R-9"


def test_staff_pages_need_sign_in(entry, anonymous_client):
    response = anonymous_client.get(f"/help/entries/{entry.uuid}/draft/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert anonymous_client.get("/help/due/").status_code == 302


def test_staff_cannot_draft_for_an_entry_restricted_to_others(entry, documenter, outsider_client):
    case_services.update_entry(documenter, entry, {"restricted": True})
    assert outsider_client.get(f"/help/entries/{entry.uuid}/draft/").status_code == 404


def test_recording_with_a_bad_date_says_which_field(entry, documenter_client):
    response = documenter_client.post(
        f"/help/entries/{entry.uuid}/sent/", {"avenue": "senior_official", "taken_on": "soon"}
    )
    assert response.status_code == 400
    assert "taken_on" in response.content.decode()
    assert not Action.objects.exists()
