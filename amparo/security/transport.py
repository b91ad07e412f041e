"""Deploy checks: what leaves this machine travels encrypted, to a verified peer (ASVS 5.0 12.3).

Amparo's other components are PostgreSQL and, optionally, a syslog collector and Redis. A unix socket or
a loopback address never leaves the machine and needs nothing. PostgreSQL on another host must
be reached with ``sslmode=verify-full`` (or ``verify-ca``): libpq's default, ``prefer``, falls
back to plain text and accepts any certificate. The syslog copy (``AMPARO_LOG_SYSLOG``) has no
TLS of its own, so it must go to a local socket or a relay on this machine that adds TLS.
Redis, which shares the rate-limit counters, is reached on another host only with ``rediss://``.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Warning, register

from amparo.security.logging import syslog_handler

VERIFIED_MODES = ("verify-full", "verify-ca")
DEPLOYMENT = 'docs/deployment.md, "PostgreSQL over TLS, a certificate per role"'


def is_local(host: str) -> bool:
    """True for a unix socket (a path, or libpq's default when empty) and a loopback address."""
    host = host.strip().strip("[]")
    if not host or host.startswith("/") or host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def database_problems(
    databases: Mapping[str, Mapping[str, Any]], environ: Mapping[str, str]
) -> list[CheckMessage]:
    """transport.W001 for each PostgreSQL database on another host without verified TLS."""
    problems: list[CheckMessage] = []
    for alias, db in databases.items():
        if db.get("ENGINE") != "django.db.backends.postgresql":
            continue
        options = db.get("OPTIONS") or {}
        # libpq connects to hostaddr when given, else to host; either may list several.
        targets = str(options.get("hostaddr") or db.get("HOST") or environ.get("PGHOST", ""))
        remote = [t for t in targets.split(",") if not is_local(t)]
        mode = str(options.get("sslmode") or environ.get("PGSSLMODE") or "prefer")
        if remote and mode not in VERIFIED_MODES:
            risk = "is encrypted but" if mode == "require" else "may travel in plain text and"
            problems.append(
                Warning(
                    f"The database '{alias}' on {', '.join(remote)} is reached with "
                    f"sslmode={mode}: the connection {risk} nothing checks the server's "
                    "certificate, so anyone on the path can pose as the database.",
                    hint="Add sslmode=verify-full&sslrootcert=/path/to/ca.crt to DATABASE_URL "
                    f"({DEPLOYMENT}).",
                    id="transport.W001",
                )
            )
    return problems


def syslog_problems(value: str) -> list[CheckMessage]:
    """transport.W002 when AMPARO_LOG_SYSLOG sends plain text to another machine."""
    if not value:
        return []
    address = syslog_handler(value, "text")["address"]
    if isinstance(address, str) or is_local(address[0]):
        return []
    return [
        Warning(
            f"AMPARO_LOG_SYSLOG={value} sends every log record in plain text to another "
            f"machine ({address[0]}).",
            hint="Point it at this machine's syslog (/dev/log or 127.0.0.1:514) and have that "
            "relay forward over TLS (docs/configuration.md, AMPARO_LOG_SYSLOG).",
            id="transport.W002",
        )
    ]


def redis_problems(url: str) -> list[CheckMessage]:
    """transport.W003 when the shared rate-limit counters go to Redis on another host in clear."""
    if not url:
        return []
    parts = urlsplit(url)
    if parts.scheme != "redis" or is_local(parts.hostname or ""):
        return []
    return [
        Warning(
            f"AMPARO_RATELIMIT_REDIS_URL reaches Redis on {parts.hostname} without TLS: its "
            "password, if any, and the counters travel in plain text.",
            hint="Use rediss:// (Redis with TLS), a unix:// socket, or Redis on this machine "
            "(docs/configuration.md, AMPARO_RATELIMIT_REDIS_URL).",
            id="transport.W003",
        )
    ]


@register("security", deploy=True)
def encrypted_transport(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W001 for an unverified remote PostgreSQL, W002 for plain-text syslog to another host,
    W003 for plain-text Redis on another host."""
    return (
        database_problems(settings.DATABASES, os.environ)
        + syslog_problems(settings.LOG_SYSLOG)
        + redis_problems(settings.AMPARO_RATELIMIT_REDIS_URL)
    )
