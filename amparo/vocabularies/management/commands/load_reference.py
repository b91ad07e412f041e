"""amparo load_reference: load the shipped vocabularies, countries, avenues, treaty acceptance."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from amparo.vocabularies.services import load_reference_data


class Command(BaseCommand):
    help = "Load missing reference data from the shipped files; --reset overwrites local edits."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--reset", action="store_true", help="overwrite edited rows too")

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_reference_data(overwrite=options["reset"])
        self.stdout.write(", ".join(f"{n} {kind} added" for kind, n in created.items()))
