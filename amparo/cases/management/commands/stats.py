"""amparo stats [--json] [--published-only]: counts per kind, country, region, body and more."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from amparo.cases.queries_stats import entry_stats


class Command(BaseCommand):
    help = (
        "Count entries by kind, country, region, body, reprisal type, gender, year, point of "
        "contact and theme. An entry counts once for each value it holds."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--published-only",
            action="store_true",
            help="count public entries only (published, and consented or about no person)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stats = entry_stats(published_only=options["published_only"])
        if options["json"]:
            self.stdout.write(json.dumps(stats, indent=2))
            return
        self.stdout.write(f"{'entries':<32}{stats['total']:>8}")
        self.stdout.write(f"{'published (staff flag)':<32}{stats['published']:>8}")
        for facet, counts in stats.items():
            if not isinstance(counts, dict):
                continue
            self.stdout.write("")
            self.stdout.write(facet.removeprefix("by_").replace("_", " "))
            if not counts:
                self.stdout.write("  (none)")
            for value, n in counts.items():
                share = f"{100 * n / stats['total']:.0f} %" if stats["total"] else ""
                self.stdout.write(f"  {value:<30}{n:>8}{share:>7}")
