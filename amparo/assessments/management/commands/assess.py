"""amparo assess --json FILE: score an assessment and print risks, suggestions and the record."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amparo.assessments.queries import country_record_for_output
from amparo.core.risk import RiskInputError, parse_input, report


class Command(BaseCommand):
    help = (
        "Read an assessment {country, activities, perpetrators, threats, vulnerabilities, "
        "capacities} from a JSON file ('-' for standard input) and print the scored risks, the "
        "threats the handbook suggests for the perpetrators, and the country's public record."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", dest="path", required=True, metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        data = _read(options["path"])
        try:
            parsed = parse_input(data)
        except RiskInputError as exc:
            raise CommandError(str(exc)) from None
        result = report(parsed, country_record_for_output(parsed.country))
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))


def _read(path: str) -> Any:
    try:
        raw = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not UTF-8 text") from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno})"
        ) from None
