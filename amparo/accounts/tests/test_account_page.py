"""A staff member's own account page: password change and open sessions (ASVS 6.2.2-3, 7.5.2)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session

from amparo.accounts.models import AuditEvent
from conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db
NEW = "another long passphrase 77"


def _alive(client) -> bool:
    return client.get("/cases/").status_code == 200


def test_the_password_changes_only_with_the_current_one(documenter):
    here, elsewhere = signed_in(documenter), signed_in(documenter)
    refused = here.post(
        "/accounts/security/",
        {"action": "password", "old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
    )
    assert refused.status_code == 200 and b"errorlist" in refused.content
    documenter.refresh_from_db()
    assert documenter.check_password(PASSWORD) and _alive(elsewhere)
    done = here.post(
        "/accounts/security/",
        {
            "action": "password",
            "old_password": PASSWORD,
            "new_password1": NEW,
            "new_password2": NEW,
        },
    )
    assert done.status_code == 302
    documenter.refresh_from_db()
    assert documenter.check_password(NEW)
    assert _alive(here) and not _alive(elsewhere)  # this browser stays, the other one ends
    event = AuditEvent.objects.get(action="password.change")
    assert event.detail == {"sessions_ended": 1} and NEW not in str(event.detail)


def test_a_weak_new_password_is_refused_with_a_reason(documenter):
    client = signed_in(documenter)
    response = client.post(
        "/accounts/security/",
        {
            "action": "password",
            "old_password": PASSWORD,
            "new_password1": "12345678",
            "new_password2": "12345678",
        },
    )
    assert response.status_code == 200 and b"too short" in response.content
    documenter.refresh_from_db()
    assert documenter.check_password(PASSWORD)


def test_the_page_lists_open_sessions_and_ends_the_others_after_the_password(documenter):
    here, other, third = signed_in(documenter), signed_in(documenter), signed_in(documenter)
    page = here.get("/accounts/security/").content.decode()
    assert page.count("<tr><td>") == 3 and "this browser" in page
    assert here.session.session_key not in page  # never a session key on the page
    refused = here.post("/accounts/security/", {"action": "end_sessions", "password": "nope"})
    assert refused.status_code == 200 and _alive(other)
    done = here.post("/accounts/security/", {"action": "end_sessions", "password": PASSWORD})
    assert done.status_code == 302
    assert _alive(here) and not _alive(other) and not _alive(third)
    assert Session.objects.count() == 1
    assert AuditEvent.objects.get(action="sessions.end_others").detail == {"ended": 2}


def test_someone_elses_sessions_are_left_alone(documenter, viewer):
    mine, theirs = signed_in(documenter), signed_in(viewer)
    mine.post("/accounts/security/", {"action": "end_sessions", "password": PASSWORD})
    assert _alive(theirs)


def test_a_password_an_administrator_chose_must_be_changed_before_anything_else(
    admin_client, viewer
):
    """ASVS 6.4.1: a new account, or a password set by an administrator, is changed at once."""
    set_by_admin = admin_client.post(
        f"/admin/accounts/user/{viewer.pk}/password/",
        {"password1": "chosen by the admin 42", "password2": "chosen by the admin 42"},
    )
    assert set_by_admin.status_code == 302
    viewer.refresh_from_db()
    assert viewer.must_change_password
    assert AuditEvent.objects.filter(action="user.password_set", object_id=str(viewer.pk))
    client = signed_in(viewer)
    assert client.get("/cases/").url == "/accounts/security/"
    page = client.get("/accounts/security/").content.decode()
    assert "An administrator set your password" in page
    client.post(
        "/accounts/security/",
        {
            "action": "password",
            "old_password": "chosen by the admin 42",
            "new_password1": NEW,
            "new_password2": NEW,
        },
    )
    viewer.refresh_from_db()
    assert not viewer.must_change_password and client.get("/cases/").status_code == 200


def test_a_forgotten_password_reset_by_an_administrator_still_meets_the_second_factor(
    admin_client, enrolled
):
    """ASVS 6.4.3: the only reset is an administrator's; it never bypasses the TOTP step."""
    from django.test import Client

    from amparo.accounts.tests.conftest import password_step, totp_code

    user, _codes = enrolled
    temporary = "temporary from the admin 42"
    admin_client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": temporary, "password2": temporary},
    )
    client = Client()
    assert password_step(client, user.username, temporary).url == "/accounts/two-factor/"
    assert client.get("/accounts/security/").url == "/accounts/two-factor/"  # not before TOTP
    assert client.get("/cases/").url == "/accounts/two-factor/"
    # The code of the next 30-second step: the current one was spent when enrolling (no replay).
    client.post("/accounts/two-factor/", {"code": totp_code(user, offset_steps=1)})
    assert client.get("/cases/").url == "/accounts/security/"  # then its own password first
