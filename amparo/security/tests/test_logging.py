"""Logs carry no confidential value: no traceback, no exception message, no query string."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from amparo.security.logging import RedactingFilter, strip_query
from amparo.security.tests.failing_urls import SECRET


@pytest.mark.urls("amparo.security.tests.failing_urls")
def test_a_failing_view_logs_only_status_path_and_exception_class(caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR):
        response = client.get("/boom/?name=" + SECRET)
    assert response.status_code == 500
    assert SECRET.encode() not in response.content and b"Traceback" not in response.content
    assert "500 on /boom/: RuntimeError" in caplog.text
    assert SECRET not in caplog.text and "Traceback" not in caplog.text
    assert all(record.exc_info is None for record in caplog.records)


def test_other_records_lose_query_strings_and_tracebacks():
    try:
        raise ValueError(SECRET)
    except ValueError:
        import sys

        record = logging.LogRecord(
            "amparo.cases",
            logging.WARNING,
            __file__,
            1,
            "GET %s",
            ("/cases/?q=Ana",),
            sys.exc_info(),
        )
    RedactingFilter().filter(record)
    formatted = logging.Formatter().format(record)
    assert formatted == "GET /cases/ (ValueError)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"GET /cases/?q=Ana+Prueba HTTP/1.1" 200', '"GET /cases/ HTTP/1.1" 200'),
        ("see https://example.org/a?b=c now", "see https://example.org/a now"),
        ("no query here /cases/", "no query here /cases/"),
    ],
)
def test_strip_query(text, expected):
    assert strip_query(text) == expected
