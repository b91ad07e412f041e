"""amparo setup [--demo]: prepare the database; with --demo, demo data and a one-time admin."""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from amparo.accounts.audit import record_event
from amparo.accounts.models import Role, User
from amparo.cases.demo import load_demo
from amparo.cases.models import Entry
from amparo.vocabularies.services import load_reference_data

DEMO_ADMIN = "demo-admin"
LOGIN_URL = "http://127.0.0.1:8000/accounts/login/"
# No look-alike characters (0/O, 1/l/I): the password is read off a terminal and typed.
ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
PASSWORD_LENGTH = 20


def new_password() -> str:
    """A random password from the operating system's secure generator."""
    return "".join(secrets.choice(ALPHABET) for _ in range(PASSWORD_LENGTH))


class Command(BaseCommand):
    help = (
        "Migrate the database and load the reference data. With --demo, also load the demo "
        "register (if the database has no entries) and create a demo administrator (if there "
        "is no administrator), whose password is printed once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--demo", action="store_true", help="demo data and demo admin")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["demo"] and settings.PRODUCTION:
            raise CommandError(
                "--demo is refused when AMPARO_PRODUCTION=true: demo entries and a demo "
                "administrator have no place in a real register (run `amparo setup` alone)"
            )
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=max(verbosity - 1, 0))
        self.stdout.write("database migrated")
        created = load_reference_data()
        self.stdout.write(
            f"reference data ready ({created['terms']} terms, {created['countries']} countries added)"
        )
        if not options["demo"]:
            return
        self._demo_data()
        self._demo_admin()

    def _demo_data(self) -> None:
        if Entry.objects.exists():
            self.stdout.write("the register already holds entries: demo data not loaded")
            return
        try:
            result = load_demo()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"demo data loaded: {result.entries} fictional entries")

    def _demo_admin(self) -> None:
        if User.objects.filter(username=DEMO_ADMIN).exists():
            self.stdout.write(
                f"demo admin already exists; reset it with `amparo changepassword {DEMO_ADMIN}`"
            )
            return
        if User.objects.filter(Q(role=Role.ADMIN) | Q(is_superuser=True)).exists():
            self.stdout.write("an administrator already exists: no demo admin created")
            return
        password = new_password()
        user = User.objects.create_user(username=DEMO_ADMIN, password=password, role=Role.ADMIN)
        record_event("user.create", obj=user, fields=["username", "role"], detail={"by": "setup"})
        self._print_box(password)

    def _print_box(self, password: str) -> None:
        lines = [
            "Demo administrator: this password is shown once and stored nowhere in clear.",
            "",
            f"  Sign in at: {LOGIN_URL}",
            f"  Username:   {DEMO_ADMIN}",
            f"  Password:   {password}",
            "",
            "The first sign-in sets up two-step sign-in: have an authenticator app ready.",
            f"Lost it? Run `amparo changepassword {DEMO_ADMIN}`.",
        ]
        width = max(len(line) for line in lines)
        border = "+" + "-" * (width + 2) + "+"
        self.stdout.write(border)
        for line in lines:
            self.stdout.write(f"| {line.ljust(width)} |")
        self.stdout.write(border)
