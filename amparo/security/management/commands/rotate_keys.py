"""amparo rotate_keys: add a new active key and re-encrypt every protected value with it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from amparo.security.rotation import rotate_keys


class Command(BaseCommand):
    help = "Add a new encryption key, make it active and re-encrypt all protected values and files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--retire-old", action="store_true", help="remove old keys once nothing uses them"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = rotate_keys(settings.AMPARO_KEYRING_FILE, retire_old=options["retire_old"])
        self.stdout.write(
            f"new key {report.key_id}: {report.values} values and {report.files} files re-encrypted"
            + (f"; retired {', '.join(report.retired)}" if report.retired else "")
        )
