"""A throwaway PostgreSQL cluster for one test module, and the certificates to run it with TLS.

The cluster lives in a temporary folder, listens on a free loopback port and on a unix socket
in that folder, and is removed when stopped; the shared server at 127.0.0.1:5432 that the test
suites use is never touched. As root (CI), the server runs as the ``postgres`` user, as
scripts/security/crash_harness.py does.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from amparo.security.tests.production import free_port

PG_BIN = Path(os.environ.get("AMPARO_PG_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass
class Identity:
    """A certificate and its private key, as PEM."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def write(self, folder: Path, name: str, owner: str | None = None) -> tuple[Path, Path]:
        """name.crt and name.key (mode 0600, as libpq and the server require) in folder."""
        crt, key = folder / f"{name}.crt", folder / f"{name}.key"
        crt.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        key.write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key.chmod(0o600)
        if owner:
            for path in (crt, key):
                shutil.chown(path, owner)
        return crt, key


def _issue(
    subject: str,
    issuer: Identity | None,
    extensions: list[x509.ExtensionType],
) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.cert.subject if issuer else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    return Identity(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


def certificate_authority(name: str) -> Identity:
    """A self-signed CA that may sign certificates and nothing else."""
    constraints = x509.BasicConstraints(ca=True, path_length=0)
    usage = x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    return _issue(name, None, [constraints, usage])


def server_certificate(ca: Identity, names: list[str]) -> Identity:
    """A server certificate for these host names and IP addresses."""
    alternatives: list[x509.GeneralName] = []
    for name in names:
        try:
            alternatives.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternatives.append(x509.DNSName(name))
    usage = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
    return _issue(names[0], ca, [x509.SubjectAlternativeName(alternatives), usage])


def client_certificate(ca: Identity, role: str) -> Identity:
    """A client certificate whose common name is the PostgreSQL role it logs in as."""
    return _issue(role, ca, [x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])])


class Cluster:
    """initdb in a temporary folder; start() with extra settings and a pg_hba.conf of our own."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="amparo-pg-"))
        self.data, self.log, self.port = self.root / "data", self.root / "server.log", free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"no PostgreSQL server binaries in {PG_BIN} (set AMPARO_PG_BIN)")
        if self.user:
            shutil.chown(self.root, self.user)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N")

    def start(self, settings: dict[str, str], hba: str) -> None:
        """Write the settings and pg_hba.conf, then start on 127.0.0.1:port and the socket."""
        settings = settings | {"port": str(self.port), "unix_socket_directories": f"'{self.root}'"}
        lines = "".join(f"{key} = {value}\n" for key, value in settings.items())
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(lines)
        (self.data / "pg_hba.conf").write_text(hba, encoding="utf-8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "start")

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its folder."""
        try:
            if (self.data / "postmaster.pid").exists():  # not when start() failed
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def execute(self, sql: str, dbname: str = "postgres") -> list[tuple[object, ...]]:
        """Run SQL as the superuser over the unix socket; the rows of the last statement."""
        with psycopg.connect(
            host=str(self.root), port=self.port, user="postgres", dbname=dbname, autocommit=True
        ) as conn:
            cursor = conn.execute(sql)  # type: ignore[call-overload]
            return cursor.fetchall() if cursor.description else []

    def server_log(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run(  # noqa: S603 - the server's own binaries, our own arguments
            [str(PG_BIN / program), *args],
            user=self.user,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            log = self.server_log() if self.log.exists() else ""
            raise RuntimeError(f"{program} failed: {result.stderr[-2000:]}\n{log[-2000:]}")
