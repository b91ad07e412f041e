"""Encryption at rest: round trip, tampering, and values moved to another row or field."""

from __future__ import annotations

import base64

import pytest
from django.db import connection

from amparo.cases import services
from amparo.cases.models import Entry, Subject
from amparo.core.crypto import DecryptionError, Keyring
from amparo.security.tests.conftest import open_named_entry


def test_the_keyring_round_trips_bound_to_its_place():
    ring = Keyring.generate()
    token = ring.encrypt(b"Maria Testperson", "cases.subject.name:1")
    assert "Maria" not in token and token.startswith(f"v1:{ring.active}:")
    assert ring.decrypt(token, "cases.subject.name:1") == b"Maria Testperson"
    with pytest.raises(DecryptionError):
        ring.decrypt(token, "cases.subject.name:2")


@pytest.mark.parametrize("position", [0, 12, -1], ids=["nonce", "ciphertext", "tag"])
def test_a_tampered_ciphertext_is_refused(position):
    ring = Keyring.generate()
    prefix, key_id, body = ring.encrypt(b"secret", "a").split(":")
    blob = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    blob[position] ^= 0x01
    tampered = f"{prefix}:{key_id}:{base64.urlsafe_b64encode(bytes(blob)).decode()}"
    with pytest.raises(DecryptionError):
        ring.decrypt(tampered, "a")


def test_another_keyring_cannot_read_a_value():
    token = Keyring.generate().encrypt(b"secret", "a")
    with pytest.raises(DecryptionError):
        Keyring.generate().decrypt(token, "a")


@pytest.mark.django_db
def test_protected_fields_round_trip_through_the_database(documenter):
    entry = open_named_entry(documenter, notes="Met at the café, Bogotá")
    subject = services.add_subject(
        documenter, entry, {"kind": "individual", "name": "Ana Prueba", "aliases": ["La Profe"]}
    )
    assert Entry.objects.get(pk=entry.pk).notes == "Met at the café, Bogotá"
    fresh = Subject.objects.get(pk=subject.pk)
    assert (fresh.name, fresh.aliases) == ("Ana Prueba", ["La Profe"])
    raw = Subject.objects.filter(pk=subject.pk).values_list("name", flat=True).get()
    assert raw.startswith("v1:") and "Ana" not in raw


def _copy_raw(table: str, column: str, value: str, where_column: str, where_value) -> None:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = %s WHERE {where_column} = %s",  # noqa: S608 - fixed names
            [value, where_value],
        )


@pytest.mark.django_db
def test_a_name_moved_to_another_subject_does_not_decrypt(documenter):
    entry = open_named_entry(documenter)
    first = services.add_subject(documenter, entry, {"kind": "individual", "name": "Ana Prueba"})
    second = services.add_subject(documenter, entry, {"kind": "individual", "name": "Otro"})
    raw = Subject.objects.filter(pk=first.pk).values_list("name", flat=True).get()
    _copy_raw(
        "cases_subject",
        "name",
        raw,
        "id",
        second.pk.hex if connection.vendor == "sqlite" else second.pk,
    )
    with pytest.raises(DecryptionError):
        _ = Subject.objects.get(pk=second.pk).name


@pytest.mark.django_db
def test_a_name_moved_to_another_field_does_not_decrypt(documenter):
    entry = open_named_entry(documenter)
    subject = services.add_subject(documenter, entry, {"kind": "individual", "name": "Ana Prueba"})
    raw = Subject.objects.filter(pk=subject.pk).values_list("name", flat=True).get()
    Subject.objects.filter(pk=subject.pk).update(contact=raw)
    with pytest.raises(DecryptionError):
        _ = Subject.objects.get(pk=subject.pk).contact


@pytest.mark.django_db
def test_notes_moved_to_another_entry_do_not_decrypt(documenter):
    first = open_named_entry(documenter, notes="Lives near the river")
    second = open_named_entry(documenter, notes="Other")
    raw = Entry.objects.filter(pk=first.pk).values_list("notes", flat=True).get()
    Entry.objects.filter(pk=second.pk).update(notes=raw)
    with pytest.raises(DecryptionError):
        _ = Entry.objects.get(pk=second.pk).notes
    assert Entry.objects.get(pk=first.pk).notes == "Lives near the river"


@pytest.mark.django_db
def test_an_encrypted_field_cannot_be_queried_by_value(documenter):
    open_named_entry(documenter, notes="x")
    with pytest.raises(TypeError):
        list(Entry.objects.filter(notes="x"))


def test_a_keyring_written_exclusively_never_replaces_one_already_there(tmp_path):
    """Two processes starting on a fresh data folder must end up with one and the same keyring."""
    path = tmp_path / "keys" / "keyring.json"
    first, second = Keyring.generate(), Keyring.generate()
    first.save(path, exclusive=True)
    with pytest.raises(FileExistsError):
        second.save(path, exclusive=True)
    assert Keyring.load(path).keys == first.keys
    assert [p.name for p in path.parent.iterdir()] == ["keyring.json"]  # no temporary file left
    second.save(path)  # rotation replaces on purpose
    assert Keyring.load(path).keys == second.keys
