"""Logs (ASVS 16.2.2, 16.2.3, 16.4.1): UTC ISO 8601 times, documented destinations only, and no
forged line from a value a user typed.

The console handler is the one `amparo/config/settings.py` configures; each check formats a
record through it (its filter, then its formatter), as production would write it.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.test import Client

from amparo.accounts.models import AuditEvent
from amparo.config.env import ConfigError
from amparo.security.logging import JSONFormatter, RedactingFilter, UTCFormatter, syslog_handler
from amparo.security.tests.failing_urls import SECRET

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


# ASVS 16.2.4 and 16.4.3: JSON lines a log processor can read, and a copy on another system.

CONTROL_OR_QUERY = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029?]")
LOGGED = (
    "import logging\n"
    "from django.test import RequestFactory\n"
    "try:\n"
    "    raise ValueError('Ana Prueba')\n"
    "except ValueError:\n"
    "    logging.getLogger('amparo.cases').exception('opened /cases/?q=Ana for %s', FORGED)\n"
    "    logging.getLogger('django.request').error('Internal Server Error: /cases/?q=Ana',\n"
    "        exc_info=True, extra={'status_code': 500,\n"
    "        'request': RequestFactory().get('/cases/?q=Ana')})\n"
)


@pytest.fixture
def json_console(console):
    """The configured console handler with the formatter AMPARO_LOG_FORMAT=json selects."""
    handler = next(h for h in logging.getLogger().handlers if isinstance(h.formatter, UTCFormatter))
    assert settings.LOGGING["formatters"]["json"]["()"] == "amparo.security.logging.JSONFormatter"
    previous = handler.formatter
    handler.setFormatter(JSONFormatter())
    yield console
    handler.setFormatter(previous)


@pytest.mark.urls("amparo.security.tests.failing_urls")
def test_json_lines_parse_with_utc_times_and_carry_no_query_traceback_or_control(json_console):
    try:
        raise ValueError(SECRET)
    except ValueError:
        logging.getLogger("amparo.test").exception("opened /cases/?q=%s by %s", SECRET, FORGED)
    Client(raise_request_exception=False).get("/boom/?name=" + SECRET)
    lines = json_console.getvalue().splitlines()
    entries = [_json_entry(line) for line in lines]
    assert entries[0]["logger"] == "amparo.test" and entries[0]["level"] == "ERROR"
    assert entries[0]["message"].startswith("opened /cases/ by ada\\r\\n2026-01-01")
    assert entries[0]["message"].endswith("(ValueError)")
    request = next(e for e in entries if e["logger"] == "django.request")
    assert request["message"] == "500 on /boom/: RuntimeError"
    assert (request["status"], request["method"], request["path"]) == (500, "GET", "/boom/")
    assert SECRET not in json_console.getvalue() and "Traceback" not in json_console.getvalue()


def test_log_syslog_sends_the_same_redacted_json_to_another_system(tmp_path):
    """A process started with AMPARO_LOG_SYSLOG and AMPARO_LOG_FORMAT=json, as deployed."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as collector:
        collector.bind(("127.0.0.1", 0))
        collector.settimeout(60)
        port = collector.getsockname()[1]
        code = f"FORGED = {FORGED!r}\n{LOGGED}"
        variables = {"AMPARO_LOG_FORMAT": "json", "AMPARO_LOG_SYSLOG": f"127.0.0.1:{port}"}
        done = _amparo_shell(tmp_path, code, **variables)
        assert done.returncode == 0, done.stderr
        received = [collector.recv(65535) for _ in range(2)]
    console = [line for line in done.stderr.splitlines() if line.startswith("{")]
    assert len(console) == 2, done.stderr
    # <PRI> is facility local0 (16) * 8 + severity error (3); then the ident, the line, a NUL.
    sent = [_syslog_line(datagram) for datagram in received]
    assert sent == console
    first, request = (_json_entry(line) for line in sent)
    assert first["message"].startswith("opened /cases/ for ada\\r\\n2026-01-01")
    assert (request["status"], request["method"], request["path"]) == (500, "GET", "/cases/")
    assert "Ana" not in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "value",
    [
        "logs.example.org",
        "logs.example.org:syslog",
        ":514",
        "udp://h:0",
        "h:70000",
        "ftp://h:514",
        "tcp://h 1:514",
        "relative/socket",
    ],
)
def test_a_bad_syslog_address_is_refused_naming_the_variable(value):
    with pytest.raises(ConfigError, match=r"^AMPARO_LOG_SYSLOG="):
        syslog_handler(value, "json")


@pytest.mark.parametrize(
    ("variable", "value"), [("AMPARO_LOG_SYSLOG", "logs.example.org"), ("AMPARO_LOG_FORMAT", "xml")]
)
def test_a_bad_log_setting_stops_start_up_with_a_message_naming_it(tmp_path, variable, value):
    done = _amparo_shell(tmp_path, "print('started')", **{variable: value})
    assert done.returncode == 2 and "started" not in done.stdout
    assert done.stderr.startswith(f"amparo: configuration error: {variable}={value!r}: ")
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("127.0.0.1:514", ("127.0.0.1", 514)),
        ("udp://[::1]:514", ("::1", 514)),
        ("tcp://logs.example.org:6514", ("logs.example.org", 6514)),
        ("/dev/log", "/dev/log"),
    ],
)
def test_good_syslog_addresses_keep_the_redacting_filter(value, address):
    handler = syslog_handler(value, "json")
    assert handler["address"] == address and handler["filters"] == ["redact"]
    assert handler["formatter"] == "json"


def _json_entry(line: str) -> dict:
    assert not CONTROL_OR_QUERY.search(line), line
    entry = json.loads(line)
    assert set(entry) >= {"time", "level", "logger", "message"}, entry
    assert re.fullmatch(ISO_UTC, entry["time"]), entry
    assert not any(CONTROL_OR_QUERY.search(str(value)) for value in entry.values()), entry
    return entry


def _syslog_line(datagram: bytes) -> str:
    assert datagram.startswith(b"<131>amparo: ") and datagram.endswith(b"\x00"), datagram
    return datagram[len(b"<131>amparo: ") : -1].decode("utf-8")


def _amparo_shell(tmp_path, code: str, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "AMPARO_"))}
    env |= {"AMPARO_DATA_DIR": str(tmp_path / "data"), **variables}
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "amparo", "shell", "--no-imports", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
