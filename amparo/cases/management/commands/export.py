"""amparo export --format csv|jsonl: the register on standard output (REFERENCE §6)."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amparo.cases.interchange import export_entries


class Command(BaseCommand):
    help = (
        "Write every entry (or, with --published-only, the public ones) to standard output "
        "in the interchange format. Audited."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--format", required=True, choices=["csv", "jsonl"])
        parser.add_argument(
            "--published-only",
            action="store_true",
            help="only public entries: published, and consented to or about no person",
        )
        parser.add_argument(
            "--include-confidential",
            action="store_true",
            help="add identities, contacts and notes (jsonl only; audited)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["format"]
        confidential = options["include_confidential"]
        if confidential and options["published_only"]:
            raise CommandError(
                "--include-confidential cannot be combined with --published-only: "
                "a public export never carries identities or notes."
            )
        if confidential and kind != "jsonl":
            raise CommandError(
                "--include-confidential needs --format jsonl: CSV has no place for "
                "the confidential object."
            )
        self.stdout.ending = ""
        try:
            export_entries(
                self.stdout,
                kind,
                published_only=options["published_only"],
                include_confidential=confidential,
            )
        except BrokenPipeError:
            # The reader stopped early (`amparo export ... | head`): no traceback for that.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise CommandError("standard output was closed before the export finished") from None
