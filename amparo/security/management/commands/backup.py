"""amparo backup: write an encrypted backup of the database and the stored files (ADR 0013)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amparo.security.backup import BackupError, write_backup


def read_passphrase(path: str | None, confirm: bool) -> str:
    """The passphrase from --passphrase-file, else asked on the terminal (twice when confirm)."""
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                f"{path}: cannot read the passphrase ({exc.__class__.__name__})"
            ) from None
    if not sys.stdin.isatty():
        raise CommandError("no terminal to ask the passphrase: give --passphrase-file FILE")
    first = getpass.getpass("Backup passphrase: ")
    if confirm and getpass.getpass("Again: ") != first:
        raise CommandError("the two passphrases differ")
    return first


class Command(BaseCommand):
    help = "Write an encrypted backup (database and stored files) to FILE; never replaces a file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the backup file to create")
        parser.add_argument(
            "--passphrase-file",
            help="read the passphrase from this file (owner-readable only); else it is asked",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        passphrase = read_passphrase(options["passphrase_file"], confirm=True)
        say = self.stdout.write if options["verbosity"] > 1 else self.stderr.write
        try:
            manifest = write_backup(Path(options["file"]), passphrase, progress=say)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"backup written to {options['file']}: {sum(manifest.tables.values())} rows in "
            f"{len(manifest.tables)} tables, {len(manifest.files)} files. Restoring it needs "
            "this passphrase and the keyring (keep them apart from the backup)."
        )
