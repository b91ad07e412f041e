"""The anonymous tools leave nothing behind: the risk assessment, the navigator and its drafts.

A whole visit (every step, back, a language change, the PDF, the saved file loaded again, quick
exit; the navigator's results, the support directory and a draft in every format) must set no
cookie, write no row in any table, and emit no log line holding an answer, with every logger at
DEBUG and the SQL log switched on.
"""

from __future__ import annotations

import html
import logging
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client

from amparo.assessments.tests.test_wizard import post, token_of, walk
from amparo.security.tests.test_surface_login import every_log_record, formatted  # noqa: F401

pytestmark = pytest.mark.django_db

THREAT = "Qx9-marker-threat-from-the-mayor"
CITATION = "A/HRC/54/61 annex I para 80"
DRAFT_TEXT = "Qx9-marker-photos-of-the-messages"
PASSPHRASE = "Qx9-marker-passphrase-long"
# Answers picked from lists: distinctive enough to look for in any log line.
CHOSEN = ["sending_information", "non_state_media", "very_high", "encrypted_channels"]
NAVIGATOR_ANSWERS = {
    "country": "VEN",
    "bodies": ["hrc", "tb_cat"],
    "reprisal_types": ["threats_intimidation"],
    "perpetrators": ["state"],
    "urgent": "on",
    "in_geneva": "on",
    "domestic_remedies_exhausted": "no",
    "previous_citation": CITATION,
    "language": "en",
}
PART = re.compile(r'name="(part_[a-z_]+)"')


def row_counts() -> dict[str, int]:
    """Rows in every table of the database, models or not (full-text tables included)."""
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def sql_logged() -> Iterator[None]:
    """Every SQL statement goes to the django.db.backends logger, as with DEBUG=True."""
    connection.force_debug_cursor = True
    try:
        yield
    finally:
        connection.force_debug_cursor = False


def assessment_visit(client: Client) -> list[Any]:
    """Every page of an assessment, back and forth, its outputs and the way out."""
    pages = walk(client, custom=THREAT)
    plan = pages[-1]
    token = token_of(plan)
    pages.append(post(client, plan, "plan", go="back"))
    pages.append(post(client, pages[1], "threats", go="lang-fr"))
    pages.append(client.post("/assess/plan.pdf", {"state": token}))
    saved = client.post(
        "/assess/save/", {"state": token, "passphrase": PASSPHRASE, "passphrase_again": PASSPHRASE}
    )
    pages.append(saved)
    upload = SimpleUploadedFile("plan.amparo", saved.content)
    loaded = client.post("/assess/load/", {"plan_file": upload, "passphrase": PASSPHRASE})
    assert THREAT in loaded.content.decode()
    pages += [loaded, client.get("/assess/load/"), client.get("/assess/exit/")]
    return pages


def navigator_visit(client: Client) -> list[Any]:
    """The navigator, its results, the directory, and a draft in HTML, e-mail and PDF."""
    pages = [client.get("/help/"), client.post("/help/avenues/", NAVIGATOR_ANSWERS)]
    pages.append(client.get("/help/support/", {"need": "safe_return"}))
    fields = {**NAVIGATOR_ANSWERS, "avenue": "senior_official", "body": "ohchr"}
    draft = client.post("/help/draft/", fields)
    parts = {name: f"{DRAFT_TEXT} {name}" for name in PART.findall(draft.content.decode())}
    assert parts, "the draft page offers no text to fill"
    pages.append(draft)
    for fmt in ("html", "eml", "pdf"):
        pages.append(client.post("/help/draft/", {**fields, **parts, "format": fmt}))
    assert DRAFT_TEXT.encode() in pages[-2].content  # the e-mail carries the typed text
    return pages


def test_a_whole_anonymous_visit_sets_no_cookie_writes_no_row_and_logs_no_answer(
    every_log_record,  # noqa: F811
    sql_logged,
):
    client = Client(enforce_csrf_checks=True)
    before = row_counts()
    pages = assessment_visit(client) + navigator_visit(client)
    after = row_counts()

    assert len(pages) >= 20
    for response in pages:
        assert response.status_code in (200, 302), response
        assert not response.cookies and "Set-Cookie" not in response.headers
        assert "no-store" in response.headers["Cache-Control"]
    assert not client.cookies
    assert {t: n for t, n in after.items() if before.get(t) != n} == {}

    lines = [formatted(record) for record in every_log_record]
    assert any("SELECT" in line for line in lines), "the SQL log was not captured"
    for answer in [THREAT, DRAFT_TEXT, PASSPHRASE, CITATION, *CHOSEN]:
        assert leaks(answer, lines) == [], f"an answer ({answer}) reached the logs"
    # The country picks the record shown at the threats step: a query parameter, so it is in
    # the SQL log when that is on (DEBUG only, refused in production), and nowhere else.
    not_sql = [line for line in lines if not line.startswith("django.db.backends")]
    for country in ("'COL'", "'VEN'", "COL", "VEN"):
        assert leaks(country, not_sql) == [], country


def leaks(answer: str, lines: list[str]) -> list[str]:
    forms = {answer, urllib.parse.quote_plus(answer), html.escape(answer)}
    return [line[:200] for line in lines if any(f in line for f in forms)]


def test_the_check_would_see_an_answer_in_a_log_line(every_log_record):  # noqa: F811
    logging.getLogger("amparo.somewhere").debug("saw %s", THREAT)
    assert any(THREAT in formatted(r) for r in every_log_record)


def test_the_check_would_see_a_row_written(documenter):
    from amparo.cases import services

    before = row_counts()
    services.open_entry(documenter, {"kind": "general_situation", "title": "x", "country": "COL"})
    assert row_counts() != before
