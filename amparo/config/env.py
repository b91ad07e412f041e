"""Typed readers for environment variables: fail loudly on bad values, read secrets from *_FILE."""

from __future__ import annotations

import os
from pathlib import Path


class ConfigError(Exception):
    """A configuration variable holds a value Amparo cannot use."""


def _raw(name: str) -> str | None:
    file_var = os.environ.get(f"{name}_FILE")
    if file_var:
        try:
            return Path(file_var).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={file_var}: cannot read ({exc.strerror})") from exc
    return os.environ.get(name)


def env_str(name: str, default: str) -> str:
    """The variable as text, or the default when unset or empty."""
    value = _raw(name)
    return value if value else default


def env_bool(name: str, default: bool) -> bool:
    """The variable as a boolean: 1/true/yes/on or 0/false/no/off."""
    value = _raw(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={value!r}: expected true or false")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """The variable as a whole number no smaller than minimum."""
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r}: expected a whole number") from None
    if number < minimum:
        raise ConfigError(f"{name}={value!r}: must be at least {minimum}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    """The variable as a comma-separated list."""
    value = _raw(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]
