"""amparo restore: restore an encrypted backup into a fresh instance, then verify it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amparo.security.backup import BackupError, check_backup, restore_backup
from amparo.security.management.commands.backup import read_passphrase


class Command(BaseCommand):
    help = (
        "Restore a backup made by `amparo backup` (all or nothing) and verify row counts, file "
        "checksums, decryption of every confidential value and the audit chain."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="the backup file")
        parser.add_argument("--passphrase-file", help="read the passphrase from this file")
        parser.add_argument(
            "--force", action="store_true", help="replace everything in a database holding data"
        )
        parser.add_argument(
            "--check", action="store_true", help="only read and verify the file; restore nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        passphrase = read_passphrase(options["passphrase_file"], confirm=False)
        path, say = Path(options["file"]), self.stderr.write
        try:
            if options["check"]:
                check_backup(path, passphrase, progress=self.stdout.write)
                return
            report = restore_backup(path, passphrase, force=options["force"], progress=say)
        except BackupError as exc:
            raise CommandError(f"{path}: {exc}; nothing was restored") from None
        self.stdout.write(
            f"restored {report.rows} rows and {report.files} files from {path}, made "
            f"{report.manifest.created} on {report.manifest.vendor}; verified: row counts, "
            f"file checksums, {report.decrypted} confidential values decrypted, audit chain intact"
        )
        if report.files_left:
            self.stdout.write(
                f"{report.files_left} stored files not in the backup were left as they were"
            )
