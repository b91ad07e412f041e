"""amparo backup / amparo restore: encrypted, verified, all or nothing (issue 7 §3, ADR 0013)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from amparo.accounts.models import AuditEvent, User
from amparo.cases.models import Action, Entry, Evidence, Subject
from amparo.core.crypto import Keyring
from amparo.portal.tests.fixtures import MARKERS
from amparo.security import backup
from amparo.security.keys import forget_keyring

pytestmark = pytest.mark.django_db

PASSPHRASE = "a backup passphrase for tests"


@pytest.fixture(autouse=True)
def cheap_key_derivation(monkeypatch):  # type: ignore[no-untyped-def]
    """scrypt at its lowest accepted cost: the tests are about the format, not the KDF."""
    monkeypatch.setattr(backup, "SCRYPT_N", backup.SCRYPT_LIMITS[0])


@pytest.fixture
def passphrase_file(tmp_path) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / "passphrase"
    path.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return path


@pytest.fixture
def made(own_keyring, marked_entry, tmp_path, passphrase_file):  # type: ignore[no-untyped-def]
    """A backup of a register holding every marker, and the raw rows it was made from."""
    path = tmp_path / "register.amparo"
    before = raw_tables()
    files = stored_files()
    call_command("backup", str(path), "--passphrase-file", str(passphrase_file))
    return path, before, files


def raw_tables() -> dict[str, list[tuple]]:
    """Every row of every backed-up table, as the database returns it (ciphertexts included)."""
    tables = {}
    with connection.cursor() as cursor:
        for model in backup.backed_up_models():
            names = [connection.ops.quote_name(f.column) for f in model._meta.concrete_fields]
            pk = connection.ops.quote_name(model._meta.pk.column)
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY {pk}")  # noqa: S608
            tables[model._meta.db_table] = [tuple(map(str, row)) for row in cursor.fetchall()]
    return tables


def stored_files() -> dict[str, bytes]:
    return {name: default_storage.open(name).read() for name in backup.storage_names()}


def empty_the_instance() -> None:
    """What `amparo migrate` leaves: no row of ours (flush), no stored file."""
    if connection.vendor == "postgresql":  # TRUNCATE refuses pending deferred FK checks
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for name in list(backup.storage_names()):
        default_storage.delete(name)


def restore(path: Path, passphrase_file: Path, *extra: str) -> None:
    call_command("restore", str(path), "--passphrase-file", str(passphrase_file), *extra)


def counts() -> dict[str, int]:
    return {m._meta.db_table: m._base_manager.count() for m in backup.backed_up_models()}


def test_it_restores_every_row_and_file_into_a_fresh_instance(made, passphrase_file, capsys):
    path, before, files = made
    empty_the_instance()

    restore(path, passphrase_file)

    after = raw_tables()
    audit = after.pop("accounts_auditevent")
    assert audit[:-1] == before.pop("accounts_auditevent")  # then the restore's own event
    assert after == before
    evidence = Evidence.objects.get()
    assert set(stored_files()) == {evidence.stored_path} and stored_files() == files
    subject = Subject.objects.get()
    assert subject.name == MARKERS["subject.name"]
    assert subject.aliases == [MARKERS["subject.aliases"]]
    assert Action.objects.get().reply == MARKERS["action.reply"]
    assert evidence.original_name.startswith(MARKERS["evidence.original_name"])
    out = capsys.readouterr().out
    assert "confidential values decrypted" in out and "audit chain intact" in out
    assert AuditEvent.objects.order_by("-id").first().action == "backup.restore"
    call_command("audit_verify")


def test_the_backup_file_holds_no_marker_in_clear(made):
    path, _, files = made
    raw = path.read_bytes()
    assert raw.startswith(backup.MAGIC)
    for marker in [*MARKERS.values(), "Lawyer detained after briefing a treaty body", "dora"]:
        for encoded in (
            marker.encode(),
            marker.encode("utf-16-le"),
            base64.b64encode(marker.encode()),
        ):
            assert encoded not in raw, f"{marker} found in the backup"


def backup_plain(path: Path) -> list[bytes]:
    handle, reader = backup.open_backup(path, PASSPHRASE)
    with handle:
        return [payload for _, payload in backup.read_frames(reader)]


def test_inside_the_encryption_confidential_values_stay_sealed_by_the_keyring(made):
    plain = b"".join(backup_plain(made[0]))
    assert b"Lawyer detained after briefing a treaty body" in plain  # the reading works
    for marker in MARKERS.values():
        assert marker.encode() not in plain
    assert b"a statement" not in plain  # the evidence file is stored as encrypted on disk


def test_the_manifest_counts_rows_and_checksums_files(made):
    path, before, files = made
    manifest = backup.check_backup(path, PASSPHRASE)
    assert manifest.tables == {table: len(rows) for table, rows in before.items()}
    assert set(manifest.files) == set(files)
    assert manifest.encrypted_values >= len(MARKERS)
    assert manifest.vendor == connection.vendor


@pytest.mark.parametrize("where", ["header", "first chunk", "last byte"])
def test_a_tampered_backup_is_refused_and_nothing_is_restored(made, passphrase_file, where):
    path = made[0]
    data = bytearray(path.read_bytes())
    offset = {"header": len(backup.MAGIC) + 20, "first chunk": 300, "last byte": len(data) - 1}
    data[offset[where]] ^= 0x01
    path.write_bytes(bytes(data))
    empty_the_instance()
    empty = counts()

    with pytest.raises(CommandError, match="altered|malformed|wrong passphrase"):
        restore(path, passphrase_file)

    assert counts() == empty and stored_files() == {}


def test_a_truncated_backup_is_refused(made, passphrase_file):
    path = made[0]
    path.write_bytes(path.read_bytes()[:-40])
    empty_the_instance()
    with pytest.raises(CommandError, match="truncated|incomplete"):
        restore(path, passphrase_file)
    assert Entry.objects.count() == 0


def test_a_wrong_passphrase_is_named(made, tmp_path):
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase at all", encoding="utf-8")
    with pytest.raises(CommandError, match="wrong passphrase"):
        restore(made[0], wrong, "--check")


def test_a_database_holding_data_is_refused_without_force(made, passphrase_file):
    path, before, _ = made
    entry = Entry.objects.get()
    entry.title = "Changed after the backup"
    entry.save()

    with pytest.raises(CommandError, match="not empty.*--force"):
        restore(path, passphrase_file)
    assert Entry.objects.get().title == "Changed after the backup"

    restore(path, passphrase_file, "--force")
    assert Entry.objects.get().title == "Lawyer detained after briefing a treaty body"
    restored = raw_tables()
    assert restored.pop("accounts_auditevent")[: len(before["accounts_auditevent"])] == before.pop(
        "accounts_auditevent"
    )
    assert restored == before


def test_a_keyring_that_cannot_decrypt_leaves_nothing_half_written(
    made, passphrase_file, own_keyring, settings, tmp_path
):
    """Same key ids, other key material: found only while verifying, so all is rolled back."""
    path = made[0]
    empty_the_instance()
    empty = counts()
    ring = Keyring.load(own_keyring)
    impostor = Keyring(active=ring.active, keys={k: bytes(32) for k in ring.keys})
    settings.AMPARO_KEYRING_FILE = tmp_path / "impostor.json"
    impostor.save(settings.AMPARO_KEYRING_FILE)
    forget_keyring()

    with pytest.raises(CommandError, match="does not decrypt with this keyring"):
        restore(path, passphrase_file)

    assert counts() == empty
    assert stored_files() == {}


def test_a_keyring_without_the_backup_keys_is_refused_before_anything(
    made, passphrase_file, settings, tmp_path
):
    path = made[0]
    empty_the_instance()
    settings.AMPARO_KEYRING_FILE = tmp_path / "other.json"
    Keyring.generate().save(settings.AMPARO_KEYRING_FILE)
    forget_keyring()
    with pytest.raises(CommandError, match="keyring lacks key"):
        restore(path, passphrase_file)
    assert User.objects.count() == 0


def test_a_failure_after_the_files_are_written_removes_them(made, passphrase_file, monkeypatch):
    path = made[0]
    empty_the_instance()

    def broken_chain() -> list[int]:
        return [1]

    monkeypatch.setattr("amparo.accounts.audit.verify_chain", broken_chain)
    with pytest.raises(CommandError, match="audit log's chain is broken"):
        restore(path, passphrase_file)
    assert Entry.objects.count() == 0 and stored_files() == {}


def test_a_backup_never_replaces_a_file_and_needs_a_long_passphrase(
    made, passphrase_file, tmp_path
):
    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", str(made[0]), "--passphrase-file", str(passphrase_file))
    short = tmp_path / "short"
    short.write_text("short", encoding="utf-8")
    with pytest.raises(CommandError, match="at least 12 characters"):
        call_command("backup", str(tmp_path / "new.amparo"), "--passphrase-file", str(short))
    assert not (tmp_path / "new.amparo").exists()
    assert not (tmp_path / "new.amparo.partial").exists()


def test_the_stream_spans_many_chunks(own_keyring, monkeypatch, tmp_path):
    """Chunk boundaries, reordering and dropping, with chunks small enough to have many."""
    monkeypatch.setattr(backup, "CHUNK", 64)
    path = tmp_path / "small.bin"
    with path.open("wb") as handle:
        writer = backup.SealedWriter(handle, PASSPHRASE)
        for i in range(100):
            writer.write(f"line {i}\n".encode())
        writer.close()
    with path.open("rb") as handle:
        reader = backup.SealedReader(backup._Source(handle), PASSPHRASE)
        text = reader.read(10_000)
    assert text == b"".join(f"line {i}\n".encode() for i in range(100))

    data = path.read_bytes()
    start = len(backup.MAGIC) + 4 + int.from_bytes(data[len(backup.MAGIC) : len(backup.MAGIC) + 4])
    size = 4 + 64 + 16
    swapped = data[:start] + data[start + size : start + 2 * size] + data[start : start + size]
    swapped += data[start + 2 * size :]
    dropped = data[:start] + data[start + size :]
    cut = data[: start + 3 * size]  # whole chunks, but not the last one
    for altered, message in (
        (swapped, "chunk 0 failed"),
        (dropped, "chunk 0 failed"),
        (cut, "truncated"),
    ):
        path.write_bytes(altered)
        with path.open("rb") as handle, pytest.raises(backup.BackupError, match=message):
            backup.SealedReader(backup._Source(handle), PASSPHRASE).read(10_000)
