"""Amparo's own TLS (amparo/config/gunicorn.py), probed on a real gunicorn: ASVS 12.1.1 and 12.1.2.

Gunicorn runs as production runs it, with a certificate made here, on a loopback port. Each
probe is a real handshake from Python's ssl (OpenSSL). A refused probe is first shown to work
against a deliberately permissive server, so a refusal is the policy's, not the client's.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from http.client import HTTPSConnection
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from amparo.security.tests.production import free_port, production_env, run_amparo

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


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed RSA certificate for example.org and 127.0.0.1, and its key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName(HOST), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
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


def handshake(port: int, context: ssl.SSLContext) -> tuple[str, str]:
    """Connect, complete the handshake and return (protocol version, cipher suite)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=HOST) as tls:
            cipher, version = tls.cipher(), tls.version()
            assert cipher is not None and version is not None
            return version, cipher[0]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def amparo_tls(certificate, tmp_path_factory) -> Iterator[int]:
    """Amparo under gunicorn with the shipped configuration and TLS on; its port."""
    tmp_path = tmp_path_factory.mktemp("tls-server")
    cert, key = certificate
    env = production_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'amparo.sqlite3'}",
        AMPARO_TLS_CERT_FILE=str(cert),
        AMPARO_TLS_KEY_FILE=str(key),
    )
    run_amparo(env, "keyring_create")
    run_amparo(env, "migrate", "--verbosity", "0")
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "gunicorn", "-c", "python:amparo.config.gunicorn"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "amparo.config.wsgi:application"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_tls(server, port, cert)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_for_tls(server: subprocess.Popen[str], port: int, cert: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited: {server.stderr.read()[-3000:] if server.stderr else ''}")
        try:
            handshake(port, client_context(cert))
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("gunicorn did not answer a TLS handshake within 60 seconds")


@pytest.fixture(scope="module")
def permissive(certificate) -> Iterator[int]:
    """A control server that accepts every version and suite OpenSSL has; its port."""
    cert, key = certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
    context.set_ciphers("ALL:@SECLEVEL=0")
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(5)
                try:
                    context.wrap_socket(connection, server_side=True).close()
                except (OSError, ssl.SSLError):
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    listener.close()


@pytest.mark.parametrize("version", [TLS10, TLS11])
def test_tls_1_0_and_1_1_are_refused(amparo_tls, permissive, certificate, version):
    probe = client_context(certificate[0], version)
    assert handshake(permissive, probe)[0] == version.replace("_", ".")  # the probe is real
    with pytest.raises((ssl.SSLError, ConnectionError)):
        handshake(amparo_tls, probe)


@pytest.mark.parametrize("suite", REFUSED_SUITES)
def test_tls_1_2_refuses_suites_without_forward_secrecy_or_aead(
    amparo_tls, permissive, certificate, suite
):
    probe = client_context(certificate[0], TLS12, suite)
    assert handshake(permissive, probe) == ("TLSv1.2", suite)  # the probe is real
    with pytest.raises((ssl.SSLError, ConnectionError)):
        handshake(amparo_tls, probe)


@pytest.mark.parametrize("suite", ACCEPTED_SUITES)
def test_tls_1_2_accepts_ecdhe_with_aes_gcm_or_chacha20(amparo_tls, certificate, suite):
    assert handshake(amparo_tls, client_context(certificate[0], TLS12, suite)) == (
        "TLSv1.2",
        suite,
    )


def test_the_server_prefers_the_strongest_suite_whatever_the_client_offers_first(
    amparo_tls, certificate
):
    weakest_first = ":".join(reversed(ACCEPTED_SUITES))
    probe = client_context(certificate[0], TLS12, weakest_first)
    assert handshake(amparo_tls, probe) == ("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384")


def test_tls_1_3_is_used_by_an_ordinary_client_with_aes_256(amparo_tls, certificate):
    assert handshake(amparo_tls, client_context(certificate[0])) == (
        "TLSv1.3",
        "TLS_AES_256_GCM_SHA384",
    )


def test_tls_1_3_prefers_aes_256_over_the_clients_first_choice(amparo_tls, certificate):
    """Python cannot order TLS 1.3 suites, so OpenSSL's own client offers AES-128 first."""
    result = subprocess.run(  # noqa: S603 - a fixed command on the loopback address
        ["openssl", "s_client", "-connect", f"127.0.0.1:{amparo_tls}", "-servername", HOST]
        + ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"]
        + ["-CAfile", str(certificate[0]), "-verify_return_error"],
        input="",
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert "Verify return code: 0 (ok)" in result.stdout, result.stderr
    assert "Cipher is TLS_AES_256_GCM_SHA384" in result.stdout, result.stdout


@pytest.mark.parametrize("version", [TLS12, TLS13])
def test_https_serves_the_home_page_with_hsts_and_no_session_ticket(
    amparo_tls, certificate, version
):
    context = client_context(certificate[0])
    context.maximum_version = ssl.TLSVersion[version]
    connection = HTTPSConnection("127.0.0.1", amparo_tls, context=context, timeout=10)
    try:
        connection.request("GET", "/", headers={"Host": HOST})
        response = connection.getresponse()
        response.read()  # TLS 1.3 tickets would arrive with the first data
        assert response.status == 200
        assert response.headers["Strict-Transport-Security"] == (
            "max-age=63072000; includeSubDomains; preload"
        )
        assert connection.sock is not None
        assert connection.sock.version() == version.replace("_", ".")
        assert connection.sock.compression() is None
        session = connection.sock.session
        assert session is not None and not session.has_ticket
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"AMPARO_TLS_CERT_FILE": "{cert}"}, "AMPARO_TLS_KEY_FILE is required"),
        ({"AMPARO_TLS_KEY_FILE": "{key}"}, "AMPARO_TLS_CERT_FILE is required"),
        (
            {"AMPARO_TLS_CERT_FILE": "{key}", "AMPARO_TLS_KEY_FILE": "{key}"},
            "AMPARO_TLS_CERT_FILE=",
        ),
        (
            {"AMPARO_TLS_CERT_FILE": "{cert}", "AMPARO_TLS_KEY_FILE": "/nonexistent/key.pem"},
            "cannot load",
        ),
    ],
)
def test_a_half_or_unreadable_tls_configuration_stops_gunicorn_naming_the_variable(
    certificate, tmp_path, variables, named
):
    cert, key = certificate
    env = production_env(tmp_path) | {
        name: value.format(cert=cert, key=key) for name, value in variables.items()
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", "import amparo.config.gunicorn"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and named in result.stderr, result.stderr[-2000:]
