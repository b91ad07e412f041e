"""Helpers that drive the real sign-in: password, then the second factor."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.test import Client

from amparo.accounts.models import TOTPDevice, User
from conftest import PASSWORD

RECOVERY_CODE = r"<code>([a-z2-7]{6}(?:-[a-z2-7]{6}){3})</code>"


def totp_code(user: User, offset_steps: int = 0) -> str:
    """The code the user's authenticator shows now (or some 30-second steps away)."""
    secret = TOTPDevice.objects.get(user=user).secret
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def password_step(client: Client, username: str, password: str = PASSWORD, **extra):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def enrol(client: Client, user: User) -> list[str]:
    """Sign in for the first time, enrol an authenticator and return the recovery codes shown."""
    assert password_step(client, user.username).url == "/accounts/two-factor/"
    client.get("/accounts/two-factor/")
    response = client.post("/accounts/two-factor/", {"code": totp_code(user)})
    assert response.status_code == 200
    return re.findall(RECOVERY_CODE, response.content.decode())


@pytest.fixture
def enrolled(documenter: User) -> tuple[User, list[str]]:
    """The documenter with a confirmed authenticator (signed out again), and their codes."""
    client = Client()
    codes = enrol(client, documenter)
    client.post("/accounts/logout/")
    return documenter, codes
