"""amparo audit_verify: check the audit log's hash chain; exit 1 naming the broken events."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amparo.accounts.audit import verify_chain
from amparo.accounts.models import AuditEvent


class Command(BaseCommand):
    help = "Verify that no audit event was altered or removed (the hash chain is intact)."

    def handle(self, *args: Any, **options: Any) -> None:
        broken = verify_chain()
        if broken:
            ids = ", ".join(str(i) for i in broken)
            raise CommandError(
                f"audit log chain broken at {len(broken)} event(s): ids {ids}", returncode=1
            )
        self.stdout.write(f"audit log intact: {AuditEvent.objects.count()} events")
