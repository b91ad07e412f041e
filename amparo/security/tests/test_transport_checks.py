"""The deploy checks of amparo/security/transport.py: a remote PostgreSQL without verified TLS
(transport.W001) and a syslog copy sent in plain text to another machine (transport.W002).
"""

from __future__ import annotations

import dj_database_url
import pytest
from django.core.checks import run_checks

from amparo.security.tests.production import amparo, production_env, run_amparo
from amparo.security.transport import database_problems, syslog_problems

CA = "sslrootcert=/etc/amparo/db-ca.crt"


@pytest.mark.parametrize(
    ("url", "environ", "fires"),
    [
        ("postgres://amparo_app@db.example.org:5432/amparo", {}, True),
        ("postgres://amparo_app@db.example.org/amparo?sslmode=require", {}, True),
        ("postgres://amparo_app@db.example.org/amparo?sslmode=prefer", {}, True),
        ("postgres://amparo_app@192.0.2.10/amparo?sslmode=disable", {}, True),
        ("postgres://amparo_app@localhost/amparo?hostaddr=192.0.2.10", {}, True),
        ("postgres:///amparo", {"PGHOST": "db.example.org"}, True),
        ("postgres://amparo_app@db.example.org/amparo", {"PGSSLMODE": "require"}, True),
        (f"postgres://amparo_app@db.example.org/amparo?sslmode=verify-full&{CA}", {}, False),
        (f"postgres://amparo_app@db.example.org/amparo?sslmode=verify-ca&{CA}", {}, False),
        ("postgres://amparo_app@db.example.org/amparo", {"PGSSLMODE": "verify-full"}, False),
        ("postgres://amparo_app@db.example.org/amparo?hostaddr=127.0.0.1", {}, False),
        ("postgres://amparo_app@127.0.0.1:5432/amparo", {}, False),
        ("postgres://amparo_app@localhost/amparo", {}, False),
        ("postgres://amparo_app@[::1]:5432/amparo", {}, False),
        ("postgres://amparo_app@%2Frun%2Fpostgresql/amparo", {}, False),
        ("postgres:///amparo", {}, False),
        ("sqlite:////var/lib/amparo/amparo.sqlite3", {}, False),
    ],
)
def test_a_remote_database_without_verified_tls_is_reported(url, environ, fires):
    problems = database_problems({"default": dj_database_url.parse(url)}, environ)
    assert [p.id for p in problems] == (["transport.W001"] if fires else [])


def test_the_database_warning_says_which_database_where_and_how_to_fix_it():
    databases = {"default": dj_database_url.parse("postgres://a@db.example.org/x?sslmode=require")}
    (problem,) = database_problems(databases, {})
    assert "'default' on db.example.org" in problem.msg and "sslmode=require" in problem.msg
    assert "is encrypted but nothing checks the server's certificate" in problem.msg
    assert "sslmode=verify-full&sslrootcert=" in problem.hint and "deployment.md" in problem.hint


@pytest.mark.parametrize(
    ("value", "fires"),
    [
        ("", False),
        ("/dev/log", False),
        ("127.0.0.1:514", False),
        ("localhost:514", False),
        ("tcp://[::1]:6514", False),
        ("logs.example.org:514", True),
        ("tcp://192.0.2.10:514", True),
        ("udp://[2001:db8::10]:514", True),
    ],
)
def test_syslog_to_another_machine_is_reported_as_plain_text(value, fires):
    problems = syslog_problems(value)
    assert [p.id for p in problems] == (["transport.W002"] if fires else [])
    if fires:
        assert value in problems[0].msg and "plain text" in problems[0].msg
        assert "/dev/log" in problems[0].hint


def test_the_checks_run_with_deploy_only_and_read_the_settings(settings):
    settings.LOG_SYSLOG = "logs.example.org:514"
    deploy = [m.id for m in run_checks(include_deployment_checks=True, tags=["security"])]
    assert "transport.W002" in deploy
    assert not [m for m in run_checks(tags=["security"]) if m.id.startswith("transport.")]
    settings.LOG_SYSLOG = "/dev/log"
    deploy = [m.id for m in run_checks(include_deployment_checks=True, tags=["security"])]
    assert not [i for i in deploy if i.startswith("transport.")]


def test_check_deploy_fails_on_a_remote_database_until_the_url_verifies_it(tmp_path):
    # `check --deploy` opens no connection: these host names are never looked up.
    env = production_env(tmp_path)
    run_amparo(env, "keyring_create")
    plain = env | {"DATABASE_URL": "postgres://amparo_app@db.example.org:5432/amparo"}
    result = amparo(plain, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0 and "transport.W001" in result.stderr
    verified = f"{plain['DATABASE_URL']}?sslmode=verify-full&{CA}"
    out = run_amparo(
        env | {"DATABASE_URL": verified}, "check", "--deploy", "--fail-level", "WARNING"
    )
    assert "no issues" in out
