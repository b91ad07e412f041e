"""Random values and key sizes (ASVS 6.5.3, 7.2.3, 11.2.3, 11.5.1).

Each secret is traced to the operating system's CSPRNG (`secrets` or `os.urandom`) by replacing
that source with a recorder: the value Amparo uses must be exactly what the source gave, of at
least the size asked. Without the CSPRNG behind it, each check fails.
"""

from __future__ import annotations

import base64
import random
import re
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest
from django.contrib.sessions.backends import base as session_base

from amparo.accounts import two_factor
from amparo.core import crypto
from amparo.sgreports import services as sgreport_services
from conftest import signed_in

PACKAGE = Path(__file__).resolve().parents[2]


class Recorder:
    """Stands in for a CSPRNG function: returns known bytes and remembers each size asked."""

    def __init__(self) -> None:
        self.sizes: list[int] = []
        self.given: list[bytes] = []
        self.counter = 0

    def __call__(self, size: int) -> bytes:
        self.sizes.append(size)
        self.counter += 1
        self.given.append(bytes([self.counter % 256]) * size)
        return self.given[-1]


def test_keys_are_256_bit_aes_gcm_from_the_csprng(monkeypatch):
    """11.2.3, 11.5.1: AES-256-GCM keys from `cryptography` (the OS CSPRNG through OpenSSL),
    the blind-index HMAC key from `secrets`; the keyring holds exactly what they gave."""
    asked: list[int] = []

    class FakeAESGCM:
        @staticmethod
        def generate_key(bit_length: int) -> bytes:
            asked.append(bit_length)
            return b"K" * (bit_length // 8)

    recorder = Recorder()
    monkeypatch.setattr(crypto, "AESGCM", FakeAESGCM)
    monkeypatch.setattr(crypto.secrets, "token_bytes", recorder)
    keyring = crypto.Keyring.generate()
    assert asked == [256] and 32 in recorder.sizes  # the key id takes a few bytes too
    index_key = recorder.given[recorder.sizes.index(32)]
    assert sorted(keyring.keys.values()) == sorted([b"K" * 32, index_key])
    monkeypatch.undo()
    first, second = crypto.Keyring.generate(), crypto.Keyring.generate()
    assert not set(first.keys.values()) & set(second.keys.values())


def test_each_encryption_takes_a_fresh_96_bit_nonce_from_secrets(monkeypatch):
    keyring = crypto.Keyring.generate()
    recorder = Recorder()
    monkeypatch.setattr(crypto.secrets, "token_bytes", recorder)
    token = keyring.encrypt(b"value", aad="t.f.1")
    blob = base64.urlsafe_b64decode(token.rsplit(":", 1)[1] + "==")
    assert recorder.sizes == [12] and blob[:12] == bytes([1]) * 12
    assert keyring.encrypt_bytes(b"file", aad="e.1").split(b"\n", 1)[1][:12] == bytes([2]) * 12
    monkeypatch.undo()
    nonces = {keyring.encrypt(b"same", aad="x")[-40:] for _ in range(500)}
    assert len(nonces) == 500


def test_session_keys_are_32_characters_from_the_csprng(monkeypatch, admin_user):
    """7.2.3: Django's session keys: 32 of 36 characters, about 165 bits, from `secrets`."""
    asked: list[int] = []
    real = session_base.get_random_string

    def recording(length, allowed_chars):  # type: ignore[no-untyped-def]
        asked.append(length)
        assert allowed_chars == session_base.VALID_KEY_CHARS
        return real(length, allowed_chars)

    monkeypatch.setattr(session_base, "get_random_string", recording)
    key = signed_in(admin_user).session.session_key
    assert asked and set(asked) == {32} and len(key) == 32
    assert len(session_base.VALID_KEY_CHARS) ** 32 > 2**128
    import django.utils.crypto as django_crypto

    assert "secrets.choice" in Path(django_crypto.__file__).read_text(encoding="utf-8")


def test_totp_secrets_hold_160_bits_from_system_random(admin_user):
    """6.5.3: pyotp draws from `random.SystemRandom` (the OS CSPRNG), 32 base32 characters."""
    assert isinstance(pyotp.compat.random, random.SystemRandom)
    device = two_factor.start_enrolment(admin_user)
    assert len(device.secret) * 5 >= 160 and re.fullmatch(r"[A-Z2-7]+", device.secret)


def test_recovery_codes_and_feed_tokens_come_from_secrets(monkeypatch, admin_user):
    recorder = Recorder()
    monkeypatch.setattr(two_factor.secrets, "token_bytes", recorder)
    codes = two_factor.issue_recovery_codes(admin_user)
    assert len(codes) == 10
    assert recorder.sizes.count(two_factor.RECOVERY_CODE_BYTES) == 10  # plus each hash's salt
    assert two_factor.RECOVERY_CODE_BYTES * 8 >= 112
    asked: list[int] = []
    monkeypatch.setattr(
        sgreport_services.secrets, "token_urlsafe", lambda n: asked.append(n) or "s" * 43
    )
    assert sgreport_services.create_feed_token(admin_user) == "s" * 43
    assert asked == [32] and asked[0] * 8 >= 128  # 11.5.1: 128 bits at least


def test_no_module_random_outside_the_demo_generator():
    """11.5.1: the `random` module (not a CSPRNG) is used only to invent demonstration data."""
    users = sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if "tests" not in p.parts
        and re.search(r"^\s*(import random|from random import)", p.read_text("utf-8"), re.M)
    )
    assert users == ["cases/demo.py"], users


