"""Administrators manage accounts and reference data in the Django admin, audited."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from amparo.accounts.models import AuditEvent, Role, TOTPDevice, User
from amparo.accounts.tests.conftest import enrol
from amparo.vocabularies.models import Country, Term
from conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "staff"),
    [(Role.ADMIN, True), (Role.COORDINATOR, False), (Role.DOCUMENTER, False), (Role.VIEWER, False)],
)
def test_admin_flags_follow_the_role(role, staff):
    user = User.objects.create_user("someone", password="x" * 14, role=role)
    assert (user.is_staff, user.is_superuser, user.is_admin) == (staff, staff, staff)


def test_a_demoted_administrator_loses_the_admin():
    user = User.objects.create_user("demoted", role=Role.ADMIN)
    user.role = Role.VIEWER
    user.save(update_fields=["role"])
    user.refresh_from_db()
    assert not user.is_staff and not user.is_superuser


def test_createsuperuser_makes_an_administrator():
    user = User.objects.create_superuser("root", password="x" * 14)
    assert user.role == Role.ADMIN and user.is_staff


def test_only_administrators_enter_the_admin(admin_client, coordinator_client, viewer_client):
    assert admin_client.get("/admin/").status_code == 200
    assert admin_client.get("/admin/accounts/user/").status_code == 200
    for client in (coordinator_client, viewer_client):
        assert client.get("/admin/", follow=True).status_code == 403


def test_the_admin_signs_in_through_amparo(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")


def test_the_admin_needs_the_second_factor(admin_user):
    client = Client()
    client.force_login(admin_user)  # password only
    assert client.get("/admin/").url == "/accounts/two-factor/"


def test_an_administrator_creates_an_account_with_a_role(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newcomer",
            "role": "documenter",
            "password1": "a fresh long passphrase 9",
            "password2": "a fresh long passphrase 9",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    user = User.objects.get(username="newcomer")
    assert user.role == Role.DOCUMENTER and not user.is_staff
    assert user.must_change_password  # the administrator knows it: changed at first sign-in
    event = AuditEvent.objects.get(action="user.create")
    assert event.object_id == str(user.pk) and event.actor_name == "ada_admin"
    assert "a fresh long passphrase 9" not in str([event.fields, event.detail])


def test_an_administrator_deactivates_an_account(admin_client, viewer, admin_user):
    session = signed_in(viewer)
    assert session.get("/cases/").status_code == 200
    response = admin_client.post(
        "/admin/accounts/user/",
        {"action": "deactivate", "_selected_action": [viewer.pk, admin_user.pk]},
    )
    assert response.status_code == 302
    viewer.refresh_from_db()
    admin_user.refresh_from_db()
    assert not viewer.is_active and admin_user.is_active
    assert AuditEvent.objects.filter(action="user.deactivate", object_id=str(viewer.pk)).exists()
    assert not Session.objects.filter(session_key=session.session.session_key).exists()
    assert session.get("/cases/").status_code == 302


def test_accounts_cannot_be_deleted(admin_client, viewer):
    assert admin_client.get(f"/admin/accounts/user/{viewer.pk}/delete/").status_code == 403


def test_a_lost_device_is_reset_and_audited(admin_client, documenter):
    enrol(Client(), documenter)
    stolen = signed_in(documenter)  # the session on the lost device
    assert stolen.get("/cases/").status_code == 200
    response = admin_client.post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [documenter.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=documenter).exists()
    assert not documenter.recovery_codes.exists()
    assert AuditEvent.objects.filter(action="two_factor.reset", object_id=str(documenter.pk))
    assert stolen.get("/cases/").status_code == 302  # its session ended
    # At the next sign-in the user enrols again.
    client = Client()
    client.post(
        "/accounts/login/",
        {"username": documenter.username, "password": "a long test passphrase 42"},
    )
    assert b"Set up two-step sign-in" in client.get("/accounts/two-factor/").content


def test_reference_data_is_editable_with_history(admin_client):
    term = Term.objects.create(
        vocabulary="kind", slug="probe", label_en="Probe", label_fr="Sonde", label_es="Sonda"
    )
    country = Country.objects.create(
        code="ZZZ",
        name_en="Testland",
        name_fr="Testland",
        name_es="Testlandia",
        un_short_name="Testland",
        region="europe",
    )
    assert admin_client.get("/admin/vocabularies/term/?q=probe").status_code == 200
    assert admin_client.get("/admin/vocabularies/term/?vocabulary=kind").status_code == 200
    url = f"/admin/vocabularies/term/{term.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200
    data = {
        "label_en": "Probe, renamed",
        "label_fr": "Sonde",
        "label_es": "Sonda",
        "position": 0,
        "handbook_section": "",
        "source": "",
        "last_verified": "",
    }
    assert admin_client.post(url, data).status_code == 302
    assert term.history.count() == 2 and term.history.first().label_en == "Probe, renamed"
    history = admin_client.get(f"/admin/vocabularies/term/{term.pk}/history/")
    assert history.status_code == 200 and b"Probe, renamed" in history.content
    assert admin_client.get(f"/admin/vocabularies/country/{country.pk}/history/").status_code == 200
    assert admin_client.get("/admin/vocabularies/country/?q=Testland").status_code == 200
