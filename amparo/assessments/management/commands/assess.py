"""amparo assess --json FILE: score an assessment and print risks, suggestions and the record."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amparo.assessments.queries import country_record_for_output
from amparo.config.command_input import read_json_argument
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
        data = read_json_argument(options["path"])
        try:
            parsed = parse_input(data)
        except RiskInputError as exc:
            raise CommandError(str(exc)) from None
        result = report(parsed, country_record_for_output(parsed.country))
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
