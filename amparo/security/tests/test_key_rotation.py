"""amparo rotate_keys: everything is re-encrypted under a new key, old keys can be retired."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from amparo.accounts.models import TOTPDevice
from amparo.accounts.two_factor import start_enrolment
from amparo.cases import services
from amparo.cases.models import Consent, Entry, Subject
from amparo.core.crypto import Keyring
from amparo.security.keys import keyring
from amparo.security.tests.conftest import open_named_entry

pytestmark = pytest.mark.django_db


def key_ids(values) -> set[str]:  # type: ignore[no-untyped-def]
    return {v.split(":")[1] for v in values if v}


def test_rotation_re_encrypts_every_value_and_retires_old_keys(own_keyring, documenter, capsys):
    entry = open_named_entry(documenter, notes="Notes before rotation")
    subject = services.add_subject(
        documenter, entry, {"kind": "individual", "name": "Ana Prueba", "contact": "+57 300"}
    )
    consent = services.record_consent(
        documenter,
        entry,
        {
            "purpose": "raise_with_state",
            "given_by": "person",
            "method": "in_person",
            "given_on": datetime.date(2025, 1, 2),
            "limits": "Not her town",
        },
    )
    device = start_enrolment(documenter)
    secret = device.secret
    old_ids = set(Keyring.load(own_keyring).keys) - {"index"}

    call_command("rotate_keys", "--retire-old")

    ring = Keyring.load(own_keyring)
    assert set(ring.keys) == {ring.active, "index"} and ring.active not in old_ids
    raw = [
        *Entry.objects.filter(pk=entry.pk).values_list("notes", flat=True),
        *Subject.objects.filter(pk=subject.pk).values_list("name", "contact").get(),
        *Consent.objects.filter(pk=consent.pk).values_list("limits", flat=True),
        *TOTPDevice.objects.filter(pk=device.pk).values_list("secret", flat=True),
    ]
    assert key_ids(raw) == {ring.active}
    assert keyring().active == ring.active  # the process reads the new file
    assert Entry.objects.get(pk=entry.pk).notes == "Notes before rotation"
    fresh = Subject.objects.get(pk=subject.pk)
    assert (fresh.name, fresh.contact) == ("Ana Prueba", "+57 300")
    assert Consent.objects.get(pk=consent.pk).limits == "Not her town"
    assert TOTPDevice.objects.get(pk=device.pk).secret == secret
    assert "retired" in capsys.readouterr().out


def test_rotation_without_retiring_keeps_old_keys(own_keyring, documenter):
    entry = open_named_entry(documenter, notes="kept")
    before = Keyring.load(own_keyring).active
    call_command("rotate_keys")
    ring = Keyring.load(own_keyring)
    assert before in ring.keys and ring.active != before
    assert Entry.objects.get(pk=entry.pk).notes == "kept"


def test_the_name_index_survives_rotation(own_keyring, documenter):
    entry = open_named_entry(documenter)
    services.add_subject(documenter, entry, {"kind": "individual", "name": "Ana Prueba"})
    index_before = keyring().blind_index("prueba")
    call_command("rotate_keys", "--retire-old")
    assert keyring().blind_index("prueba") == index_before
