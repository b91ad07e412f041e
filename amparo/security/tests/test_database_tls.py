"""Amparo reaches PostgreSQL over verified TLS, each role with its own certificate (ASVS 5.0
12.3.1, 12.3.2, 13.2.1).

A cluster of this module's own (never the shared server the suites use) accepts TCP connections
only over TLS 1.2 or later and only with a client certificate whose common name is the role:
no role has a password. Amparo runs as production runs it, with the DATABASE_URL form of
docs/deployment.md: the owner migrates with its certificate, the application role writes with
its own. Amparo refuses a server whose certificate another CA signed or that names another
host; the server refuses Amparo without TLS, without a client certificate, and with the
application's certificate for the owner's role. The tests run on both suites: the cluster is
the same whichever database the suite uses.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest

from amparo.security.tests import pgcluster
from amparo.security.tests.production import amparo, production_env, run_amparo

ROLES = ("amparo_owner", "amparo_app")
HBA = """\
local   all     postgres                              trust
hostssl amparo  amparo_owner,amparo_app 127.0.0.1/32  cert
host    all     all                     all           reject
"""
# docs/deployment.md, "Two database roles", with certificates instead of passwords.
SETUP = (
    "CREATE ROLE amparo_owner LOGIN; CREATE ROLE amparo_app LOGIN;",
    "CREATE DATABASE amparo OWNER amparo_owner;",
)
GRANTS = """
GRANT USAGE ON SCHEMA public TO amparo_app;
ALTER DEFAULT PRIVILEGES FOR ROLE amparo_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO amparo_app;
ALTER DEFAULT PRIVILEGES FOR ROLE amparo_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO amparo_app;
"""
WRITE_AND_REPORT = """
import json
from amparo.accounts.models import User
from amparo.cases import services
from django.db import connection
user = User.objects.create_user("tls_probe", password="a long probe passphrase 42", role="documenter")
entry = services.open_entry(user, {"kind": "named", "title": "TLS probe", "country": "COL", "notes": "n"})
with connection.cursor() as cursor:
    cursor.execute("SELECT current_user, ssl, version, client_dn FROM pg_stat_ssl "
                   "JOIN pg_stat_activity USING (pid) WHERE pid = pg_backend_pid()")
    user_name, ssl, version, client_dn = cursor.fetchone()
print("JSON:" + json.dumps({"entry": entry.pk is not None, "user": user_name, "ssl": ssl,
                            "version": version, "client_dn": client_dn}))
"""


@dataclass
class TLSServer:
    cluster: pgcluster.Cluster
    pki: Path

    def url(self, role: str = "amparo_app", host: str = "127.0.0.1", **options: str) -> str:
        """The DATABASE_URL of docs/deployment.md: verify-full, the CA, the role's certificate."""
        query = {
            "sslmode": "verify-full",
            "sslrootcert": str(self.pki / "ca.crt"),
            "sslcert": str(self.pki / f"{role}.crt"),
            "sslkey": str(self.pki / f"{role}.key"),
        } | options
        query = {key: value for key, value in query.items() if value}  # "" leaves one out
        return f"postgres://{role}@{host}:{self.cluster.port}/amparo?{urlencode(query)}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):  # type: ignore[no-untyped-def]
    pki = tmp_path_factory.mktemp("pki")
    ca = pgcluster.certificate_authority("Amparo test database CA")
    ca.write(pki, "ca")
    pgcluster.certificate_authority("Another CA").write(pki, "other-ca")
    for role in ROLES:
        pgcluster.client_certificate(ca, role).write(pki, role)
    cluster = pgcluster.Cluster()
    try:
        ca.write(cluster.root, "ca", cluster.user)
        server_identity = pgcluster.server_certificate(ca, ["localhost", "127.0.0.1"])
        server_identity.write(cluster.root, "server", cluster.user)
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "ssl": "on",
            "ssl_min_protocol_version": "'TLSv1.2'",
            "ssl_cert_file": f"'{cluster.root / 'server.crt'}'",
            "ssl_key_file": f"'{cluster.root / 'server.key'}'",
            "ssl_ca_file": f"'{cluster.root / 'ca.crt'}'",
            "log_connections": "on",
            "fsync": "off",
        }
        cluster.start(settings, HBA)
        for sql in SETUP:
            cluster.execute(sql)
        cluster.execute(GRANTS, dbname="amparo")
        yield TLSServer(cluster, pki)
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def migrated(server, tmp_path_factory):  # type: ignore[no-untyped-def]
    """A production instance whose database the owner role migrated over TLS."""
    env = production_env(tmp_path_factory.mktemp("instance"))
    env = {k: v for k, v in env.items() if not k.startswith("PG")}  # only what the URL says
    run_amparo(env, "keyring_create")
    run_amparo(env | {"DATABASE_URL": server.url("amparo_owner")}, "migrate", "--verbosity", "0")
    return env


