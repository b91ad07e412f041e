"""amparo sgreport import FILE --symbol SYMBOL [--dry-run] [--json]: read a Reprisals Report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from amparo.core.sgreport import ReportFormatError, read_report
from amparo.sgreports import services


class Command(BaseCommand):
    help = (
        "Read a Secretary-General's Reprisals Report (PDF or text) into candidates for review. "
        "Nothing enters the register until a reviewer accepts it on the batch page."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        run = sub.add_parser("import", help="read a report file")
        run.add_argument("file", help="the report as .pdf or UTF-8 text")
        run.add_argument("--symbol", required=True, help="its symbol, e.g. A/HRC/57/60")
        run.add_argument(
            "--dry-run", action="store_true", help="show the candidates, write nothing"
        )
        run.add_argument("--json", action="store_true", help="print the candidates as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            text = read_report(path.read_bytes(), str(path))
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None
        except ReportFormatError as exc:
            raise CommandError(f"{path}: {exc}") from None
        try:
            if options["dry_run"]:
                result = services.dry_run(options["symbol"], text)
            else:
                result = self._import(options["symbol"], text)
        except ValidationError as exc:
            raise CommandError("; ".join(_messages(exc))) from None
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            for c in result["candidates"]:
                where = f"annex {c['annex']} " if c["annex"] else ""
                match = f" continues {c['match']}" if c["match"] else ""
                self.stdout.write(
                    f"{where}para {c['paragraph']}: {c['country']} {c['kind']}{match}"
                )
            self.stdout.write(f"{len(result['candidates'])} candidate(s)")

    def _import(self, symbol: str, text: str) -> dict[str, Any]:
        batch = services.start_import(None, symbol, text)
        batch = services.run_import(batch.pk)
        if batch.error:
            raise CommandError(batch.error)
        self.stderr.write(
            f"batch {batch.pk}: {batch.candidates.count()} candidate(s) waiting for review"
        )
        return services.dry_run(symbol, text)


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [f"{k}: {m}" for k, items in exc.message_dict.items() for m in items]
    return list(exc.messages)
