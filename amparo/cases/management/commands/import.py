"""amparo import FILE: load entries from CSV or JSON Lines (REFERENCE §6), all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amparo.cases.interchange import ImportRefused, import_file
from amparo.core.interchange import format_of

LONG_FILE = 1000  # rows from which progress is reported


class Command(BaseCommand):
    help = (
        "Import entries from a .csv or .jsonl file in the interchange format. Every row is "
        "checked first: if any row is wrong, nothing is imported and each problem is listed."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="a .csv or .jsonl file")
        parser.add_argument(
            "--include-confidential",
            action="store_true",
            help="also import the 'confidential' objects of a JSON Lines file (audited)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            kind = format_of(str(path))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if kind == "csv" and options["include_confidential"]:
            raise CommandError(
                "--include-confidential applies to .jsonl files: CSV has no confidential object."
            )
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        self._next_step = 10
        try:
            result = import_file(
                path,
                include_confidential=options["include_confidential"],
                progress=self._progress,
            )
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{path}: {len(refused.problems)} problem(s) found; nothing was imported."
            ) from None
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None
        if result.skipped_confidential:
            self.stderr.write(
                f"warning: {result.skipped_confidential} confidential object(s) skipped; "
                "use --include-confidential to import them."
            )
        rate = result.entries / result.seconds if result.seconds else 0
        self.stdout.write(
            f"imported {result.entries} entries ({result.citations} citations, "
            f"{result.consents} consent records, {result.subjects} subjects) "
            f"in {result.seconds:.1f} s ({rate:.0f} rows/s)"
        )

    def _progress(self, done: int, total: int) -> None:
        if total < LONG_FILE or not total:
            return
        percent = done * 100 // total
        if percent >= self._next_step:
            self.stderr.write(f"imported {done} of {total} rows ({percent}%)")
            self._next_step = (percent // 10 + 1) * 10
