"""Where an anonymous assessment lives: in the page itself, never on the server (docs/adr/0010).

Between steps the answers travel in a hidden form field as a token encrypted and authenticated
with the server's keyring (AES-256-GCM, bound to "assessment-state"), stamped with the time it
was issued and refused after STATE_MAX_AGE. The user may also keep the plan as a file sealed
with a key derived from their own passphrase (scrypt + AES-256-GCM): the server cannot open it
without the passphrase and keeps nothing.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from amparo.core.crypto import DecryptionError
from amparo.security.keys import keyring

STATE_AAD = "assessment-state"
STATE_MAX_AGE = 2 * 3600  # seconds a token stays valid after it was issued
CLOCK_SKEW = 60

FILE_MAGIC = b"AMPARO-PLAN-1\n"
SALT_BYTES = 16
NONCE_BYTES = 12
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1  # about 32 MiB and a tenth of a second per try
MIN_PASSPHRASE = 10
MAX_FILE_BYTES = 512 * 1024


class StateError(Exception):
    """A state token or plan file that cannot be used; the message is safe to show."""


def empty_state(language: str = "en") -> dict[str, Any]:
    """A new assessment with nothing answered yet."""
    return {
        "v": 1,
        "lang": language,
        "country": "",
        "activities": [],
        "perpetrators": [],
        "threats": [],
        "vulnerabilities": [],
        "capacities": [],
        "domain_notes": {},
        "plan": {},
    }


def seal(state: dict[str, Any], now: float | None = None) -> str:
    """The state as an encrypted token for a hidden form field."""
    issued = int(time.time() if now is None else now)
    payload = json.dumps({"iat": issued, "state": state}, separators=(",", ":"))
    return keyring().encrypt(payload.encode(), aad=STATE_AAD)


def unseal(token: str, now: float | None = None) -> dict[str, Any]:
    """The state a token holds; StateError when it is forged, damaged or too old."""
    try:
        payload = json.loads(keyring().decrypt(token, aad=STATE_AAD))
        issued = int(payload["iat"])
        state = payload["state"]
    # OverflowError: an "iat" of 1e400 (found by fuzz/fuzz_state_token.py).
    except (DecryptionError, ValueError, KeyError, TypeError, OverflowError, RecursionError):
        raise StateError("damaged") from None
    current = time.time() if now is None else now
    if not (current - STATE_MAX_AGE <= issued <= current + CLOCK_SKEW):
        raise StateError("expired")
    if not isinstance(state, dict):
        raise StateError("damaged")
    return state


def _key(passphrase: str, salt: bytes) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return kdf.derive(passphrase.encode("utf-8"))


def lock_file(state: dict[str, Any], passphrase: str) -> bytes:
    """The plan sealed with the user's passphrase, for them to keep."""
    salt, nonce = secrets.token_bytes(SALT_BYTES), secrets.token_bytes(NONCE_BYTES)
    plaintext = json.dumps({"v": 1, "state": state}, ensure_ascii=False).encode("utf-8")
    sealed = AESGCM(_key(passphrase, salt)).encrypt(nonce, plaintext, FILE_MAGIC)
    return FILE_MAGIC + salt + nonce + sealed


def unlock_file(blob: bytes, passphrase: str) -> dict[str, Any]:
    """The state a kept file holds; StateError("format" | "passphrase") otherwise."""
    head = len(FILE_MAGIC) + SALT_BYTES + NONCE_BYTES
    if not blob.startswith(FILE_MAGIC) or len(blob) <= head or len(blob) > MAX_FILE_BYTES:
        raise StateError("format")
    salt = blob[len(FILE_MAGIC) : len(FILE_MAGIC) + SALT_BYTES]
    nonce = blob[len(FILE_MAGIC) + SALT_BYTES : head]
    try:
        plaintext = AESGCM(_key(passphrase, salt)).decrypt(nonce, blob[head:], FILE_MAGIC)
    except InvalidTag:
        raise StateError("passphrase") from None
    try:
        state = json.loads(plaintext)["state"]
    except (ValueError, KeyError, TypeError):
        raise StateError("format") from None
    if not isinstance(state, dict):
        raise StateError("format")
    return state
