"""Argon2id password hashes computed by libsodium, at a cost taken from the configuration.

The hashes are Django's "argon2" hashes, in the standard encoding
(``argon2$argon2id$v=19$m=...,t=...,p=...$salt$hash``); what changes is the code that computes
them. libsodium (through PyNaCl) computes the same function as argon2-cffi, Django's choice, in
about 0.6 of its CPU time on our servers (ADR 0023): an attacker's cost for each guess is the
same, ours is lower. libsodium computes one lane (p=1), OWASP's recommended configurations and
RFC 9106 §4's second choice for a server; more lanes only let one hash use several cores at once.

Memory and passes are configuration (AMPARO_ARGON2_MEMORY_KIB, AMPARO_ARGON2_TIME_COST;
ADR 0021), Django's 100 MiB and 2 passes by default. Each stored hash carries its own
parameters: a hash made under other settings, or by argon2-cffi with several lanes, still
verifies, and is rehashed under the current ones at the user's next sign-in.
"""

from __future__ import annotations

import base64
import binascii
import secrets

import nacl.exceptions
import nacl.pwhash.argon2id as sodium
from django.conf import settings
from django.contrib.auth import hashers

SALT_BYTES = sodium.SALTBYTES  # 16 random bytes: 128 bits, Django's own salt entropy
HASH_BYTES = 32  # argon2-cffi's and Django's length
# libsodium verifies Argon2id of version 1.3 (0x13) only, in a string of at most 127 bytes.
SODIUM_PREFIX = "$argon2id$v=19$"
SODIUM_MAX_LENGTH = 127


def _b64(raw: bytes) -> str:
    """Base64 without padding, as the Argon2 string encoding writes salts and hashes."""
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _salt_bytes(salt: str) -> bytes | None:
    """The 16 bytes a salt of ours stands for, or None for any other salt."""
    if len(salt) != 22:
        return None
    try:
        raw = base64.b64decode(salt + "==", validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == SALT_BYTES else None


class Argon2PasswordHasher(hashers.Argon2PasswordHasher):
    parallelism = 1  # libsodium's only setting

    @property
    def time_cost(self) -> int:  # type: ignore[override]
        return settings.AMPARO_ARGON2["time_cost"]

    @property
    def memory_cost(self) -> int:  # type: ignore[override]
        return settings.AMPARO_ARGON2["memory_cost"]

    def salt(self) -> str:
        """16 random bytes, written as Argon2 writes a salt."""
        return _b64(secrets.token_bytes(SALT_BYTES))

    def encode(self, password: str, salt: str) -> str:
        raw = _salt_bytes(salt)
        if raw is None:  # a salt given by a caller, not ours: Django's own way, same function
            return super().encode(password, salt)
        digest = sodium.kdf(
            HASH_BYTES,
            password.encode(),
            raw,
            opslimit=self.time_cost,
            memlimit=self.memory_cost * 1024,
        )
        return (
            f"{self.algorithm}{SODIUM_PREFIX}m={self.memory_cost},t={self.time_cost},"
            f"p={self.parallelism}${salt}${_b64(digest)}"
        )

    def verify(self, password: str, encoded: str) -> bool:
        algorithm, rest = encoded.split("$", 1)
        stored = "$" + rest
        if (
            algorithm != self.algorithm
            or not stored.startswith(SODIUM_PREFIX)
            or len(stored) > SODIUM_MAX_LENGTH
        ):
            return super().verify(password, encoded)  # argon2i, older versions: argon2-cffi
        try:
            return sodium.verify(stored.encode("ascii"), password.encode())
        except nacl.exceptions.InvalidkeyError:  # a wrong password, or a malformed hash
            return False

    def must_update(self, encoded: str) -> bool:
        """Rehash when the cost or the lanes differ, or the salt is short of 128 bits.

        Django counts a salt's entropy as if it were letters and digits (22 of them for 128
        bits); ours are 16 random bytes, so the test is on their length instead.
        """
        decoded = self.decode(encoded)
        params = decoded["params"]
        return (
            params.type != self.params().type
            or params.version != self.params().version
            or params.hash_len != HASH_BYTES
            or (params.memory_cost, params.time_cost, params.parallelism)
            != (self.memory_cost, self.time_cost, self.parallelism)
            or len(decoded["salt"]) < SALT_BYTES
        )
