"""``amparo report``: the situation report (HB §1.2 figures) as HTML or PDF, for any filter."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from amparo.analytics.queries import PORTAL_FACETS
from amparo.analytics.report import render_html, render_pdf, situation_report


class Command(BaseCommand):
    help = (
        "Write the situation report over public entries (every HB §1.2 figure, with charts) "
        "as HTML or PDF. Filters may be repeated, e.g. --country BHR --country EGY."
    )

    def add_arguments(self, parser: Any) -> None:
        for facet in PORTAL_FACETS:
            parser.add_argument(f"--{facet.replace('_', '-')}", dest=facet, action="append")
        parser.add_argument("--year-from", type=int)
        parser.add_argument("--year-to", type=int)
        parser.add_argument("--search", help="full-text search words")
        parser.add_argument("--format", choices=("html", "pdf"), default="html")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        params = QueryDict(mutable=True)
        for facet in PORTAL_FACETS:
            for value in options.get(facet) or []:
                params.appendlist(facet, value)
        for name in ("year_from", "year_to"):
            if options.get(name) is not None:
                params[name] = str(options[name])
        if options.get("search"):
            params["q"] = options["search"]
        report = situation_report(params)
        if options["format"] == "pdf":
            data = render_pdf(report)
        else:
            data = render_html(report, standalone=True).encode("utf-8")
        if options.get("output"):
            try:
                with open(options["output"], "wb") as out:
                    out.write(data)
            except OSError as exc:
                raise CommandError(f"cannot write {options['output']}: {exc.strerror}") from exc
            self.stderr.write(
                f"{options['format'].upper()} report over {report.total} public entries "
                f"written to {options['output']}"
            )
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
