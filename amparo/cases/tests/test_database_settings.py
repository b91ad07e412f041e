"""PostgreSQL connections are kept between requests; the full-text document is a stored column."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from amparo.security.tests.production import clean_env, run_amparo

PROBE = (
    "import json; from django.conf import settings; d = settings.DATABASES['default']; "
    "print(json.dumps([d.get('CONN_MAX_AGE', 0), d.get('CONN_HEALTH_CHECKS', False)]))"
)


@pytest.mark.parametrize(
    ("extra", "expected"),
    [({}, [60, True]), ({"AMPARO_DB_CONN_MAX_AGE": "0"}, [0, True])],
)
def test_postgresql_connections_are_kept_between_requests(tmp_path, extra, expected):
    """Settings are read at start-up; nothing connects, so any PostgreSQL URL will do."""
    env = clean_env(
        AMPARO_DATA_DIR=str(tmp_path), DATABASE_URL="postgres://nobody@127.0.0.1:1/none", **extra
    )
    assert json.loads(run_amparo(env, "shell", "-c", PROBE).splitlines()[-1]) == expected


def test_sqlite_opens_its_file_per_request_as_before(tmp_path):
    env = clean_env(AMPARO_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'a.db'}")
    assert json.loads(run_amparo(env, "shell", "-c", PROBE).splitlines()[-1]) == [0, False]


@pytest.mark.django_db
def test_postgresql_searches_a_stored_document_through_its_index():
    """Migration 0005: the tsvector is computed on write, not for every row of every search."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite searches its FTS5 table")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attgenerated FROM pg_attribute WHERE attrelid = 'cases_entry'::regclass "
            "AND attname = 'search_document'"
        )
        assert cursor.fetchone() == ("s",)
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'cases_entry'")
        indexes = " ".join(row[0] for row in cursor.fetchall())
    assert "USING gin (search_document)" in indexes
    assert "cases_entry_fts_idx" not in indexes
