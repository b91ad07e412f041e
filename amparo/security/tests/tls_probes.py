"""TLS probes shared by the tests of Amparo's own TLS and of the nginx configuration we document.

Each probe is a real handshake from Python's ssl or OpenSSL's own client. A refused probe is first
shown to work against a deliberately permissive server, so a refusal is the policy's, not the
client's.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import socket
import ssl
import subprocess
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from amparo.security.tests.production import exited

HOST = "example.org"  # production_env's only allowed host
TLS10, TLS11, TLS12, TLS13 = "TLSv1", "TLSv1_1", "TLSv1_2", "TLSv1_3"
REFUSED_SUITES = [  # TLS 1.2 suites without forward secrecy or without AEAD
    "AES128-SHA",
    "AES256-SHA256",
    "AES256-GCM-SHA384",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-RSA-AES256-SHA384",
]
ACCEPTED_SUITES = [
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-RSA-AES128-GCM-SHA256",
]


def make_certificate(directory: Path, host: str = HOST) -> tuple[Path, Path]:
    """A self-signed RSA certificate for ``host`` and 127.0.0.1, and its key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName(host), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert, key_file = directory / "cert.pem", directory / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return cert, key_file


def client_context(cert: Path, version: str | None = None, ciphers: str = "") -> ssl.SSLContext:
    """A verifying client, forced to one version and suite list when asked.

    Forced probes run at OpenSSL security level 0, where the client itself still speaks TLS 1.0
    and weak suites: whatever refuses them is the server.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cert)
    if version:
        with warnings.catch_warnings():  # TLS 1.0 and 1.1 are deprecated: that is the point
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = context.maximum_version = ssl.TLSVersion[version]
        context.set_ciphers((ciphers or "ALL") + ":@SECLEVEL=0")
    return context


def handshake(port: int, context: ssl.SSLContext, host: str = HOST) -> tuple[str, str]:
    """Connect, complete the handshake and return (protocol version, cipher suite)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            cipher, version = tls.cipher(), tls.version()
            assert cipher is not None and version is not None
            return version, cipher[0]


def assert_refused(port: int, control: int, probe: ssl.SSLContext, host: str = HOST) -> None:
    """``probe`` completes a handshake with the permissive ``control``, and none on ``port``."""
    version, suite = handshake(control, probe, host)  # the probe is real
    try:
        handshake(port, probe, host)
    except (ssl.SSLError, ConnectionError):
        return
    raise AssertionError(f"{version} with {suite} was accepted")


def wait_for_tls(
    server: subprocess.Popen[Any], port: int, cert: Path, log: Path, name: str, host: str = HOST
) -> None:
    """Wait until ``server`` completes a handshake on ``port``; fail with its log if it exits."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        exited(server, name, log)
        try:
            handshake(port, client_context(cert), host)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{name} did not answer a TLS handshake within 60 seconds")


# OpenSSL 3.0's SSL_OP_ALLOW_CLIENT_RENEGOTIATION (ssl.h: SSL_OP_BIT(8)); Python has no name for it.
ALLOW_CLIENT_RENEGOTIATION = 0x100


@contextlib.contextmanager
def permissive_server(cert: Path, key: str | Path) -> Iterator[int]:
    """A control server accepting every version and suite OpenSSL has, and renegotiation; its port.

    After the handshake it echoes what it reads until the client closes, so a client can ask
    for a renegotiation on a live connection.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
    context.set_ciphers("ALL:@SECLEVEL=0")
    context.options |= ALLOW_CLIENT_RENEGOTIATION
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def echo(tls: ssl.SSLSocket) -> None:
        while data := tls.recv(1024):
            tls.sendall(data)

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(5)
                with contextlib.suppress(OSError, ssl.SSLError):
                    echo(context.wrap_socket(connection, server_side=True))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=10)
        listener.close()


def renegotiations(port: int, cert: Path, host: str = HOST) -> int:
    """How many handshakes OpenSSL's client completes on one TLS 1.2 connection asking for two.

    `openssl s_client` reads commands from its input: "R" asks the server for a renegotiation.
    It must read it only after its handshake, and must not reach the end of its input before
    the renegotiation had time to finish, so the input is typed through a pipe, a pause apart.
    Each completed handshake verifies the certificate again and prints its "depth=0" line; a
    server that refuses answers with an alert or closes, and only the first handshake counts.
    """
    read, write = os.pipe()

    def type_r() -> None:
        with os.fdopen(write, "w") as typed:
            time.sleep(1.5)
            typed.write("R\n")
            typed.flush()
            time.sleep(1.5)

    typist = threading.Thread(target=type_r, daemon=True)
    typist.start()
    try:
        result = subprocess.run(  # noqa: S603 - a fixed command on the loopback address
            ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-servername", host]
            + ["-tls1_2", "-CAfile", str(cert), "-verify_return_error"],
            stdin=read,
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        os.close(read)
        typist.join(timeout=10)
    if "Verify return code: 0 (ok)" not in result.stdout:
        raise AssertionError(f"the first handshake failed: {result.stderr[-2000:]}")
    return (result.stdout + result.stderr).count("depth=0 ")
