"""Named personas and clients shared by every test (STYLE.md: Tests)."""

from __future__ import annotations

import pytest
from django.test import Client

from amparo.accounts.middleware import VERIFIED_KEY
from amparo.accounts.models import Role, User

PASSWORD = "a long test passphrase 42"

pytest_plugins = [
    "amparo.portal.tests.fixtures",
    "amparo.tests_browser.fixtures",
    "amparo.security.tests.canary_plugin",
    "amparo.security.tests.audit_inventory_plugin",
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 costs ~0.4 s a hash; tests that check hashing itself use the project settings."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def totp_drift(settings):
    """A code read at 29.99 s and posted at 30.01 s would fail now and then under the strict
    default; the tests of the default (test_asvs_crypto.py) set it back to 0 themselves."""
    settings.AMPARO_TOTP_DRIFT_STEPS = 1


@pytest.fixture(autouse=True)
def no_rate_limits(settings):
    """Tests that fetch a URL hundreds of times would meet the limits; the tests of the limits
    (amparo/security/tests/test_ratelimit.py) put the project's values back themselves."""
    settings.AMPARO_RATELIMITS = {}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test gets its own upload folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def make_user(username: str, role: str, **extra: object) -> User:
    return User.objects.create_user(username=username, password=PASSWORD, role=role, **extra)


def signed_in(user: User) -> Client:
    """A client whose session has passed both the password and the second factor."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[VERIFIED_KEY] = True
    session.save()
    return client


@pytest.fixture
def admin_user(db) -> User:
    return make_user("ada_admin", Role.ADMIN)


@pytest.fixture
def coordinator(db) -> User:
    return make_user("cora_coordinator", Role.COORDINATOR)


@pytest.fixture
def documenter(db) -> User:
    return make_user("dora_documenter", Role.DOCUMENTER)


@pytest.fixture
def viewer(db) -> User:
    return make_user("vic_viewer", Role.VIEWER)


@pytest.fixture
def outsider(db) -> User:
    """A documenter who is not named on restricted entries."""
    return make_user("otto_outsider", Role.DOCUMENTER)


@pytest.fixture
def admin_client(admin_user) -> Client:
    return signed_in(admin_user)


@pytest.fixture
def coordinator_client(coordinator) -> Client:
    return signed_in(coordinator)


@pytest.fixture
def documenter_client(documenter) -> Client:
    return signed_in(documenter)


@pytest.fixture
def viewer_client(viewer) -> Client:
    return signed_in(viewer)


@pytest.fixture
def outsider_client(outsider) -> Client:
    return signed_in(outsider)


@pytest.fixture
def anonymous_client() -> Client:
    return Client()
