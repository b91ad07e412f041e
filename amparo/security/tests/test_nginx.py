"""The nginx configuration docs/deployment.md gives, run in front of Amparo and probed.

The server blocks are read from the deployment guide itself, so the page an administrator copies
is the page under test. Only what a test machine must change is changed: the addresses it
listens on and proxies to, and the certificate's paths. Debian's nginx runs it (`make nginx`)
with Amparo under gunicorn behind it, with `AMPARO_PROXY_COUNT=1` as the guide says. The probes
are those of Amparo's own TLS (ASVS 12.1.1, 12.1.2), plus what only a proxy can get wrong: the
scheme and the client's address passed on (ASVS 4.1.3), and plain HTTP refused on the API, not
redirected (4.1.2).
"""

from __future__ import annotations

import getpass
import http.client
import os
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from amparo.security.tests.production import (
    exited,
    free_port,
    production_env,
    run_amparo,
    start_gunicorn,
)
from amparo.security.tests.tls_probes import (
    ACCEPTED_SUITES,
    REFUSED_SUITES,
    TLS10,
    TLS11,
    TLS12,
    assert_refused,
    client_context,
    handshake,
    make_certificate,
    renegotiations,
    wait_for_tls,
)

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "deployment.md"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = "amparo.example.org"  # the guide's server_name
FORGED = "203.0.113.9"  # an address a client claims for itself in X-Forwarded-For


