"""amparo demo [--count 1000] [--seed 42]: load a fictional register shaped like HB §1.2."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amparo.cases.demo import load_demo

MAX_COUNT = 1_000_000


class Command(BaseCommand):
    help = (
        "Load a reproducible synthetic register (invented names, demo-only contacts) shaped "
        "like the figures of the handbook §1.2. The same seed gives the same data."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--count", type=int, default=1000, help="entries (default 1000)")
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["count"]
        if not 1 <= count <= MAX_COUNT:
            raise CommandError(f"--count must be between 1 and {MAX_COUNT}")
        started = time.monotonic()
        try:
            result = load_demo(count, options["seed"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        seconds = time.monotonic() - started
        self.stdout.write(
            f"demo data loaded: {result.entries} entries, {result.subjects} subjects, "
            f"{result.engagements} engagements, {result.incidents} incidents, "
            f"{result.actions} actions, {result.consents} consent records "
            f"in {seconds:.1f} s ({result.entries / seconds:.0f} entries/s)"
        )
