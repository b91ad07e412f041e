"""ASVS 5.0 16.1.1: the logging inventory lists every layer, logger and audit event, and no more."""

from __future__ import annotations

import re

from django.conf import settings

from amparo.security.tests.logging_inventory import (
    audit_actions,
    documented,
    loggers_in_code,
    section,
)


def test_every_audit_event_the_code_writes_is_in_the_inventory():
    literals, patterns = audit_actions()
    listed = documented("Audit events")
    assert len(literals) > 40
    assert sorted(literals - listed) == []
    for pattern in patterns:
        assert any(re.fullmatch(pattern, name) for name in listed), pattern


def test_every_audit_event_in_the_inventory_is_written_by_the_code():
    literals, patterns = audit_actions()
    stale = [
        name
        for name in documented("Audit events")
        if name not in literals and not any(re.fullmatch(p, name) for p in patterns)
    ]
    assert stale == []


def test_every_logger_is_in_the_inventory():
    listed = documented("Application loggers")
    assert sorted(loggers_in_code() - listed) == []
    assert sorted(set(settings.LOGGING["loggers"]) - {"django"} - listed) == []


def test_every_layer_says_where_who_and_how_long():
    rows = section("Layers")
    assert {"audit log", "application log", "database server", "reverse proxy"} <= {
        row[0] for row in rows
    }
    for row in rows:
        assert len(row) == 7 and all(row), row  # no empty cell: format, place, readers, period
        assert re.search(r"days|always|as the application log", row[6]), row