def guide_configuration() -> str:
    """The ```nginx block of the deployment guide, exactly as written."""
    blocks = re.findall(r"```nginx\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) == 1, "docs/deployment.md should hold exactly one nginx block"
    return blocks[0]


def adapted(configuration: str, tls: int, plain: int, app: int, cert: Path, key: Path) -> str:
    """The guide's blocks with this machine's ports and certificate; each change must apply."""
    changes = [
        ("listen 443 ssl;", f"listen 127.0.0.1:{tls} ssl;"),
        ("listen 80;", f"listen 127.0.0.1:{plain};"),
        ("/etc/amparo/tls/fullchain.pem", str(cert)),
        ("/etc/amparo/tls/privkey.pem", str(key)),
        ("http://127.0.0.1:8000;", f"http://127.0.0.1:{app};"),
    ]
    for old, new in changes:
        assert old in configuration, f"the guide's nginx block no longer has {old!r}"
        configuration = configuration.replace(old, new)
    return configuration


def nginx_conf(directory: Path, servers: str) -> Path:
    """A whole nginx.conf around the guide's server blocks, with every file under ``directory``."""
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    path = directory / "nginx.conf"
    path.write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'} warn;\nevents {{ worker_connections 64; }}\n"
        f"http {{\n{temp}\n{servers}\n}}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("nginx-tls"), SITE)


@pytest.fixture(scope="module")
def deployment(certificate, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """Amparo under gunicorn, plain on loopback, and nginx in front with the guide's blocks."""
    if not os.access(NGINX, os.X_OK):
        pytest.fail("nginx is not installed: run `make nginx` (Debian's nginx package)")
    tmp_path = tmp_path_factory.mktemp("nginx")
    env = production_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'amparo.sqlite3'}",
        AMPARO_ALLOWED_HOSTS=SITE,
        AMPARO_PROXY_COUNT="1",
    )
    run_amparo(env, "keyring_create")
    run_amparo(env, "migrate", "--verbosity", "0")
    app, tls, plain = free_port(), free_port(), free_port()
    conf = nginx_conf(tmp_path, adapted(guide_configuration(), tls, plain, app, *certificate))
    gunicorn = start_gunicorn(env, app, tmp_path / "gunicorn.log")
    nginx = subprocess.Popen(  # noqa: S603 - Debian's nginx with the configuration written above
        [NGINX, "-e", str(tmp_path / "error.log"), "-p", str(tmp_path), "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        exited(gunicorn, "gunicorn", tmp_path / "gunicorn.log")
        wait_for_tls(nginx, tls, certificate[0], tmp_path / "error.log", "nginx", SITE)
        wait_for_amparo(tls, certificate[0])
        yield {"tls": tls, "plain": plain, "env": env}
    finally:
        for process in (nginx, gunicorn):
            process.terminate()
            process.wait(timeout=30)


def wait_for_amparo(port: int, cert: Path) -> None:
    """Until gunicorn answers behind nginx (502 while its worker starts)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if request(port, cert, "GET", "/")[0] != 502:
            return
        time.sleep(0.2)
    raise AssertionError("Amparo did not answer behind nginx within 60 seconds")


def request(
    port: int, cert: Path | None, method: str, path: str, body: str = "", **headers: str
) -> tuple[int, http.client.HTTPMessage, str]:
    """One request to nginx, over TLS when ``cert`` is given; status, headers and body."""
    if cert is None:
        connection: http.client.HTTPConnection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=20
        )
    else:
        connection = http.client.HTTPSConnection(
            "127.0.0.1", port, context=client_context(cert), timeout=20
        )
    try:
        connection.request(method, path, body=body or None, headers={"Host": SITE} | headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


@pytest.mark.parametrize("version", [TLS10, TLS11])
def test_tls_1_0_and_1_1_are_refused(deployment, permissive, certificate, version):
    assert_refused(deployment["tls"], permissive, client_context(certificate[0], version), SITE)


@pytest.mark.parametrize("suite", REFUSED_SUITES)
def test_tls_1_2_refuses_suites_without_forward_secrecy_or_aead(
    deployment, permissive, certificate, suite
):
    assert_refused(
        deployment["tls"], permissive, client_context(certificate[0], TLS12, suite), SITE
    )


def test_tls_1_2_takes_the_strongest_accepted_suite_whatever_the_client_prefers(
    deployment, certificate
):
    for suite in ACCEPTED_SUITES:
        probe = client_context(certificate[0], TLS12, suite)
        assert handshake(deployment["tls"], probe, SITE) == ("TLSv1.2", suite)
    weakest_first = client_context(certificate[0], TLS12, ":".join(reversed(ACCEPTED_SUITES)))
    assert handshake(deployment["tls"], weakest_first, SITE)[1] == ACCEPTED_SUITES[0]


def test_no_session_ticket_and_no_renegotiation(deployment, permissive, certificate):
    context = client_context(certificate[0])
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    connection = http.client.HTTPSConnection(
        "127.0.0.1", deployment["tls"], context=context, timeout=20
    )
    try:
        connection.request("GET", "/", headers={"Host": SITE})
        connection.getresponse().read()
        assert connection.sock is not None
        session = connection.sock.session
        assert session is not None and not session.has_ticket
    finally:
        connection.close()
    assert renegotiations(permissive, certificate[0], SITE) == 2  # the probe renegotiates
    assert renegotiations(deployment["tls"], certificate[0], SITE) == 1


def test_https_through_the_proxy_is_seen_as_https(deployment, certificate):
    """X-Forwarded-Proto reaches Amparo: no redirect loop, HSTS sent, __Host- cookies set."""
    status, headers, _ = request(deployment["tls"], certificate[0], "GET", "/accounts/login/")
    assert status == 200
    assert headers["Strict-Transport-Security"].startswith("max-age=63072000")
    assert "__Host-amparo_csrf=" in (headers["Set-Cookie"] or "")
    assert "Secure" in headers["Set-Cookie"]


def test_plain_http_redirects_pages_and_refuses_the_api(deployment):
    status, headers, _ = request(deployment["plain"], None, "GET", "/portal/?q=x")
    assert (status, headers["Location"]) == (301, f"https://{SITE}/portal/?q=x")
    for path in ("/api/entries", "/export.csv", "/reports/calendar/feed.ics?token=t"):
        status, headers, body = request(deployment["plain"], None, "GET", path)
        assert status == 403, path
        assert "Location" not in headers and "HTTPS" in body, path


def test_the_lockout_sees_the_clients_address_not_the_one_it_claims(deployment, certificate):
    """A failed sign-in through nginx is recorded against the address nginx saw (loopback)."""
    tls, cert = deployment["tls"], certificate[0]
    status, headers, page = request(tls, cert, "GET", "/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    cookie = re.search(r"(__Host-amparo_csrf=[^;]+)", headers["Set-Cookie"] or "")
    assert status == 200 and token and cookie
    status, _, page = request(
        tls,
        cert,
        "POST",
        "/accounts/login/",
        body=f"csrfmiddlewaretoken={token[1]}&username=nobody&password=wrong",
        **{
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie[1],
            "Origin": f"https://{SITE}",
            "Referer": f"https://{SITE}/accounts/login/",
            "X-Forwarded-For": FORGED,
        },
    )
    assert status == 200, page[-2000:]  # the form again, with its error: CSRF accepted HTTPS
    script = (
        "from axes.models import AccessAttempt; "
        "print('JSON:', list(AccessAttempt.objects.values_list('ip_address', flat=True)))"
    )
    addresses = run_amparo(deployment["env"], "shell", "-c", script).split("JSON:", 1)[1]
    assert addresses.strip() == "['127.0.0.1']"
