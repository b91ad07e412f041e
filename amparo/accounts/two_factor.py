"""Time-based one-time passwords (RFC 6238) and single-use recovery codes."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from amparo.accounts.models import RecoveryCode, TOTPDevice, User
from amparo.accounts.sessions import end_sessions

ISSUER = "Amparo"
RECOVERY_CODES = 10
RECOVERY_CODE_BYTES = 15  # 120 bits


def start_enrolment(user: User) -> TOTPDevice:
    """The user's unconfirmed device, given a secret the first time.

    The secret stays the same until confirmed: the enrolment page is shown again after a wrong
    code, and a new secret each time would refuse the code of the key just scanned.
    """
    device = TOTPDevice.objects.filter(user=user).first()
    if device is None:
        device = TOTPDevice(user=user)
    if not device.confirmed and not device.secret:
        device.secret = pyotp.random_base32()
        device.save()
    return device


def provisioning_svg(user: User, device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (no image request, works without JavaScript)."""
    uri = pyotp.TOTP(device.secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def verify_code(device: TOTPDevice, code: str, now: float | None = None) -> bool:
    """Accept a 6-digit code of the current 30-second step, never twice.

    With AMPARO_TOTP_DRIFT_STEPS=1 a code of the step before or after is accepted too.
    """
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):  # "¹²³⁴⁵⁶" is not a code
        return False
    totp = pyotp.TOTP(device.secret)
    now = time.time() if now is None else now
    current = int(now // totp.interval)
    drift = settings.AMPARO_TOTP_DRIFT_STEPS
    for step in range(current - drift, current + drift + 1):
        if step > device.last_used_step and secrets.compare_digest(
            totp.at(step * totp.interval), code
        ):
            TOTPDevice.objects.filter(pk=device.pk).update(last_used_step=step)
            device.last_used_step = step
            return True
    return False


@transaction.atomic
def confirm_enrolment(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the device if the code is right; return new recovery codes (shown once)."""
    if not verify_code(device, code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return issue_recovery_codes(device.user)


@transaction.atomic
def issue_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes; only salted hashes are stored."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=hash_recovery_code(code)) for code in codes
    )
    return codes


def _new_recovery_code() -> str:
    """120 random bits as four groups of six base32 letters and digits: abcdef-234567-..."""
    text = base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode().lower()
    return "-".join(text[i : i + 6] for i in range(0, len(text), 6))


def _normal(code: str) -> str:
    """A code as typed, without spaces, hyphens or capitals."""
    return "".join(c for c in code if c not in " -\t").lower()


def hash_recovery_code(code: str, salt: str | None = None) -> str:
    """A salted SHA-256 of the code, as ``sha256$<salt>$<hex>``.

    A recovery code carries 120 random bits: at or above 112 bits ASVS 5.0 (6.5.2) accepts an
    approved fast hash, and ten slow password hashes would cost seconds on every attempt.
    """
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256(f"{salt}:{_normal(code)}".encode()).hexdigest()
    return f"sha256${salt}${digest}"


def _matches(code: str, stored: str) -> bool:
    try:
        _, salt, _digest = stored.split("$")
    except ValueError:
        return False
    return secrets.compare_digest(hash_recovery_code(code, salt), stored)


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code if it matches."""
    for stored in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
        if _matches(code, stored.code_hash):
            updated = RecoveryCode.objects.filter(pk=stored.pk, used_at__isnull=True).update(
                used_at=timezone.now()
            )
            return updated == 1
    return False


def has_confirmed_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def reset_two_factor(user: User) -> bool:
    """Remove the user's authenticator and recovery codes; they enrol again at next sign-in.

    Only administrators call this (Django admin action), for a user who lost their device.
    A lost device may be in someone else's hands, so every open session of the user ends too.
    """
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    end_sessions(user)
    return bool(removed)
