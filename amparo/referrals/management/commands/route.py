"""`amparo route --json FILE`: the avenues that apply to a situation, as JSON (issue 5 §5)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from amparo.config.command_input import read_json_argument
from amparo.core.referral import LANGUAGES, AnswerError, as_json, parse_answers, route
from amparo.referrals.queries import avenue_data, treaty_acceptances


class Command(BaseCommand):
    help = (
        "Read a situation (country, bodies, reprisal_types, perpetrators, urgent, "
        "racial_or_ethnic_dimension, in_geneva, domestic_remedies_exhausted, previous_citation) "
        "from a JSON file ('-' for standard input) and print the avenues that apply."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", dest="json_file", metavar="FILE", required=True)
        parser.add_argument("--language", choices=LANGUAGES, default="en")

    def handle(self, *args: Any, json_file: str, language: str, **options: Any) -> None:
        raw = read_json_argument(json_file)
        try:
            answers = parse_answers(raw)
        except AnswerError as exc:
            raise CommandError(f"{json_file}: {exc}") from None
        routing = route(
            answers,
            avenue_data(),
            language=language,
            acceptances=treaty_acceptances(answers.country),
        )
        with translation.override(language):
            result = as_json(routing, translation.gettext)
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
