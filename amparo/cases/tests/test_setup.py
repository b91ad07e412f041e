"""amparo setup --demo: idempotent, and the demo admin's password is shown once only."""

from __future__ import annotations

import io
import re
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from amparo.accounts.models import AuditEvent, Role, User
from amparo.cases.models import Entry
from amparo.vocabularies.models import Country, Term


def setup(*args: str) -> str:
    out = io.StringIO()
    call_command("setup", *args, stdout=out)
    return out.getvalue()


def test_setup_without_demo_prepares_reference_data_only(db):
    out = setup()
    assert "database migrated" in out and "reference data ready" in out
    assert Term.objects.exists() and Country.objects.filter(code="VNM").exists()
    assert Entry.objects.count() == 0 and not User.objects.exists()


def test_setup_demo_prints_the_password_once_and_never_again(db):
    first = setup("--demo")
    match = re.search(r"Password:\s+(\S+)", first)
    assert match, first
    password = match.group(1)
    assert len(password) == 20
    assert "http://127.0.0.1:8000/accounts/login/" in first and "two-step sign-in" in first
    admin = User.objects.get(username="demo-admin")
    assert admin.role == Role.ADMIN and admin.check_password(password)
    assert password not in admin.password  # only the hash is stored
    assert Entry.objects.count() == 1000

    second = setup("--demo")
    assert "Password" not in second and password not in second
    assert "demo admin already exists; reset it with `amparo changepassword demo-admin`" in second
    assert Entry.objects.count() == 1000 and User.objects.count() == 1
    events = str(list(AuditEvent.objects.values_list("fields", "detail")))
    assert password not in events
    for path in Path(settings.DATA_DIR).rglob("*"):
        if path.is_file() and path.stat().st_size < 5_000_000:
            assert password.encode() not in path.read_bytes(), path


def test_setup_demo_leaves_an_existing_register_and_admin_alone(db, admin_user):
    Entry.objects.create(ref="MINE-1", kind="named", title="t", country="VEN", region="x")
    out = setup("--demo")
    assert "demo data not loaded" in out and "no demo admin created" in out
    assert Entry.objects.count() == 1 and not User.objects.filter(username="demo-admin").exists()
