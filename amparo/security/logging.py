"""Log records that carry nothing confidential (ASVS 16.2.5) and cannot forge a line (16.4.1).

Django logs a failing request with its traceback, and the traceback's message or locals can hold
a subject's name or a consent limit. This filter rewrites ``django.request`` and
``django.server`` records to the status, the path without its query string and the exception
class name, and strips query strings from any other record's message. Control characters in a
message (CR, LF, escape sequences, Unicode line separators) are written as escapes, so a
username or a path cannot start a forged log line. Times are UTC in ISO 8601 with their offset
(16.2.2), whatever the server's time zone.
"""

from __future__ import annotations

import datetime
import logging
import re

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
        path = getattr(request, "path", None)
        if path is None:
            return strip_query(record.getMessage()) + (f" ({exc_class})" if exc_class else "")
        # The request object stays on the record for handlers; drop it so none serialises it.
        record.request = None
        text = f"{status or ''} on {path}".strip()
        return f"{text}: {exc_class}" if exc_class else text


class UTCFormatter(logging.Formatter):
    """``%(asctime)s`` as UTC ISO 8601 with its offset: 2026-11-30T14:05:09.123+00:00."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        moment = datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC)
        return moment.isoformat(timespec="milliseconds")
