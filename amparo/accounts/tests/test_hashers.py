"""Argon2id computed by libsodium, with its cost from the configuration (ADR 0021, ADR 0023)."""

from __future__ import annotations

import argon2
import pytest
from argon2 import extract_parameters
from django.contrib.auth.hashers import check_password, get_hasher, make_password
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from amparo.accounts.hashers import Argon2PasswordHasher, _b64
from amparo.accounts.models import User
from amparo.security.tests.production import amparo, sqlite_env

ARGON2 = ["amparo.accounts.hashers.Argon2PasswordHasher"]
PASSWORD = "a long enough passphrase 42"  # noqa: S105 - a test value
CHEAP = {"memory_cost": 19456, "time_cost": 2}


def parameters(encoded: str):  # type: ignore[no-untyped-def]
    return extract_parameters(encoded.removeprefix("argon2"))


def test_hashes_carry_the_configured_cost_and_128_bits_of_salt(settings):
    settings.PASSWORD_HASHERS = ARGON2
    settings.AMPARO_ARGON2 = CHEAP
    encoded = make_password(PASSWORD)
    found = parameters(encoded)
    assert (found.memory_cost, found.time_cost, found.parallelism) == (19456, 2, 1)
    assert found.type.name == "ID" and found.salt_len == 16 and found.hash_len == 32
    assert check_password(PASSWORD, encoded) and not check_password(PASSWORD + "x", encoded)
    assert make_password(PASSWORD) != encoded  # a new salt each time
    assert not get_hasher("argon2").must_update(encoded)


@hypothesis_settings(max_examples=12, deadline=None)
@given(password=st.text(max_size=40), salt=st.binary(min_size=16, max_size=16))
def test_libsodium_computes_the_same_function_as_argon2_cffi(password, salt):
    """Not a look-alike: argon2-cffi, Django's own library, gives the very same hash for the same
    password, salt and cost, and each verifies the other's."""
    from django.test import override_settings

    with override_settings(AMPARO_ARGON2=CHEAP):
        hasher = Argon2PasswordHasher()
        ours = hasher.encode(password, _b64(salt))
        theirs = argon2.low_level.hash_secret(
            password.encode(),
            salt,
            time_cost=2,
            memory_cost=19456,
            parallelism=1,
            hash_len=32,
            type=argon2.low_level.Type.ID,
        ).decode("ascii")
        assert ours == "argon2" + theirs
        assert argon2.PasswordHasher().verify(theirs, password)
        assert hasher.verify(password, ours) and not hasher.verify(password + "x", ours)


def test_hashes_of_djangos_own_hasher_still_verify_and_are_replaced(settings):
    """Hashes made before (argon2-cffi, 8 lanes, a salt of 22 letters) and argon2i ones too."""
    settings.PASSWORD_HASHERS = ARGON2
    settings.AMPARO_ARGON2 = CHEAP
    hasher = get_hasher("argon2")
    for variety in (argon2.low_level.Type.ID, argon2.low_level.Type.I):
        raw = argon2.low_level.hash_secret(
            PASSWORD.encode(),
            b"abcdefghijklmnopqrstuv",
            time_cost=2,
            memory_cost=19456,
            parallelism=8,
            hash_len=32,
            type=variety,
        )
        old = "argon2" + raw.decode("ascii")
        assert hasher.verify(PASSWORD, old) and not hasher.verify(PASSWORD + "x", old)
        assert hasher.must_update(old)  # 8 lanes, or argon2i
    assert not hasher.verify(PASSWORD, "argon2$argon2id$v=19$m=19456,t=2,p=1$bad$bad")


def test_a_salt_given_by_the_caller_is_used_as_django_uses_it(settings):
    settings.PASSWORD_HASHERS = ARGON2
    settings.AMPARO_ARGON2 = CHEAP
    one = make_password(PASSWORD, salt="seasalt2seasalt2")
    assert one == make_password(PASSWORD, salt="seasalt2seasalt2")
    assert check_password(PASSWORD, one) and not check_password("other", one)


