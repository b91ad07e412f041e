"""Time-based one-time passwords (RFC 6238) and single-use recovery codes."""

from __future__ import annotations

import secrets
import time

import pyotp
import segno
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from amparo.accounts.models import RecoveryCode, TOTPDevice, User

ISSUER = "Amparo"
RECOVERY_CODES = 10


def start_enrolment(user: User) -> TOTPDevice:
    """An unconfirmed device with a fresh secret (replacing any earlier unconfirmed one)."""
    device = TOTPDevice.objects.filter(user=user).first()
    if device is None:
        device = TOTPDevice(user=user)
    if not device.confirmed:
        device.secret = pyotp.random_base32()
        device.save()
    return device


def provisioning_svg(user: User, device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (no image request, works without JavaScript)."""
    uri = pyotp.TOTP(device.secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff")


def verify_code(device: TOTPDevice, code: str, now: float | None = None) -> bool:
    """Accept a 6-digit code from the current step or one step either side, never twice."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return False
    totp = pyotp.TOTP(device.secret)
    now = time.time() if now is None else now
    current = int(now // totp.interval)
    for step in (current - 1, current, current + 1):
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
    codes = ["-".join(secrets.token_hex(3) for _ in range(3)) for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=make_password(code)) for code in codes
    )
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code if it matches."""
    code = code.strip().lower()
    for stored in RecoveryCode.objects.filter(user=user, used_at__isnull=True):
        if check_password(code, stored.code_hash):
            updated = RecoveryCode.objects.filter(pk=stored.pk, used_at__isnull=True).update(
                used_at=timezone.now()
            )
            return updated == 1
    return False


def has_confirmed_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
