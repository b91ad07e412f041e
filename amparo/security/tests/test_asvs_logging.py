"""Logs (ASVS 16.2.2, 16.2.3, 16.4.1): UTC ISO 8601 times, documented destinations only, and no
forged line from a value a user typed.

The console handler is the one `amparo/config/settings.py` configures; each check formats a
record through it (its filter, then its formatter), as production would write it.
"""

from __future__ import annotations

import io
import logging
import re
import time

import pytest
from django.conf import settings
from django.test import Client

from amparo.accounts.models import AuditEvent
from amparo.security.logging import RedactingFilter, UTCFormatter

pytestmark = pytest.mark.django_db
ISO_UTC = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00"
FORGED = "ada\r\n2026-01-01T00:00:00.000+00:00 INFO amparo forged\x1b[2K\u2028line\x00"


@pytest.fixture
def console():
    """The configured console handler, writing into a buffer for the test."""
    handlers = [h for h in logging.getLogger().handlers if isinstance(h.formatter, UTCFormatter)]
    assert len(handlers) == 1, logging.getLogger().handlers
    handler = handlers[0]
    assert any(isinstance(f, RedactingFilter) for f in handler.filters)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_log_times_are_utc_iso_8601_with_the_offset_whatever_the_zone(console, monkeypatch):
    monkeypatch.setenv("TZ", "America/Bogota")
    time.tzset()
    try:
        logging.getLogger("amparo.test").warning("checking the clock")
    finally:
        monkeypatch.undo()
        time.tzset()
    line = console.getvalue()
    assert re.fullmatch(ISO_UTC + r" WARNING amparo\.test checking the clock\n", line), line
    stamp = line.split(" ", 1)[0]
    assert abs(time.time() - _parse(stamp)) < 3600  # UTC, not Bogota's UTC-5


def test_control_characters_from_users_cannot_forge_a_log_line(console):
    logging.getLogger("amparo.test").warning("failed sign-in for %s", FORGED)
    logging.getLogger("django.security.csrf").warning("Forbidden: /cases/\r\nINJECTED")
    lines = console.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert all(re.match(ISO_UTC + " WARNING ", line) for line in lines), lines
    assert "ada\\r\\n2026-01-01" in lines[0] and "\\x1b[2K" in lines[0]
    assert "\\u2028line\\x00" in lines[0]
    assert not re.search("[\x00-\x1f\x7f\u2028]", console.getvalue().replace("\n", ""))


def test_a_forged_username_reaches_the_audit_log_on_one_line(documenter):
    # Without the NUL: the sign-in form refuses it before any authentication is tried.
    Client().post("/accounts/login/", {"username": FORGED[:-1], "password": "wrong"})
    name = AuditEvent.objects.filter(action="login.failed").latest("id").detail["username"]
    assert name.startswith("ada\\r\\n2026-01-01") and "\\x1b" in name
    assert not re.search("[\x00-\x1f\x7f\u2028]", name)


def test_logs_go_only_to_the_documented_console_and_audit_table():
    """16.2.3: one console handler (stderr, for the service manager); no file, mail or socket."""
    config = settings.LOGGING
    assert set(config["handlers"]) == {"console"}
    assert config["handlers"]["console"]["class"] == "logging.StreamHandler"
    assert config["root"]["handlers"] == ["console"]
    assert all(not logger.get("handlers") for logger in config["loggers"].values())
    assert settings.ADMINS == []  # Django's mail_admins has no one to write to


def _parse(stamp: str) -> float:
    import datetime

    return datetime.datetime.fromisoformat(stamp).timestamp()
