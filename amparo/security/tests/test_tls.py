"""Amparo's own TLS (amparo/config/gunicorn.py), probed on a real gunicorn: ASVS 12.1.1 and 12.1.2.

Gunicorn runs as production runs it, with a certificate made here, on a loopback port. Each
probe is a real handshake (amparo/security/tests/tls_probes.py). A refused probe is first shown
to work against a deliberately permissive server, so a refusal is the policy's, not the client's.
"""

from __future__ import annotations

import ssl
import subprocess
import sys
from collections.abc import Iterator
from http.client import HTTPSConnection
from pathlib import Path

import pytest

from amparo.security.tests.production import (
    free_port,
    production_env,
    run_amparo,
    start_gunicorn,
)
from amparo.security.tests.tls_probes import (
    ACCEPTED_SUITES,
    HOST,
    REFUSED_SUITES,
    TLS10,
    TLS11,
    TLS12,
    TLS13,
    assert_refused,
    client_context,
    handshake,
    make_certificate,
    renegotiations,
    wait_for_tls,
)


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
    log = tmp_path / "gunicorn.log"
    server = start_gunicorn(env, port, log)
    try:
        wait_for_tls(server, port, cert, log, "gunicorn")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.parametrize("version", [TLS10, TLS11])
def test_tls_1_0_and_1_1_are_refused(amparo_tls, permissive, certificate, version):
    assert_refused(amparo_tls, permissive, client_context(certificate[0], version))


@pytest.mark.parametrize("suite", REFUSED_SUITES)
def test_tls_1_2_refuses_suites_without_forward_secrecy_or_aead(
    amparo_tls, permissive, certificate, suite
):
    assert_refused(amparo_tls, permissive, client_context(certificate[0], TLS12, suite))


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


def test_a_client_cannot_renegotiate_tls_1_2(amparo_tls, permissive, certificate):
    assert renegotiations(permissive, certificate[0]) == 2  # the probe renegotiates for real
    assert renegotiations(amparo_tls, certificate[0]) == 1


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
