"""Role × URL matrix: every named URL, every persona, the status a GET must give.

The test fails when a URL name exists that MATRIX does not list: a new page must say here who
may open it. Django admin pages are covered by their index and the user list only (the admin
checks its own permissions behind them; only administrators pass ``has_permission``).

Personas: anonymous, viewer, documenter, coordinator, admin, and the outsider: a documenter who
is not named on the restricted entry every entry URL points at (the others are named on it).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from amparo.cases import services
from conftest import signed_in

PERSONAS = ("anonymous", "viewer", "documenter", "coordinator", "admin", "outsider")
ADMIN_COVERED = {"admin:index", "admin:accounts_user_changelist"}


@dataclass(frozen=True)
class Row:
    """Expected GET status per persona, and how to build the URL from the fixtures."""

    statuses: tuple[int, int, int, int, int, int]  # in PERSONAS order
    build: Callable[[dict[str, Any]], str]

    def expected(self, persona: str) -> int:
        return self.statuses[PERSONAS.index(persona)]


def plain(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda f: reverse(name)


def on_entry(name: str, **kwargs: Any) -> Callable[[dict[str, Any]], str]:
    def build(f: dict[str, Any]) -> str:
        values = {k: (v(f) if callable(v) else v) for k, v in kwargs.items()}
        return reverse(name, kwargs={"uuid": f["entry"].uuid, **values})

    return build


SIGN_IN = 302  # anonymous visitors are sent to the sign-in page
#                 anonymous, viewer, documenter, coordinator, admin, outsider
PUBLIC = (200, 200, 200, 200, 200, 200)
STAFF_READ = (SIGN_IN, 200, 200, 200, 200, 200)
STAFF_WRITE = (SIGN_IN, 403, 200, 200, 200, 200)
ADMIN_ONLY = (SIGN_IN, 403, 403, 403, 200, 403)
ENTRY_READ = (SIGN_IN, 200, 200, 200, 200, 404)
ENTRY_WRITE = (SIGN_IN, 403, 200, 200, 200, 404)
POST_ONLY = (405, 405, 405, 405, 405, 405)

MATRIX: dict[str, Row] = {
    "home": Row(PUBLIC, plain("home")),
    # Public portal, charts and open data: no account; the matrix entry is not public (404).
    "portal:home": Row(PUBLIC, plain("portal:home")),
    "portal:entry": Row((404,) * 6, lambda f: reverse("portal:entry", args=[f["entry"].ref])),
    "portal:export_csv": Row(PUBLIC, plain("portal:export_csv")),
    "portal:export_jsonl": Row(PUBLIC, plain("portal:export_jsonl")),
    "analytics:charts": Row(PUBLIC, plain("analytics:charts")),
    "analytics:map": Row(PUBLIC, plain("analytics:map")),
    "analytics:report": Row(PUBLIC, plain("analytics:report")),
    "analytics:report_pdf": Row(PUBLIC, plain("analytics:report_pdf")),
    "api:docs": Row(PUBLIC, plain("api:docs")),
    "api:entries": Row(PUBLIC, plain("api:entries")),
    "api:entry": Row((404,) * 6, lambda f: reverse("api:entry", args=[f["entry"].ref])),
    "api:openapi": Row(PUBLIC, plain("api:openapi")),
    # Sign-in and account pages
    "accounts:login": Row(PUBLIC, plain("accounts:login")),
    "accounts:logout": Row(POST_ONLY, plain("accounts:logout")),
    # A verified session has nothing left to do at the second step: sent on to the register.
    "accounts:two_factor": Row((SIGN_IN, 302, 302, 302, 302, 302), plain("accounts:two_factor")),
    "accounts:security": Row(STAFF_READ, plain("accounts:security")),
    "accounts:audit": Row(ADMIN_ONLY, plain("accounts:audit")),
    # Django admin: signed-in non-administrators are sent to admin_login, which answers 403.
    "admin_login": Row((SIGN_IN, 403, 403, 403, 403, 403), plain("admin_login")),
    "admin_logout": Row(POST_ONLY, plain("admin_logout")),
    "admin:index": Row((302, 302, 302, 302, 200, 302), plain("admin:index")),
    "admin:accounts_user_changelist": Row(
        (302, 302, 302, 302, 200, 302), plain("admin:accounts_user_changelist")
    ),
    "set_language": Row((302,) * 6, plain("set_language")),  # GET changes nothing, goes back
    # The register
    "cases:list": Row(STAFF_READ, plain("cases:list")),
    "cases:create": Row(STAFF_WRITE, plain("cases:create")),
    "cases:detail": Row(ENTRY_READ, on_entry("cases:detail")),
    "cases:edit": Row(ENTRY_WRITE, on_entry("cases:edit")),
    "cases:record_new": Row(ENTRY_WRITE, on_entry("cases:record_new", kind="subjects")),
    "cases:record_edit": Row(
        ENTRY_WRITE, on_entry("cases:record_edit", kind="subjects", pk=lambda f: f["subject"].pk)
    ),
    "cases:record_delete": Row(
        ENTRY_WRITE,
        on_entry("cases:record_delete", kind="subjects", pk=lambda f: f["subject"].pk),
    ),
    "cases:consent_withdraw": Row(
        ENTRY_WRITE, on_entry("cases:consent_withdraw", pk=lambda f: f["consent"].pk)
    ),
    # No file behind this id: those who may download get 404, the viewer is refused first.
    "cases:evidence_download": Row(
        (SIGN_IN, 403, 404, 404, 404, 404),
        on_entry("cases:evidence_download", pk=lambda f: uuid.uuid4(), variant="original"),
    ),
    # Referral navigator: public help for defenders; entry drafts are staff pages.
    "referrals:navigator": Row(PUBLIC, plain("referrals:navigator")),
    "referrals:directory": Row(PUBLIC, plain("referrals:directory")),
    "referrals:results": Row((302,) * 6, plain("referrals:results")),  # no answers: back to start
    "referrals:draft": Row(POST_ONLY, plain("referrals:draft")),
    "referrals:due": Row(STAFF_READ, plain("referrals:due")),
    "referrals:entry_draft": Row(ENTRY_READ, on_entry("referrals:entry_draft")),
    "referrals:entry_record_sent": Row(
        (SIGN_IN, 405, 405, 405, 405, 405), on_entry("referrals:entry_record_sent")
    ),
    # Secretary-General report registry and follow-up (staff only).
    "sgreports:index": Row(STAFF_READ, plain("sgreports:index")),
    "sgreports:upload": Row(STAFF_WRITE, plain("sgreports:upload")),
    "sgreports:follow_up": Row(STAFF_READ, plain("sgreports:follow_up")),
    "sgreports:calendar": Row(STAFF_READ, plain("sgreports:calendar")),
    "sgreports:draft": Row(ENTRY_READ, on_entry("sgreports:draft")),
    "sgreports:entry_reports": Row(ENTRY_READ, on_entry("sgreports:entry_reports")),
    # No batch or candidate behind a fresh id: 404 once past the role check.
    "sgreports:batch": Row(
        (SIGN_IN, 403, 404, 404, 404, 404),
        lambda f: reverse("sgreports:batch", kwargs={"pk": uuid.uuid4()}),
    ),
    "sgreports:candidate": Row(
        (SIGN_IN, 403, 404, 404, 404, 404),
        lambda f: reverse("sgreports:candidate", kwargs={"pk": uuid.uuid4()}),
    ),
    "sgreports:candidate_quick": Row(
        (SIGN_IN, 405, 405, 405, 405, 405),
        lambda f: reverse("sgreports:candidate_quick", kwargs={"pk": uuid.uuid4()}),
    ),
    # The anonymous risk self-assessment: public, nothing stored server-side.
    "assessments:start": Row(PUBLIC, plain("assessments:start")),
    "assessments:step": Row(POST_ONLY, plain("assessments:step")),
    "assessments:exit": Row((302,) * 6, plain("assessments:exit")),
    "assessments:pdf": Row(POST_ONLY, plain("assessments:pdf")),
    "assessments:save": Row(POST_ONLY, plain("assessments:save")),
    "assessments:load": Row(PUBLIC, plain("assessments:load")),
    # Staff keep a finished assessment with an entry; no assessment behind a fresh id.
    "assessments:attach": Row(POST_ONLY, plain("assessments:attach")),
    "assessments:attached": Row(
        (SIGN_IN, 404, 404, 404, 404, 404),
        lambda f: reverse("assessments:attached", kwargs={"pk": uuid.uuid4()}),
    ),
}


def url_names(patterns: list[Any] | None = None, prefix: str = "") -> set[str]:
    """Every URL name in the resolver, with its namespaces; unnamed patterns are reported too."""
    names: set[str] = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            space = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            names |= url_names(pattern.url_patterns, space)
        elif isinstance(pattern, URLPattern):
            names.add(
                f"{prefix}{pattern.name}"
                if pattern.name
                else f"{prefix}<unnamed {pattern.pattern}>"
            )
    return names


def test_every_url_is_in_the_matrix():
    ours = {n for n in url_names() if not n.startswith("admin:")} | ADMIN_COVERED
    missing = sorted(ours - set(MATRIX))
    assert not missing, f"add these URL names to MATRIX with their expected statuses: {missing}"
    stale = sorted(set(MATRIX) - url_names())
    assert not stale, f"MATRIX lists URL names that no longer exist: {stale}"


@pytest.fixture
def world(admin_user, coordinator, documenter, viewer, outsider) -> dict[str, Any]:
    """A restricted entry naming viewer, documenter and coordinator (not the outsider)."""
    entry = services.open_entry(
        documenter,
        {"kind": "named", "title": "Matrix entry", "country": "COL", "restricted": True},
    )
    entry.allowed_users.add(viewer, coordinator)
    subject = services.add_subject(documenter, entry, {"kind": "individual", "name": "Ana Prueba"})
    consent = services.record_consent(
        documenter,
        entry,
        {
            "purpose": "raise_with_state",
            "given_by": "person",
            "method": "in_person",
            "given_on": datetime.date(2025, 1, 2),
        },
    )
    users = {
        "viewer": viewer,
        "documenter": documenter,
        "coordinator": coordinator,
        "admin": admin_user,
        "outsider": outsider,
    }
    clients = {name: signed_in(user) for name, user in users.items()}
    clients["anonymous"] = Client()
    return {"entry": entry, "subject": subject, "consent": consent, "clients": clients}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_url_answers_each_persona_as_the_matrix_says(name, world):
    row = MATRIX[name]
    url = row.build(world)
    actual = {p: world["clients"][p].get(url).status_code for p in PERSONAS}
    expected = {p: row.expected(p) for p in PERSONAS}
    assert actual == expected, url


@pytest.mark.django_db
def test_anonymous_staff_urls_lead_to_the_sign_in_page(world):
    client = world["clients"]["anonymous"]
    for name, row in MATRIX.items():
        staff_only = row.statuses[0] == SIGN_IN and set(row.statuses[1:]) != {302}
        if staff_only and "admin" not in name:
            response = client.get(row.build(world))
            assert response.url.startswith("/accounts/login/?next="), name
