"""amparo rotate_keys: everything is re-encrypted under a new key, old keys can be retired."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from amparo.accounts.models import TOTPDevice
from amparo.accounts.two_factor import start_enrolment
from amparo.cases import services
from amparo.cases.models import Consent, Entry, Evidence, Subject
from amparo.core.crypto import Keyring
from amparo.portal.tests.fixtures import MARKERS
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


CIPHERTEXT = re.compile(r"^v1:(k[0-9a-f]{8}):")


def ciphertext_key_ids_in_every_table() -> dict[str, set[str]]:
    """Scan every column of every table in the raw database for Amparo ciphertexts."""
    found: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table.startswith("cases_entry_fts"):  # SQLite's search index of public text
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            names = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for name, value in zip(names, row, strict=True):
                    if isinstance(value, str) and (match := CIPHERTEXT.match(value)):
                        found.setdefault(match[1], set()).add(f"{table}.{name}")
    return found


def test_after_rotation_every_encrypted_column_in_every_table_carries_the_new_key(
    own_keyring, marked_entry, documenter
):
    start_enrolment(documenter)
    before = ciphertext_key_ids_in_every_table()
    assert len(before) == 1  # one key so far, found in every confidential column
    columns = next(iter(before.values()))
    assert {"cases_subject.name", "cases_entry.notes", "accounts_totpdevice.secret"} <= columns
    evidence = Evidence.objects.get()

    call_command("rotate_keys", "--retire-old")

    active = Keyring.load(own_keyring).active
    after = ciphertext_key_ids_in_every_table()
    assert set(after) == {active}
    assert after[active] == columns
    evidence.refresh_from_db()
    for name in (evidence.stored_path, evidence.shared_path):
        if name:
            with default_storage.open(name, "rb") as handle:
                assert handle.readline() == f"v1:{active}\n".encode()
    assert Subject.objects.get().name == MARKERS["subject.name"]
