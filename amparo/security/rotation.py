"""Key rotation: re-encrypt every encrypted field and file under a new active key."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.db import transaction

from amparo.core.crypto import INDEX_KEY, Keyring
from amparo.security.fields import associated_data, encrypted_fields, row_identity_field
from amparo.security.keys import forget_keyring, keyring


@dataclass
class RotationReport:
    key_id: str
    values: int = 0
    files: int = 0
    retired: list[str] = field(default_factory=list)


def rotate_keys(path: Path, retire_old: bool = False) -> RotationReport:
    """Add a key, re-encrypt all rows and files in one transaction, then save the keyring.

    Only the command-line tool calls this. The new keyring is written before the database
    commits (it still holds the old keys), so a crash leaves every value decryptable.
    """
    ring = keyring()
    new_ring = Keyring(active=ring.active, keys=dict(ring.keys))
    report = RotationReport(key_id=new_ring.add_key())
    new_ring.save(path)
    with transaction.atomic():
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if fields:
                report.values += _reencrypt_rows(model, fields, ring, new_ring)
            if hasattr(model, "reencrypt_files"):
                report.files += model.reencrypt_files(ring, new_ring)
    if retire_old:
        report.retired = [k for k in new_ring.keys if k not in (new_ring.active, INDEX_KEY)]
        for key_id in report.retired:
            del new_ring.keys[key_id]
        new_ring.save(path)
    forget_keyring()
    return report


def _reencrypt_rows(model, fields, old: Keyring, new: Keyring) -> int:
    count = 0
    names = [f.attname for f in fields]
    identity = row_identity_field(model)
    rows = model._base_manager.values_list("pk", identity, *names).iterator(chunk_size=500)
    for row in rows:
        pk, row_id, values = row[0], row[1], row[2:]
        updates = {}
        for f, value in zip(fields, values, strict=True):
            if value:
                aad = associated_data(model(), f.name, row_id=row_id)
                updates[f.attname] = new.encrypt(old.decrypt(value, aad), aad)
        if updates:
            model._base_manager.filter(pk=pk).update(**updates)
            count += len(updates)
    return count