@pytest.mark.parametrize("name", ["Keyring.generate", "Keyring.add_key"])
def test_new_keys_are_aes_256(name):
    keyring = crypto.Keyring.generate()
    if name == "Keyring.add_key":
        key_id = keyring.add_key()
        assert len(keyring.keys[key_id]) == 32
    assert {len(k) for k in keyring.keys.values()} == {32}


def test_a_totp_code_lives_30_seconds_by_default(settings, admin_user):
    """6.5.5: by default a code is accepted only inside its own 30-second step."""
    import amparo.config.settings as project_settings

    assert project_settings.AMPARO_TOTP_DRIFT_STEPS == 0  # what an instance gets unless told
    settings.AMPARO_TOTP_DRIFT_STEPS = 0
    device = two_factor.start_enrolment(admin_user)
    totp = pyotp.TOTP(device.secret)
    start = 1_800_000_000  # the first second of a step
    assert start % 30 == 0
    code = totp.at(start)
    assert not two_factor.verify_code(device, code, now=start - 1)  # not before its step
    assert not two_factor.verify_code(device, code, now=start + 30)  # not after it
    assert not two_factor.verify_code(device, totp.at(start + 30), now=start + 29)
    assert two_factor.verify_code(device, code, now=start + 29)
    assert not two_factor.verify_code(device, code, now=start + 29)  # and only once (6.5.1)


def test_the_drift_setting_accepts_one_step_either_side_once(settings, admin_user):
    settings.AMPARO_TOTP_DRIFT_STEPS = 1
    device = two_factor.start_enrolment(admin_user)
    totp = pyotp.TOTP(device.secret)
    start = 1_800_000_000
    assert not two_factor.verify_code(device, totp.at(start - 60), now=start)
    assert two_factor.verify_code(device, totp.at(start - 30), now=start)
    assert two_factor.verify_code(device, totp.at(start + 30), now=start)
    assert not two_factor.verify_code(device, totp.at(start), now=start)  # an earlier step now


def test_a_drift_of_more_than_one_step_is_refused_at_start(tmp_path):
    from amparo.security.tests.production import production_env

    env = production_env(tmp_path, AMPARO_TOTP_DRIFT_STEPS="2")
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "amparo", "check"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "AMPARO_TOTP_DRIFT_STEPS=2: must be 0 or 1" in result.stderr
    assert "Traceback" not in result.stderr
