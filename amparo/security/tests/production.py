"""Running Amparo as production runs it, in a process of its own, for the tests that need it."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

# DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser test modules, refused by `check --deploy`.
DROPPED = ("DATABASE_URL", "AMPARO_", "DJANGO_ALLOW_ASYNC_UNSAFE")


def clean_env(**variables: str) -> dict[str, str]:
    """This environment without Amparo's variables, plus the ones given."""
    return {k: v for k, v in os.environ.items() if not k.startswith(DROPPED)} | variables


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This environment without Amparo's variables, set up as a production instance in tmp_path."""
    return clean_env() | {
        "AMPARO_PRODUCTION": "true",
        "AMPARO_SECRET_KEY": secrets.token_urlsafe(60),
        "AMPARO_ALLOWED_HOSTS": "example.org",
        "AMPARO_DATA_DIR": str(tmp_path / "data"),
        "AMPARO_KEYRING_FILE": str(tmp_path / "secrets" / "keyring.json"),
        **extra,
    }


def sqlite_env(tmp_path: Path, name: str = "raw.sqlite3") -> dict[str, str]:
    """This environment without Amparo's variables, on a SQLite file of its own in tmp_path."""
    return clean_env(AMPARO_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / name}")


def amparo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`amparo ARGS` in that environment, whatever its outcome."""
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "amparo", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def run_amparo(env: dict[str, str], *args: str) -> str:
    """`amparo ARGS` in that environment; its output, after asserting it succeeded."""
    result = amparo(env, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def answers_of(env: dict[str, str], script: str) -> Any:
    """Create the keyring, migrate, run a shell script there and read the JSON it prints."""
    run_amparo(env, "keyring_create")
    run_amparo(env, "migrate", "--verbosity", "0")
    return json.loads(run_amparo(env, "shell", "-c", script).split("JSON:", 1)[1])


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def suite_postgres_url(database: str) -> str:
    """A URL for another database on the PostgreSQL server the suite runs on."""
    from django.db import connection

    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    return f"postgres://{user}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{database}"


def start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """Amparo under gunicorn with its shipped settings, one worker, on a loopback port.

    Its error output goes to ``log`` (a file, not a pipe nobody reads, which would fill and
    stall the server), for a test to show when the server exits.
    """
    with log.open("wb") as errors:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "gunicorn", "-c", "python:amparo.config.gunicorn"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "amparo.config.wsgi:application"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )


def exited(server: subprocess.Popen[Any], name: str, log: Path) -> None:
    """Fail with the end of ``log`` if ``server`` has exited."""
    if server.poll() is not None:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else ""
        raise AssertionError(f"{name} exited with {server.returncode}: {tail}")
