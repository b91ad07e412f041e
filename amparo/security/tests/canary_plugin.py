"""Every log record of the whole test run, checked for confidential markers at the end (issue 7).

Registered from the root conftest (``pytest_plugins``). A handler on the root logger keeps each
record as the project's console handler would write it (through the redacting filter, with the
same format); at the end of the session the run fails if any marker of a confidential field
appears in that text. The markers are the fixtures' (``amparo.portal.tests.fixtures.MARKERS``,
put in every confidential field by ``marked_entry``), the canary tests' and any a test adds
with ``register_canary``.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable

import pytest

from amparo.portal.tests.fixtures import MARKERS

# Markers the canary and property tests store in every confidential field.
OWN_MARKERS = {
    "canary.notes": "ZQXCANARYNOTES",
    "canary.name": "ZQXCANARYNAME",
    "canary.alias": "ZQXCANARYALIAS",
    "canary.contact": "ZQXCANARYCONTACT",
    "canary.place": "ZQXCANARYPLACE",
    "canary.incident": "ZQXCANARYINCIDENT",
    "canary.engagement": "ZQXCANARYENGAGEMENT",
    "canary.limits": "ZQXCANARYLIMITS",
    "canary.withdrawal": "ZQXCANARYWITHDRAWAL",
    "canary.evidence": "ZQXCANARYEVIDENCE",
    "canary.filename": "ZQXCANARYFILENAME",
    "canary.filebody": "ZQXCANARYFILEBODY",
    "canary.reply": "ZQXCANARYREPLY",
    "canary.actionnotes": "ZQXCANARYACTIONNOTES",
    "canary.assessment": "ZQXCANARYASSESSMENT",
    "canary.reporttext": "ZQXCANARYREPORTTEXT",
    "canary.candidate": "ZQXCANARYCANDIDATE",
}
FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

_extra: set[str] = set()


def register_canary(value: str) -> None:
    """Add a value the end-of-run log check must not find (at least 8 characters)."""
    if len(value) >= 8:
        _extra.add(value)


def markers() -> set[str]:
    return {*MARKERS.values(), *OWN_MARKERS.values(), *_extra}


def leaks(lines: Iterable[str], wanted: Iterable[str]) -> list[tuple[str, str]]:
    """(marker, line) for each line holding a marker."""
    wanted = list(wanted)
    return [(m, line) for line in lines for m in wanted if m in line]


class CapturingHandler(logging.Handler):
    """Keeps every record as the console handler would write it."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter(FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        from amparo.security.logging import RedactingFilter

        shown = copy.copy(record)  # the other handlers get the record untouched
        RedactingFilter().filter(shown)
        self.lines.append(self.format(shown))


HANDLER = CapturingHandler()


def _attach() -> None:
    """On the root logger and on any logger that does not pass its records up."""
    root = logging.getLogger()
    if HANDLER not in root.handlers:
        root.addHandler(HANDLER)
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and not logger.propagate:
            if HANDLER not in logger.handlers:
                logger.addHandler(HANDLER)


def pytest_sessionstart(session: pytest.Session) -> None:
    _attach()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _attach()  # a test that reconfigured logging must not hide the next one's records


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    found = leaks(HANDLER.lines, markers())
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    summary = (
        f"canary log check: {len(HANDLER.lines)} log records captured, "
        f"{len(markers())} markers, {len(found)} found"
    )
    if reporter is not None:
        reporter.write_line(summary)
        for marker, line in found[:20]:
            reporter.write_line(f"  {marker} in log line: {line[:300]}")
    if found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
