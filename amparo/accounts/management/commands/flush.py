"""amparo flush: Django's flush, allowed to empty the append-only audit log as well.

Flushing wipes every table by design (the test suite does it between transactional tests), so
it runs in audit maintenance; nothing else in Amparo may delete audit rows.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from amparo.accounts.audit import audit_maintenance


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with audit_maintenance(using=options["database"]):
            super().handle(**options)
