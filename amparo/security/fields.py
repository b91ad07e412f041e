"""Model fields whose values are encrypted at rest and bound to their row.

The database holds ``v1:<key id>:<ciphertext>``; the associated data is
``<app.model>.<field>:<primary key>``, so a value moved to another row or field fails to decrypt.
Models using these fields must know their row identity before the first save: a UUID primary
key, or a UUID field named by the model's ``crypto_identity`` attribute.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute

from amparo.security.keys import keyring


class Sealed(str):
    """A ciphertext read from the database, not yet decrypted."""


def row_identity_field(model: type[models.Model] | models.Model) -> str:
    """The field that names a row for encryption: ``crypto_identity`` on the model, else pk."""
    return getattr(model, "crypto_identity", "pk")


def associated_data(instance: models.Model, field_name: str, row_id: object = None) -> str:
    """The string that binds a ciphertext to its model, field and row."""
    if row_id is None:
        row_id = getattr(instance, row_identity_field(instance))
    if row_id is None or row_id == "":
        raise ValueError(f"{instance._meta.label_lower} needs its identity before encryption")
    return f"{instance._meta.label_lower}.{field_name}:{row_id}"


class EncryptedAttribute(DeferredAttribute):
    """Decrypts on first read and keeps the plaintext on the instance only."""

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            field = self.field
            raw = keyring().decrypt(value, associated_data(instance, field.name))
            value = field.from_plaintext(raw.decode("utf-8"))
            instance.__dict__[field.attname] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        # A data descriptor, so reads always pass through __get__ and get decrypted.
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):
    """Text encrypted with AES-256-GCM; empty text is stored as an empty string."""

    descriptor_class = EncryptedAttribute

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def empty(self) -> Any:
        return ""

    def to_plaintext(self, value: Any) -> str:
        return "" if value is None else str(value)

    def from_plaintext(self, text: str) -> Any:
        return text

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value:
            return self.empty()
        return Sealed(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        text = self.to_plaintext(value)
        if text == self.to_plaintext(self.empty()):
            return ""
        return keyring().encrypt(text.encode("utf-8"), associated_data(model_instance, self.name))

    def get_prep_value(self, value: Any) -> Any:
        # pre_save has already encrypted; anything else (a lookup) is refused.
        if value == "" or isinstance(value, str) and value.startswith("v1:"):
            return value
        if value is None or value == self.empty():
            return ""
        raise TypeError(f"{self.name} is encrypted and cannot be used in a query")

    def value_to_string(self, obj: models.Model) -> str:
        return self.to_plaintext(getattr(obj, self.attname))


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (list or object) encrypted like EncryptedTextField."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def empty(self) -> Any:
        return self.default() if callable(self.default) else self.default

    def to_plaintext(self, value: Any) -> str:
        if value is None:
            value = self.empty()
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def from_plaintext(self, text: str) -> Any:
        return json.loads(text)

    def formfield(self, **kwargs: Any) -> Any:  # edited through purpose-built forms
        return None


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    """The encrypted fields a model holds."""
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
