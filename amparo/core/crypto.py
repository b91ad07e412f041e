"""Authenticated encryption with a rotatable keyring (AES-256-GCM, key ids, associated data).

Ciphertexts look like ``v1:<key id>:<base64url(nonce || ciphertext+tag)>``. The associated data
binds a value to its place (model, field, row), so a ciphertext copied elsewhere fails to decrypt.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "v1"
NONCE_BYTES = 12
INDEX_KEY = "index"  # HMAC key for blind indexes; not used to encrypt


class DecryptionError(Exception):
    """A value could not be decrypted: wrong key, wrong place, or tampered."""


class KeyringError(Exception):
    """The keyring file is missing, unreadable or malformed."""


@dataclass
class Keyring:
    """Named 256-bit keys, one of them active for new encryptions."""

    active: str
    keys: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def generate(cls) -> Keyring:
        """A new keyring holding one fresh key."""
        key_id = new_key_id()
        keys = {key_id: AESGCM.generate_key(bit_length=256), INDEX_KEY: secrets.token_bytes(32)}
        return cls(active=key_id, keys=keys)

    @classmethod
    def load(cls, path: Path) -> Keyring:
        """Read a keyring file; raises KeyringError with the reason."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            keys = {kid: base64.urlsafe_b64decode(val) for kid, val in raw["keys"].items()}
            ring = cls(active=raw["active"], keys=keys)
        except FileNotFoundError:
            raise KeyringError(f"{path}: no keyring file") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyringError(f"{path}: not a valid keyring ({exc.__class__.__name__})") from None
        if ring.active not in ring.keys or any(len(k) != 32 for k in ring.keys.values()):
            raise KeyringError(f"{path}: active key missing or a key is not 256 bits")
        return ring

    def save(self, path: Path, *, exclusive: bool = False) -> None:
        """Write the keyring atomically, readable by its owner only.

        With ``exclusive``, only if no keyring is there yet: FileExistsError otherwise, so two
        processes starting on a fresh data folder cannot each write a keyring of their own.
        """
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        payload = {
            "active": self.active,
            "keys": {kid: base64.urlsafe_b64encode(k).decode() for kid, k in self.keys.items()},
        }
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(payload, handle, indent=2)
                handle.flush()
                os.fsync(handle.fileno())
            if exclusive:
                os.link(tmp, path)  # fails if the name exists: the first writer wins
            else:
                os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def add_key(self) -> str:
        """Add a fresh key, make it active and return its id."""
        key_id = new_key_id()
        self.keys[key_id] = AESGCM.generate_key(bit_length=256)
        self.active = key_id
        return key_id

    def encrypt(self, plaintext: bytes, aad: str) -> str:
        """Encrypt with the active key, bound to the associated data."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active]).encrypt(nonce, plaintext, aad.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{PREFIX}:{self.active}:{body}"

    def decrypt(self, token: str, aad: str) -> bytes:
        """Decrypt a token made by encrypt() with the same associated data."""
        try:
            prefix, key_id, body = token.split(":", 2)
        except ValueError:
            raise DecryptionError("not an Amparo ciphertext") from None
        if prefix != PREFIX or key_id not in self.keys:
            raise DecryptionError(f"unknown format or key id {key_id!r}")
        try:
            blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return AESGCM(self.keys[key_id]).decrypt(
                blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad.encode()
            )
        except (InvalidTag, ValueError):
            raise DecryptionError("authentication failed") from None

    def encrypt_bytes(self, data: bytes, aad: str) -> bytes:
        """Encrypt a file's bytes: key id line, then nonce and ciphertext."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active]).encrypt(nonce, data, aad.encode())
        return f"{PREFIX}:{self.active}\n".encode() + nonce + sealed

    def decrypt_bytes(self, blob: bytes, aad: str) -> bytes:
        """Decrypt what encrypt_bytes() produced."""
        header, _, rest = blob.partition(b"\n")
        try:
            prefix, key_id = header.decode().split(":", 1)
        except (UnicodeDecodeError, ValueError):
            raise DecryptionError("not an Amparo encrypted file") from None
        if prefix != PREFIX or key_id not in self.keys:
            raise DecryptionError(f"unknown format or key id {key_id!r}")
        try:
            return AESGCM(self.keys[key_id]).decrypt(
                rest[:NONCE_BYTES], rest[NONCE_BYTES:], aad.encode()
            )
        except (InvalidTag, ValueError):
            raise DecryptionError("authentication failed") from None

    def key_id_of(self, token: str | bytes) -> str:
        """The key id a ciphertext or encrypted file was made with."""
        text = token.split(b"\n", 1)[0].decode() if isinstance(token, bytes) else token
        return text.split(":")[1]

    def blind_index(self, value: str) -> str:
        """A keyed hash for equality search over encrypted values; its key never rotates."""
        if INDEX_KEY not in self.keys:
            raise KeyringError("the keyring has no search-index key")
        mac = hmac.HMAC(self.keys[INDEX_KEY], hashes.SHA256())
        mac.update(value.encode())
        return mac.finalize().hex()[:32]


def new_key_id() -> str:
    """A short random key identifier."""
    return "k" + secrets.token_hex(4)