def test_amparo_migrates_and_writes_over_verified_tls_with_a_certificate_per_role(server, migrated):
    out = run_amparo(migrated | {"DATABASE_URL": server.url()}, "shell", "-c", WRITE_AND_REPORT)
    seen = json.loads(out.split("JSON:", 1)[1])
    assert seen["entry"] is True and seen["user"] == "amparo_app"
    assert seen["ssl"] is True and seen["version"] in {"TLSv1.2", "TLSv1.3"}
    assert "CN=amparo_app" in seen["client_dn"]

    log = server.cluster.server_log()
    for role in ROLES:  # the server's own record: certificate authentication, over TLS
        assert f'connection authenticated: identity="CN={role}" method=cert' in log
        assert f"connection authorized: user={role} database=amparo" in log
    authorized = [
        line for line in log.splitlines() if "connection authorized: user=amparo_" in line
    ]
    assert authorized and all("SSL enabled (protocol=TLSv1." in line for line in authorized)
    # No role can sign in with a password: there is none to share or leak.
    rows = server.cluster.execute(
        "SELECT rolname, rolpassword IS NULL FROM pg_authid WHERE rolname LIKE 'amparo_%'"
    )
    assert sorted(rows) == [("amparo_app", True), ("amparo_owner", True)]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param({"sslrootcert": "other-ca.crt"}, "certificate verify failed", id="another CA"),
        # The name in the URL, the loopback address to reach: no name is looked up.
        pytest.param(
            {"host": "db.example.org", "hostaddr": "127.0.0.1"},
            'does not match host name "db.example.org"',
            id="another host name",
        ),
    ],
)
def test_amparo_refuses_a_server_it_cannot_verify(server, migrated, options, expected):
    url = server.url(**_in_pki(server, options))
    stderr = _failing_amparo(migrated | {"DATABASE_URL": url})
    assert stderr.startswith("amparo: cannot use the database at ")
    assert f":{server.cluster.port}/amparo" in stderr and expected in stderr, stderr


@pytest.mark.parametrize(
    ("role", "options", "expected"),
    [
        pytest.param("amparo_app", {"sslmode": "disable"}, "no encryption", id="without TLS"),
        pytest.param(
            "amparo_app",
            {"sslcert": "", "sslkey": ""},
            "connection requires a valid client certificate",
            id="without a client certificate",
        ),
        pytest.param(
            "amparo_owner",
            {"sslcert": "amparo_app.crt", "sslkey": "amparo_app.key"},
            'certificate authentication failed for user "amparo_owner"',
            id="the application's certificate for the owner's role",
        ),
    ],
)
def test_the_server_refuses_amparo_without_tls_or_the_role_s_certificate(
    server, migrated, role, options, expected
):
    stderr = _failing_amparo(
        migrated | {"DATABASE_URL": server.url(role, **_in_pki(server, options))}
    )
    assert stderr.startswith("amparo: cannot use the database at ") and expected in stderr, stderr


def _in_pki(server: TLSServer, options: dict[str, str]) -> dict[str, str]:
    """The options, with each certificate or key file name made a path in the test's PKI."""
    files = ("sslrootcert", "sslcert", "sslkey")
    return {k: str(server.pki / v) if k in files and v else v for k, v in options.items()}


def _failing_amparo(env: dict[str, str]) -> str:
    """Run `amparo migrate`, which must fail with one clear message and no traceback."""
    result = amparo(env, "migrate", "--verbosity", "0")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "BEGIN PRIVATE KEY" not in result.stderr
    return result.stderr
