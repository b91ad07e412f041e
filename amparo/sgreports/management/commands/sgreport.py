"""amparo sgreport import FILE --symbol SYMBOL [--dry-run] [--json] [--progress]: read a report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from amparo.core.sgreport import (
    ReportFormatError,
    decode_text,
    is_pdf,
    pdf_page_count,
    pdf_text,
)
from amparo.sgreports import services
from amparo.sgreports.models import BatchPhase

# A file is long enough to show progress from this many PDF pages or this many bytes of text.
LONG_PAGES = 10
LONG_BYTES = 200_000


class StderrProgress:
    """Progress lines on stderr: pages read, paragraphs split, candidates built (about every
    10 %), so stdout stays clean for --json."""

    def __init__(self, write: Any) -> None:
        self.write = write
        self.cases = 0
        self.next_line = 0

    def pages(self, read: int, total: int) -> None:
        if read == total or read >= self.next_line:
            self.write(f"pages read: {read}/{total}")
            self.next_line = read + max(1, total // 10)

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase == BatchPhase.SPLIT:
            self.cases, self.next_line = total, 0
            self.write(f"paragraphs split: {done}, of which {total} under a country heading")
        elif done == self.cases or done >= self.next_line:
            self.write(f"candidates built: {done}/{self.cases}")
            self.next_line = done + max(1, self.cases // 10)


class Command(BaseCommand):
    help = (
        "Read a Secretary-General's Reprisals Report (PDF or text) into candidates for review. "
        "Nothing enters the register until a reviewer accepts it on the batch page. Long files "
        "print their progress on stderr."
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
        shown = run.add_mutually_exclusive_group()
        shown.add_argument(
            "--progress", action="store_true", help="print progress on stderr for any file"
        )
        shown.add_argument("--quiet", action="store_true", help="never print progress")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        data = self._read(path)
        try:
            long_file = is_pdf(data) and pdf_page_count(data) >= LONG_PAGES
            text = None if is_pdf(data) else decode_text(data, str(path))
        except ReportFormatError as exc:
            raise CommandError(f"{path}: {exc}") from None
        long_file = long_file or len(data) >= LONG_BYTES
        show = options["progress"] or (long_file and not options["quiet"])
        progress = StderrProgress(self.stderr.write) if show else None
        try:
            if options["dry_run"]:
                if text is None:
                    text = self._pdf(path, data, progress)
                result = services.dry_run(options["symbol"], text, progress)
            else:
                result = self._import(options["symbol"], text, data, progress)
        except ValidationError as exc:
            raise CommandError("; ".join(_messages(exc))) from None
        self._print(result, options["json"])

    @staticmethod
    def _read(path: Path) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"{path}: no such file") from None
        except OSError as exc:
            raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None

    @staticmethod
    def _pdf(path: Path, data: bytes, progress: StderrProgress | None) -> str:
        try:
            return pdf_text(data, progress.pages if progress else None)
        except ReportFormatError as exc:
            raise CommandError(f"{path}: {exc}") from None

    def _import(
        self, symbol: str, text: str | None, data: bytes, progress: StderrProgress | None
    ) -> dict[str, Any]:
        batch = services.start_import(None, symbol, text or "", pdf=data if text is None else None)
        batch = services.run_import(batch.pk, echo=progress)
        if batch.error:
            raise CommandError(batch.error)
        self.stderr.write(
            f"batch {batch.pk}: {batch.candidates.count()} candidate(s) waiting for review"
        )
        return services.batch_json(batch)

    def _print(self, result: dict[str, Any], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        for c in result["candidates"]:
            where = f"annex {c['annex']} " if c["annex"] else ""
            match = f" continues {c['match']}" if c["match"] else ""
            self.stdout.write(f"{where}para {c['paragraph']}: {c['country']} {c['kind']}{match}")
        self.stdout.write(f"{len(result['candidates'])} candidate(s)")


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [f"{k}: {m}" for k, items in exc.message_dict.items() for m in items]
    return list(exc.messages)
