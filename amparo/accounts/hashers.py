"""Django's Argon2id password hasher, with its cost taken from the configuration.

RFC 9106 §4 asks that Argon2's memory and passes be chosen for the hardware and the time a
sign-in can afford; Django fixes them in code (2 passes over 100 MiB, 8 lanes). Those stay the
defaults; AMPARO_ARGON2_MEMORY_KIB, AMPARO_ARGON2_TIME_COST and AMPARO_ARGON2_PARALLELISM change
them (docs/configuration.md, ADR 0021). The algorithm name stays "argon2", and each stored hash
carries its own parameters: hashes made under other settings still verify, and are rehashed
under the current ones at the next sign-in.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import hashers


class Argon2PasswordHasher(hashers.Argon2PasswordHasher):
    @property
    def time_cost(self) -> int:  # type: ignore[override]
        return settings.AMPARO_ARGON2["time_cost"]

    @property
    def memory_cost(self) -> int:  # type: ignore[override]
        return settings.AMPARO_ARGON2["memory_cost"]

    @property
    def parallelism(self) -> int:  # type: ignore[override]
        return settings.AMPARO_ARGON2["parallelism"]
