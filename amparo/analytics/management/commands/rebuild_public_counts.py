"""``amparo rebuild_public_counts``: recompute the portal's stored counts from the register."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from amparo.analytics.services import rebuild_public_counts


class Command(BaseCommand):
    help = (
        "Recompute which entries the portal shows, their facet rows and every public count, and "
        "choose again the common search words whose counts are kept (ADR 0011). Every write "
        "keeps these up to date already; run this after loading data past the services."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        sizes = rebuild_public_counts()
        self.stdout.write(
            f"{sizes['public']} public entries, {sizes['facet_rows']} facet rows, "
            f"{sizes['words']} tracked search words, {sizes['counts']} counts "
            f"in {time.monotonic() - started:.1f} s"
        )
