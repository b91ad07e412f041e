"""Sign-in surface: lockout (logged, without the password), the second factor in front of every
staff URL, and no authenticator secret or recovery code in clear in any database column.

Complements amparo/accounts/tests/test_sign_in.py (the flows themselves); the URLs come from the
role × URL matrix (amparo/tests_project/test_url_matrix.py), so a new page is covered here too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from django.conf import settings as project_settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client

from amparo.accounts.middleware import OPEN_PATHS
from amparo.accounts.models import AuditEvent, Role
from amparo.accounts.tests.conftest import enrol, password_step
from amparo.tests_project.test_url_matrix import MATRIX, world  # noqa: F401
from conftest import make_user

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "CANARY-PASSWORD-wrong-9c41"  # noqa: S105 (never a real one)
TWO_FACTOR = "/accounts/two-factor/"


@pytest.fixture
def every_log_record() -> Iterator[list[logging.LogRecord]]:
    """Every record any logger emits, at DEBUG, whatever the levels the settings give them."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name in list(logging.root.manager.loggerDict)
    ]
    levels = {logger: logger.level for logger in loggers}
    handler = Keep(level=logging.DEBUG)
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
    try:
        yield records
    finally:
        for logger, level in levels.items():
            logger.setLevel(level)
            logger.removeHandler(handler)


def formatted(record: logging.LogRecord) -> str:
    """What a handler would write: the message, its arguments and any traceback."""
    text = logging.Formatter("%(name)s %(levelname)s %(message)s").format(record)
    return f"{text} {record.args!r} {record.__dict__!r}"


def test_the_limit_is_at_most_five_failures_per_account_and_address():
    assert project_settings.AXES_FAILURE_LIMIT <= 5
    assert project_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_the_fifth_failure_locks_out_and_is_logged_without_the_password(
    documenter, every_log_record
):
    client = Client()
    statuses = [
        password_step(client, documenter.username, WRONG_PASSWORD).status_code for _ in range(5)
    ]
    assert statuses[:4] == [200] * 4 and statuses[4] == 429
    assert password_step(client, documenter.username).status_code == 429  # right one: paused
    lines = [formatted(r) for r in every_log_record]
    assert any("Locking out" in line for line in lines), "the lockout is not logged"
    assert not [line for line in lines if WRONG_PASSWORD in line]
    events = AuditEvent.objects.filter(action__in=["login.failed", "login.locked_out"])
    assert events.filter(action="login.locked_out").exists()
    assert events.filter(action="login.failed").count() >= 4
    for event in events:
        assert WRONG_PASSWORD not in f"{event.detail} {event.fields}"


def test_the_lockout_is_per_address_too_an_address_locked_for_one_account_is_not_for_another(
    documenter, viewer
):
    locked = Client(REMOTE_ADDR="198.51.100.4")
    for _ in range(5):
        password_step(locked, documenter.username, WRONG_PASSWORD)
    assert password_step(locked, documenter.username).status_code == 429
    # Same address, another account; same account, another address: both still sign in.
    assert password_step(Client(REMOTE_ADDR="198.51.100.4"), viewer.username).url == TWO_FACTOR
    other = Client(REMOTE_ADDR="198.51.100.5")
    assert password_step(other, documenter.username).url == TWO_FACTOR


def staff_urls(fixtures: dict) -> list[str]:
    """Every URL of the matrix but the sign-in steps themselves."""
    urls = [row.build(fixtures) for row in MATRIX.values()]
    return [u for u in urls if u.split("?")[0] not in OPEN_PATHS]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.DOCUMENTER, Role.COORDINATOR, Role.ADMIN])
def test_a_password_only_session_reaches_no_url_but_the_second_factor(role, world):  # noqa: F811
    user = make_user(f"half_{role}", role)
    world["entry"].allowed_users.add(user)
    client = Client()
    assert password_step(client, user.username).url == TWO_FACTOR
    checked = 0
    for url in staff_urls(world):
        if url.startswith("/i18n/"):
            continue  # the language switch only sets a cookie and goes back
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code == 302 and response.url == TWO_FACTOR, (method, url)
            checked += 1
    assert checked >= 2 * (len(MATRIX) - 4)


def raw_rows() -> str:
    """Every row of every table, as the database returns it, in one text."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


def decoded_sessions() -> str:
    return "\n".join(repr(s.get_decoded()) for s in Session.objects.all())


def test_no_authenticator_secret_or_recovery_code_is_stored_in_clear(viewer):
    client = Client()
    codes = enrol(client, viewer)
    assert len(codes) == 10
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_totpdevice")
        (raw_secret,) = cursor.fetchone()
        cursor.execute("SELECT code_hash FROM accounts_recoverycode")
        hashes = [row[0] for row in cursor.fetchall()]
    secret = viewer.totp.secret
    assert len(secret) >= 16 and raw_secret.startswith("v1:") and secret not in raw_secret
    assert len(hashes) == 10 and all(h.startswith("sha256$") for h in hashes)
    everything = raw_rows() + decoded_sessions()
    for value in [secret, *codes]:
        for form in {value, value.upper(), value.lower(), value.replace("-", "")}:
            assert form not in everything, "found in a database column or session"
