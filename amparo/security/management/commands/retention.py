"""amparo retention [--apply]: erase what the retention policy says is due (ASVS 14.2.7)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from amparo.security.retention import (
    Finding,
    Policy,
    RetentionError,
    apply,
    counts_text,
    plan,
    refs_text,
)

REFS_SHOWN = 20


class Command(BaseCommand):
    help = (
        "List what the data retention policy (AMPARO_RETAIN_* variables) would erase now; "
        "--apply erases it. Prints counts and entry references, never a confidential value."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--apply", action="store_true", help="erase what is due (default: a dry run)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        policy = Policy.from_settings()
        verbose = options["verbosity"] > 1
        say = self.stderr.write if options["verbosity"] > 0 else (lambda _m: None)
        try:
            if options["apply"]:
                findings = apply(policy, progress=say)
            else:
                findings = plan(policy)
        except RetentionError as exc:
            raise CommandError(f"retention: {exc}; nothing more was erased") from None
        except DatabaseError as exc:
            raise CommandError(
                f"retention: the database refused a change ({exc.__class__.__name__}); the "
                "category being erased was rolled back, earlier ones were committed"
            ) from None
        self.report(findings, options["apply"], None if verbose else REFS_SHOWN)

    def report(self, findings: list[Finding], applied: bool, limit: int | None) -> None:
        verb = "erased" if applied else "would erase"
        for finding in findings:
            if not finding.enabled:
                self.stdout.write(f"{finding.category}: {finding.description}")
                continue
            self.stdout.write(f"{finding.category}: {verb} {counts_text(finding.counts)}")
            self.stdout.write(f"  ({finding.description})")
            if finding.refs:
                self.stdout.write(f"  entries: {refs_text(finding.refs, limit)}")
        if not applied:
            self.stdout.write("dry run: nothing was changed; run with --apply to erase.")
        failed = sum(f.files_failed for f in findings)
        if failed:
            raise CommandError(
                f"retention: {failed} stored file(s) could not be deleted from the storage; "
                "their records are gone, and the next run deletes them as orphan files"
            )