@pytest.mark.django_db
def test_a_hash_made_under_other_settings_verifies_and_is_rehashed_at_sign_in(settings):
    settings.PASSWORD_HASHERS = ARGON2
    settings.AMPARO_ARGON2 = CHEAP
    user = User.objects.create_user("rehash", password=PASSWORD, role="viewer")
    old = user.password
    settings.AMPARO_ARGON2 = {"memory_cost": 20480, "time_cost": 1}
    assert get_hasher("argon2").must_update(old)
    assert user.check_password(PASSWORD)  # verifies under the old cost, then rehashes
    user.refresh_from_db()
    found = parameters(user.password)
    assert (found.memory_cost, found.time_cost, found.parallelism) == (20480, 1, 1)
    assert user.password != old and user.check_password(PASSWORD)


def test_the_default_cost_is_djangos_own():
    """ADR 0021: the default is not lowered; only an operator sizes it to a server."""
    from django.contrib.auth.hashers import Argon2PasswordHasher as Django

    from amparo.config import settings as project

    assert project.PASSWORD_HASHERS[0] == ARGON2[0]
    assert project.AMPARO_ARGON2 == {
        "memory_cost": Django.memory_cost,
        "time_cost": Django.time_cost,
    }


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "AMPARO_ARGON2_MEMORY_KIB",
            "8192",
            "AMPARO_ARGON2_MEMORY_KIB='8192': must be at least 19456",
        ),
        ("AMPARO_ARGON2_TIME_COST", "0", "AMPARO_ARGON2_TIME_COST='0': must be at least 1"),
        (
            "AMPARO_ARGON2_TIME_COST",
            "two",
            "AMPARO_ARGON2_TIME_COST='two': expected a whole number",
        ),
        ("AMPARO_ARGON2_PARALLELISM", "8", "AMPARO_ARGON2_PARALLELISM is no longer read"),
    ],
)
def test_a_cost_below_the_floor_stops_amparo_with_a_clear_message(
    tmp_path, variable, value, message
):
    result = amparo(sqlite_env(tmp_path) | {variable: value}, "check")
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_an_unknown_username_costs_the_same_hash_as_a_known_one(settings, monkeypatch, rf):
    """Django hashes the given password when the user does not exist, so that the time of a
    sign-in does not tell whether a username exists (ASVS 6.3.8). Both paths must go through
    libsodium at the same cost, or one would be measurably faster than the other."""
    from django.contrib.auth import authenticate

    from amparo.accounts import hashers

    settings.PASSWORD_HASHERS = ARGON2
    settings.AMPARO_ARGON2 = CHEAP
    User.objects.create_user("known", password=PASSWORD, role="viewer")
    calls: list[tuple[str, int]] = []
    kdf, verify = hashers.sodium.kdf, hashers.sodium.verify

    def spy_kdf(size, password, salt, opslimit, memlimit):  # type: ignore[no-untyped-def]
        calls.append(("kdf", memlimit // 1024, opslimit))
        return kdf(size, password, salt, opslimit=opslimit, memlimit=memlimit)

    def spy_verify(stored, password):  # type: ignore[no-untyped-def]
        found = extract_parameters(stored.decode())
        calls.append(("verify", found.memory_cost, found.time_cost))
        return verify(stored, password)

    monkeypatch.setattr(hashers.sodium, "kdf", spy_kdf)
    monkeypatch.setattr(hashers.sodium, "verify", spy_verify)
    from django.contrib.auth.models import AnonymousUser

    request = rf.post("/accounts/login/")
    request.user = AnonymousUser()
    assert authenticate(request, username="nobody", password=PASSWORD) is None
    assert authenticate(request, username="known", password=PASSWORD + "x") is None
    assert calls == [("kdf", 19456, 2), ("verify", 19456, 2)]
