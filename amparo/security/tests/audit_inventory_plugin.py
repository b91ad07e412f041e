"""A pytest plugin: every audit event written during the test run is in the logging inventory.

The static test (test_logging_inventory.py) reads the code; this one watches what the code
really writes, so an action built at run time cannot slip past the inventory.
"""

from __future__ import annotations

from typing import Any

import pytest

SEEN: set[str] = set()


def _record(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created and not instance.action.startswith("test."):  # the audit log's own tests
        SEEN.add(instance.action)


def pytest_sessionstart(session: pytest.Session) -> None:
    from django.db.models.signals import post_save

    from amparo.accounts.models import AuditEvent

    post_save.connect(_record, sender=AuditEvent, dispatch_uid="audit-inventory")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not SEEN:
        return
    from amparo.security.tests.logging_inventory import documented

    missing = sorted(SEEN - documented("Audit events"))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"audit inventory check: {len(SEEN)} actions written, {len(missing)} not in "
            "docs/security/logging.md" + (f": {', '.join(missing)}" if missing else "")
        )
    if missing:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
