"""amparo keyring_create: write a new encryption keyring (owner-only) where settings expect it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from amparo.core.crypto import Keyring


class Command(BaseCommand):
    help = "Create the encryption keyring at AMPARO_KEYRING_FILE (never overwrites one)."
    requires_system_checks: list[str] = []  # the keyring check would stop us creating it

    def handle(self, *args: Any, **options: Any) -> None:
        path = settings.AMPARO_KEYRING_FILE
        if path.exists():
            raise CommandError(
                f"{path} already exists: refusing to replace it (values encrypted with it "
                "would become unreadable). Use `amparo rotate_keys` to add a key."
            )
        ring = Keyring.generate()
        ring.save(path)
        self.stdout.write(
            f"keyring created at {path} (permissions 600) with key {ring.active}. "
            "Keep a copy somewhere other than the database backups."
        )
