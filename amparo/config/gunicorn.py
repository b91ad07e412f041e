"""Gunicorn settings for Amparo: `gunicorn -c python:amparo.config.gunicorn amparo.config.wsgi:application`.

Gunicorn reads every module-level name that matches one of its settings; options given on its
command line (`--bind`, `--workers`) override these. With AMPARO_TLS_CERT_FILE and
AMPARO_TLS_KEY_FILE set, gunicorn terminates TLS itself under the policy below (ASVS 12.1.1,
12.1.2; ADR 0019), tested by amparo/security/tests/test_tls.py. Without them it speaks plain HTTP
to a TLS-terminating reverse proxy on the same host (docs/deployment.md).
"""

from __future__ import annotations

import functools
import os
import ssl
from typing import Any

from amparo.config.env import ConfigError, env_str

# Behind a reverse proxy on this host; `--bind 0.0.0.0:443` (or a socket) when gunicorn faces
# clients itself.
bind = ["127.0.0.1:8000"]
# Gunicorn's own rule of thumb, 2 x cores + 1, for the 2-core server Amparo is sized for;
# raise both with the cores. Five processes of two threads served the load test (issue 7 §4)
# with a lower p95 than three of four: a request waits less behind another's Python work (the
# interpreter runs one thread of a process at a time).
workers = 5
# Threads, not the sync worker: keep-alive only works with them, and a slow client then holds
# one thread rather than a whole worker.
worker_class = "gthread"
threads = 2
keepalive = 5
# Only the proxy on this host may say the client used HTTPS (X-Forwarded-Proto).
forwarded_allow_ips = "127.0.0.1,::1"
# No access log: it would hold client addresses and the calendar feed's secret query string.
accesslog = None

# TLS 1.2: forward secrecy (ECDHE) and authenticated encryption (GCM, ChaCha20-Poly1305) only,
# strongest first. TLS 1.3 keeps OpenSSL's three suites, all AEAD, AES-256 first.
TLS12_CIPHERS = ":".join(
    [
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
    ]
)


def _tls_files() -> tuple[str, str] | None:
    """The certificate chain and key files, both or neither; loud on half a configuration."""
    cert = env_str("AMPARO_TLS_CERT_FILE", "")
    key = env_str("AMPARO_TLS_KEY_FILE", "")
    if bool(cert) != bool(key):
        missing = "AMPARO_TLS_KEY_FILE" if cert else "AMPARO_TLS_CERT_FILE"
        raise ConfigError(f"{missing} is required when the other TLS file is set")
    return (cert, key) if cert else None


def build_tls_context(cert: str, key: str) -> ssl.SSLContext:
    """A server context for Amparo's TLS policy: TLS 1.2 and 1.3, AEAD with ECDHE, server's order."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(TLS12_CIPHERS)
    context.options |= (
        ssl.OP_CIPHER_SERVER_PREFERENCE
        | ssl.OP_NO_COMPRESSION
        | ssl.OP_NO_RENEGOTIATION
        # Session tickets are encrypted under a key that lives as long as the worker: whoever
        # reads it decrypts every resumed session recorded meanwhile. A full handshake is cheap.
        | ssl.OP_NO_TICKET
    )
    context.num_tickets = 0
    try:
        context.load_cert_chain(certfile=cert, keyfile=key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(
            f"AMPARO_TLS_CERT_FILE={cert} / AMPARO_TLS_KEY_FILE={key}: cannot load ({exc})"
        ) from exc
    return context


@functools.lru_cache(maxsize=1)
def _cached_context(cert: str, key: str, versions: tuple[int, int]) -> ssl.SSLContext:
    return build_tls_context(cert, key)


def ssl_context(config: Any, default_ssl_context_factory: Any) -> ssl.SSLContext:
    """Gunicorn's hook, called for each connection: one context per process until a file changes.

    Gunicorn's default factory is not used: it would start from Python's defaults and reload the
    key on every connection (it would also offer HTTP/2 by ALPN, which Amparo does not enable).
    Keyed on the files' modification times, so a renewed certificate is served without a
    restart.
    """
    cert, key = config.certfile, config.keyfile or config.certfile
    versions = (os.stat(cert).st_mtime_ns, os.stat(key).st_mtime_ns)
    return _cached_context(cert, key, versions)


def post_worker_init(worker: Any) -> None:
    """Load the key as the worker's user (after `--user`): a key it cannot read stops gunicorn."""
    if worker.cfg.is_ssl:
        ssl_context(worker.cfg, None)


_files = _tls_files()
if _files:
    certfile, keyfile = _files
    build_tls_context(*_files)  # fail at start, naming the variables, not at the first client
