"""Log records that carry nothing confidential (ASVS 16.2.5) and cannot forge a line (16.4.1).

Django logs a failing request with its traceback, and the traceback's message or locals can hold
a subject's name or a consent limit. This filter rewrites ``django.request`` and
``django.server`` records to the status, the path without its query string and the exception
class name, and strips query strings from any other record's message. Control characters in a
message (CR, LF, escape sequences, Unicode line separators) are written as escapes, so a
username or a path cannot start a forged log line. Times are UTC in ISO 8601 with their offset
(16.2.2), whatever the server's time zone.

``AMPARO_LOG_FORMAT=json`` writes one JSON object per line for a log processor (16.2.4), and
``AMPARO_LOG_SYSLOG`` also sends every record to a syslog collector on another system (16.4.3);
both come after the same filter, so they carry what the text line carries and nothing more.
"""

from __future__ import annotations

import datetime
import json
import logging
import logging.handlers
import re
import socket
from typing import Any

from amparo.config.env import ConfigError

# A query string after a path-like token: "/cases/?q=Name" -> "/cases/".
QUERY = re.compile(r"(?P<path>(?:https?://[^\s?\"']+)?/[^\s?\"']*)\?[^\s\"']*")
REQUEST_LOGGERS = ("django.request", "django.server", "django.security")
# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def escape_controls(text: str) -> str:
    """The text on one line: each control character written as its escape (\\n, \\x1b)."""
    return CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


def strip_query(text: str) -> str:
    """The text with every URL's query string removed."""
    return QUERY.sub(r"\g<path>", text)


class RedactingFilter(logging.Filter):
    """Drops tracebacks and query strings; request errors become "500 on <path>: <Class>"."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc_class = record.exc_info[1].__class__.__name__ if record.exc_info else ""
        if record.name.startswith(REQUEST_LOGGERS):
            record.msg = self._request_message(record, exc_class)
            record.args = ()
        else:
            record.msg = strip_query(record.getMessage())
            record.args = ()
            if exc_class:
                record.msg = f"{record.msg} ({exc_class})"
        record.msg = escape_controls(record.msg)
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True

    @staticmethod
    def _request_message(record: logging.LogRecord, exc_class: str) -> str:
        request = getattr(record, "request", None)
        status = getattr(record, "status_code", None)
        if isinstance(status, int):
            record.http_status = status
        path = getattr(request, "path", None)
        if path is None:
            return strip_query(record.getMessage()) + (f" ({exc_class})" if exc_class else "")
        # The request object stays on the record for handlers; drop it so none serialises it.
        record.request = None
        record.http_method = escape_controls(str(getattr(request, "method", "") or ""))
        record.http_path = escape_controls(path)
        text = f"{status or ''} on {path}".strip()
        return f"{text}: {exc_class}" if exc_class else text


class UTCFormatter(logging.Formatter):
    """``%(asctime)s`` as UTC ISO 8601 with its offset: 2026-11-30T14:05:09.123+00:00."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        moment = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
        return moment.isoformat(timespec="milliseconds")


class JSONFormatter(UTCFormatter):
    """One JSON object per line: time, level, logger, message, and status/method/path if known.

    Built from the record's fields only, so a traceback or stack never reaches the line even
    without the filter; ASCII-only, so no control character or line separator is written raw.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("status", "method", "path"):
            value = getattr(record, f"http_{key}", None)
            if value:
                entry[key] = value
        return json.dumps(entry, ensure_ascii=True)


class SyslogHandler(logging.handlers.SysLogHandler):
    """Python's SysLogHandler at facility local0, tolerant of a collector that is away.

    Start-up never waits for the collector: a socket that cannot be opened is tried again at
    the next record (the failure is reported on stderr). Over TCP each message ends with a
    newline, the framing syslog collectors read by default (RFC 6587), not Python's NUL, and a
    broken connection is reopened at the next record.
    """

    def __init__(self, address: str | tuple[str, int], socktype: int | None = None) -> None:
        super().__init__(address, facility="local0", socktype=socktype)
        self.ident = "amparo: "
        self.append_nul = not self._tcp

    @property
    def _tcp(self) -> bool:
        return not isinstance(self.address, str) and self.socktype == socket.SOCK_STREAM

    def createSocket(self) -> None:  # noqa: N802 - the standard library's name
        try:
            super().createSocket()
        except OSError:
            self.socket = None

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text + "\n" if self._tcp else text

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802
        if self._tcp and self.socket is not None:
            self.socket.close()
            self.socket = None
        super().handleError(record)


SYSLOG_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")


def syslog_handler(value: str, formatter: str, name: str = "AMPARO_LOG_SYSLOG") -> dict[str, Any]:
    """The dictConfig handler for host:port (UDP), tcp://host:port or /path/to/socket.

    Raises ConfigError naming the variable when the value is none of these.
    """
    base = {
        "()": "amparo.security.logging.SyslogHandler",
        "formatter": formatter,
        "filters": ["redact"],
    }
    if value.startswith("/"):
        return base | {"address": value}
    scheme, _, rest = value.rpartition("://")
    socktypes = {"": socket.SOCK_DGRAM, "udp": socket.SOCK_DGRAM, "tcp": socket.SOCK_STREAM}
    host, _, port = rest.rpartition(":")
    if scheme not in socktypes or not SYSLOG_HOST.fullmatch(host) or not port.isdigit():
        raise ConfigError(
            f"{name}={value!r}: expected host:port (UDP), tcp://host:port or an absolute path "
            "to a unix socket such as /dev/log"
        )
    if not 0 < int(port) < 65536:
        raise ConfigError(f"{name}={value!r}: the port must be between 1 and 65535")
    address = (host.strip("[]"), int(port))
    return base | {"address": address, "socktype": socktypes[scheme]}
