"""The register's write services: validation names the field, nothing is half-saved, all audited."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from amparo.accounts.models import AuditEvent
from amparo.cases import services
from amparo.cases.models import Action, Citation, Consent, Entry, Incident, NameToken, Subject
from amparo.cases.tests.conftest import coding

pytestmark = pytest.mark.django_db


def test_it_opens_an_entry_with_terms_and_derives_the_region(make_entry):
    entry = make_entry(theme=["civil_political", "womens_rights"])
    assert entry.region == "mena"
    assert entry.ref.startswith("AMP-")
    assert sorted(entry.terms_of("theme")) == ["civil_political", "womens_rights"]
    assert AuditEvent.objects.filter(action="entry.create", object_id=str(entry.pk)).exists()


def test_a_bad_slug_names_the_field_and_the_allowed_values(documenter):
    with pytest.raises(ValidationError) as caught:
        services.open_entry(documenter, coding(reprisal_type=["threats", "defamation"]))
    messages = caught.value.message_dict
    assert "reprisal_type" in messages
    assert "'threats'" in messages["reprisal_type"][0]
    assert "threats_intimidation" in messages["reprisal_type"][0]
    assert Entry.objects.count() == 0


def test_a_refused_update_leaves_the_entry_as_it_was(make_entry, documenter):
    entry = make_entry()
    with pytest.raises(ValidationError) as caught:
        services.update_entry(documenter, entry, {"title": "Changed", "status": "pending"})
    assert "status" in caught.value.message_dict
    assert "follow_up_due" in caught.value.message_dict["status"][0]
    entry.refresh_from_db()
    assert entry.title == "Defender threatened after a Council session"


def test_an_incident_with_a_bad_perpetrator_saves_nothing(make_entry, documenter):
    entry = make_entry()
    events_before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.add_incident(
            documenter,
            entry,
            {"date": datetime.date(2021, 3, 1), "perpetrators": ["state", "aliens"], "place": "X"},
        )
    assert "perpetrators" in caught.value.message_dict
    assert "non_state_media" in caught.value.message_dict["perpetrators"][0]
    assert Incident.objects.count() == 0
    assert AuditEvent.objects.count() == events_before


def test_an_incident_cannot_end_before_it_starts(make_entry, documenter):
    with pytest.raises(ValidationError) as caught:
        services.add_incident(
            documenter,
            make_entry(),
            {"date": datetime.date(2021, 3, 10), "date_end": datetime.date(2021, 3, 1)},
        )
    assert "date_end" in caught.value.message_dict


def test_a_citation_is_parsed_and_a_duplicate_is_refused(make_entry, documenter):
    entry = make_entry()
    citation = services.add_citation(documenter, entry, "a/hrc/57/60 annex ii para 12")
    assert (citation.symbol, citation.annex, citation.paragraph) == ("A/HRC/57/60", "II", 12)
    with pytest.raises(ValidationError) as caught:
        services.add_citation(documenter, entry, "A/HRC/57/60 annex II para 12")
    assert "already cited" in caught.value.message_dict["citation"][0]
    with pytest.raises(ValidationError) as caught:
        services.add_citation(documenter, entry, "paragraph twelve")
    assert "citation" in caught.value.message_dict
    assert Citation.objects.count() == 1


def test_an_action_names_the_allowed_avenues(make_entry, documenter):
    with pytest.raises(ValidationError) as caught:
        services.add_action(
            documenter,
            make_entry(),
            {"avenue": "un_hotline", "taken_on": datetime.date(2022, 1, 5)},
        )
    assert "senior_official" in caught.value.message_dict["avenue"][0]
    assert Action.objects.count() == 0


def test_an_action_records_the_reply(make_entry, documenter):
    entry = make_entry()
    action = services.add_action(
        documenter,
        entry,
        {"avenue": "senior_official", "taken_on": datetime.date(2022, 1, 5), "status": "sent"},
    )
    services.update_action(
        documenter,
        action,
        {
            "avenue": "senior_official",
            "taken_on": datetime.date(2022, 1, 5),
            "status": "replied",
            "reply": "Acknowledged",
            "replied_on": datetime.date(2022, 2, 1),
        },
    )
    action.refresh_from_db()
    assert action.reply == "Acknowledged"
    event = AuditEvent.objects.filter(action="action.change").get()
    assert set(event.fields) == {"reply", "replied_on", "status"}
    assert "Acknowledged" not in str(event.detail)


def test_consent_is_per_purpose_and_withdrawal_takes_the_entry_off_the_portal(
    make_entry, coordinator
):
    entry = make_entry(published=True)
    services.record_consent(
        coordinator,
        entry,
        {"purpose": "include_in_sg_report", "given_by": "person", "method": "written"},
    )
    assert not entry.is_public  # consent to another purpose never implies publication
    consent = services.record_consent(
        coordinator,
        entry,
        {"purpose": "publish_in_portal", "given_by": "person", "method": "written"},
    )
    assert entry.is_public
    assert Entry.objects.public().filter(pk=entry.pk).exists()
    services.withdraw_consent(coordinator, consent, "asked by phone")
    assert not entry.is_public
    assert not Entry.objects.public().filter(pk=entry.pk).exists()


def test_a_consent_cannot_be_withdrawn_twice_or_before_it_was_given(make_entry, documenter):
    consent = services.record_consent(
        documenter,
        make_entry(),
        {
            "purpose": "raise_with_state",
            "given_by": "legal_representative",
            "method": "in_person",
            "given_on": datetime.date(2023, 5, 1),
        },
    )
    with pytest.raises(ValidationError):
        services.withdraw_consent(documenter, consent, on=datetime.date(2023, 4, 1))
    services.withdraw_consent(documenter, consent, on=datetime.date(2023, 6, 1))
    with pytest.raises(ValidationError):
        services.withdraw_consent(documenter, consent)
    assert Consent.objects.get().withdrawn_on == datetime.date(2023, 6, 1)


def test_a_consent_given_by_an_unknown_giver_names_the_allowed_values(make_entry, documenter):
    with pytest.raises(ValidationError) as caught:
        services.record_consent(
            documenter,
            make_entry(),
            {"purpose": "raise_with_state", "given_by": "neighbour", "method": "written"},
        )
    assert "family_member" in caught.value.message_dict["given_by"][0]
    assert Consent.objects.count() == 0


def test_a_subject_name_is_stored_encrypted_and_indexed_blind(make_entry, documenter):
    entry = make_entry()
    services.add_subject(
        documenter, entry, {"kind": "individual", "name": "Zainab Qasimova", "aliases": ["Z. Q."]}
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM cases_subject")
        (raw,) = cursor.fetchone()
    assert "Zainab" not in raw and raw.startswith("v1:")
    tokens = set(NameToken.objects.values_list("token", flat=True))
    assert tokens and not tokens & {"zainab", "qasimova"}


def test_updating_a_subject_reindexes_the_name(make_entry, documenter):
    from amparo.cases.queries import filter_entries

    entry = make_entry()
    subject = services.add_subject(documenter, entry, {"kind": "individual", "name": "Old Name"})
    services.update_subject(documenter, subject, {"kind": "individual", "name": "Ridwan Farouk"})
    assert list(filter_entries(Entry.objects.all(), {"q": "farouk"})) == [entry]
    assert not filter_entries(Entry.objects.all(), {"q": "old name"}).exists()


def test_deleting_a_subject_removes_its_tokens_and_is_audited(make_entry, documenter):
    entry = make_entry()
    subject = services.add_subject(documenter, entry, {"kind": "group", "name": "River Collective"})
    services.delete_record(documenter, subject)
    assert not Subject.objects.exists()
    assert not NameToken.objects.exists()
    assert AuditEvent.objects.filter(action="subject.delete", object_id=str(entry.pk)).exists()


def test_new_refs_skip_imported_refs_of_another_shape_and_never_collide(documenter):
    """Regression (fuzzing): "AMP-9" sorts above "AMP-000123" as text; "AMP-²" crashed int()."""
    for ref in ("AMP-000123", "AMP-9", "AMP-²", "AMP-x", "AMP-000124x"):
        services.open_entry(documenter, coding(ref=ref))
    assert services.next_ref() == "AMP-000124"
    services.open_entry(documenter, coding(ref="AMP-000124"))
    services.open_entry(documenter, coding(ref="AMP-000126"))
    first = services.open_entry(documenter, coding())
    assert first.ref == "AMP-000127"
    assert services.next_ref() == "AMP-000128"
