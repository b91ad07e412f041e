"""Argon2id with its cost from the configuration (ADR 0021)."""

from __future__ import annotations

import pytest
from argon2 import extract_parameters
from django.contrib.auth.hashers import check_password, get_hasher, make_password

from amparo.accounts.models import User
from amparo.security.tests.production import amparo, sqlite_env

ARGON2 = ["amparo.accounts.hashers.Argon2PasswordHasher"]
PASSWORD = "a long enough passphrase 42"  # noqa: S105 - a test value


def parameters(encoded: str):  # type: ignore[no-untyped-def]
    return extract_parameters(encoded.removeprefix("argon2"))


def test_hashes_carry_the_configured_cost(settings):
    settings.PASSWORD_HASHERS = ARGON2
    settings.AMPARO_ARGON2 = {"memory_cost": 19456, "time_cost": 2, "parallelism": 1}
    encoded = make_password(PASSWORD)
    found = parameters(encoded)
    assert (found.memory_cost, found.time_cost, found.parallelism) == (19456, 2, 1)
    assert found.type.name == "ID"
    assert check_password(PASSWORD, encoded) and not check_password(PASSWORD + "x", encoded)


@pytest.mark.django_db
def test_a_hash_made_under_other_settings_verifies_and_is_rehashed_at_sign_in(settings):
    settings.PASSWORD_HASHERS = ARGON2
    settings.AMPARO_ARGON2 = {"memory_cost": 19456, "time_cost": 2, "parallelism": 1}
    user = User.objects.create_user("rehash", password=PASSWORD, role="viewer")
    old = user.password
    settings.AMPARO_ARGON2 = {"memory_cost": 20480, "time_cost": 1, "parallelism": 2}
    assert get_hasher("argon2").must_update(old)
    assert user.check_password(PASSWORD)  # verifies under the old cost, then rehashes
    user.refresh_from_db()
    found = parameters(user.password)
    assert (found.memory_cost, found.time_cost, found.parallelism) == (20480, 1, 2)
    assert user.password != old and user.check_password(PASSWORD)


def test_the_default_cost_is_djangos_own():
    """ADR 0021: the default is not lowered; only an operator sizes it to a server."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    from amparo.config import settings as project

    assert project.PASSWORD_HASHERS[0] == ARGON2[0]
    django = Argon2PasswordHasher
    assert project.AMPARO_ARGON2 == {
        "memory_cost": django.memory_cost,
        "time_cost": django.time_cost,
        "parallelism": django.parallelism,
    }


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("AMPARO_ARGON2_MEMORY_KIB", "8192", "must be at least 19456"),
        ("AMPARO_ARGON2_TIME_COST", "0", "must be at least 1"),
        ("AMPARO_ARGON2_PARALLELISM", "two", "expected a whole number"),
    ],
)
def test_a_cost_below_the_floor_stops_amparo_with_a_clear_message(
    tmp_path, variable, value, message
):
    result = amparo(sqlite_env(tmp_path) | {variable: value}, "check")
    assert result.returncode != 0
    assert f"{variable}={value!r}: {message}" in result.stderr
    assert "Traceback" not in result.stderr
