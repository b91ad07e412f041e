"""Role × URL matrix: every named URL, every persona, the status a GET must give.

The test fails when a URL name exists that MATRIX does not list: a new page must say here who
may open it. Django admin pages are covered by their index and the user list only (the admin
checks its own permissions behind them; only administrators pass ``has_permission``).

Personas: anonymous, viewer, documenter, coordinator, admin, and the outsider: a documenter who
is not named on the restricted entry every entry URL points at (the others are named on it).

Writes: every URL is also POSTed by every persona. WRITES names the URLs that may change the
database and who may change it through them (a valid form is posted, and the one writer posting
last proves the form was valid); for everyone else, and for every other URL, the database must
be the same afterwards (every table, row by row). Ownership: records of one entry requested
under another entry's URL, and reviews that would write into an entry restricted to others.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from amparo.accounts.models import AuditEvent
from amparo.assessments.models import EntryAssessment
from amparo.cases import services
from amparo.sgreports.models import BatchState, Candidate, ImportBatch, Report
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
ENTRY_CONFIDENTIAL = (SIGN_IN, 403, 200, 200, 200, 404)
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
    # A real file: viewers may not read evidence, the outsider does not see the entry.
    "cases:evidence_download": Row(
        (SIGN_IN, 403, 200, 200, 200, 404),
        on_entry("cases:evidence_download", pk=lambda f: f["evidence"].pk, variant="original"),
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
    "sgreports:calendar_subscription": Row(STAFF_READ, plain("sgreports:calendar_subscription")),
    # The subscribed feed needs its secret token: none here, so nobody gets it.
    "sgreports:calendar_subscribed": Row((404,) * 6, plain("sgreports:calendar_subscribed")),
    "sgreports:entry_reports": Row(ENTRY_READ, on_entry("sgreports:entry_reports")),
    # A real batch and candidate (the report is public; only editors review it).
    "sgreports:batch": Row(
        (SIGN_IN, 403, 200, 200, 200, 200),
        lambda f: reverse("sgreports:batch", kwargs={"pk": f["candidate"].batch_id}),
    ),
    "sgreports:candidate": Row(
        (SIGN_IN, 403, 200, 200, 200, 200),
        lambda f: reverse("sgreports:candidate", kwargs={"pk": f["candidate"].pk}),
    ),
    "sgreports:candidate_quick": Row(
        (SIGN_IN, 405, 405, 405, 405, 405),
        lambda f: reverse("sgreports:candidate_quick", kwargs={"pk": f["candidate"].pk}),
    ),
    # The anonymous risk self-assessment: public, nothing stored server-side.
    "assessments:start": Row(PUBLIC, plain("assessments:start")),
    "assessments:step": Row(POST_ONLY, plain("assessments:step")),
    "assessments:exit": Row((302,) * 6, plain("assessments:exit")),
    "assessments:pdf": Row(POST_ONLY, plain("assessments:pdf")),
    "assessments:save": Row(POST_ONLY, plain("assessments:save")),
    "assessments:load": Row(PUBLIC, plain("assessments:load")),
    # Staff keep a finished assessment with an entry: it holds the defender's own contacts and
    # notes, so it is confidential like evidence (viewers refused, the outsider sees no entry).
    "assessments:attach": Row(POST_ONLY, plain("assessments:attach")),
    "assessments:attached": Row(
        ENTRY_CONFIDENTIAL,
        lambda f: reverse("assessments:attached", kwargs={"pk": f["assessment"].pk}),
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


ENTRY_FORM = {
    "kind": "named",
    "title": "Posted by the write matrix",
    "country": "COL",
    "year": "2024",
    "status": "open",
    "subject_kind": "individual",
    "body": ["hrc"],
    "reprisal_type": ["threats_intimidation"],
}
CANDIDATE_TEXT = "A defender who spoke at the Council session was later followed and threatened."


def finished_assessment_state() -> str:
    """The sealed state of a finished anonymous assessment, as its last page carries it."""
    from amparo.assessments.tests.test_wizard import token_of, walk

    return token_of(walk(Client())[-1])


@pytest.fixture
def world(admin_user, coordinator, documenter, viewer, outsider) -> dict[str, Any]:
    """Entry A, restricted, naming viewer, documenter and coordinator (not the outsider), with
    a subject, a consent, an evidence file and an attached assessment; entry B, open to all
    staff, with a subject of its own; an imported report's candidate that continues entry A."""
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
    evidence = services.add_evidence(
        documenter, entry, SimpleUploadedFile("statement.txt", b"Statement of the witness.")
    )
    other = services.open_entry(
        documenter, {"kind": "named", "title": "Open entry", "country": "PER"}
    )
    other_subject = services.add_subject(
        documenter, other, {"kind": "individual", "name": "Beto Prueba"}
    )
    state = finished_assessment_state()
    assessment = EntryAssessment.objects.create(
        entry=entry, data=open_state(state), created_by=documenter
    )
    report = Report.objects.create(symbol="A/HRC/99/10", year=2024, layout_era="annexes")
    batch = ImportBatch.objects.create(report=report, text=CANDIDATE_TEXT, state=BatchState.DONE)
    candidate = Candidate.objects.create(
        batch=batch,
        annex="I",
        paragraph=1,
        country="COL",
        kind="named",
        text=CANDIDATE_TEXT,
        match_ref=entry.ref,
        possible_matches=[{"ref": entry.ref, "score": 1.0}],
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
    return {
        "entry": entry,
        "subject": subject,
        "consent": consent,
        "evidence": evidence,
        "assessment": assessment,
        "other": other,
        "other_subject": other_subject,
        "candidate": candidate,
        "state": state,
        "users": users,
        "clients": clients,
    }


def open_state(token: str) -> dict[str, Any]:
    from amparo.assessments import state as state_module

    return state_module.unseal(token)


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


# --- Writes: every URL POSTed by every persona ------------------------------------------------

STAFF = frozenset({"viewer", "documenter", "coordinator", "admin", "outsider"})
EDITORS = frozenset({"documenter", "coordinator", "admin", "outsider"})
NAMED_EDITORS = frozenset({"documenter", "coordinator", "admin"})
EVERYONE = frozenset(PERSONAS)
# Tables a request may touch whoever makes it: the session (last-seen time, sign-out), the
# lockout's own bookkeeping, and the audit log, checked on its own: reads are audited, and so
# is every refusal ("access.denied"), but a refused write leaves no other event.
VOLATILE_TABLES = frozenset({"django_session", "accounts_auditevent"})
VOLATILE_PREFIX = "axes_"
REFUSAL_EVENTS = frozenset({"access.denied"})


@dataclass(frozen=True)
class Write:
    """Who may change the database through a URL, and a form that would change it."""

    allowed: frozenset[str]
    data: Callable[[dict[str, Any]], dict[str, Any]]
    prover: str | None = "documenter"  # posts last; the database must then have changed


def same(data: dict[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda f: data


def report_upload(f: dict[str, Any]) -> dict[str, Any]:
    text = f"A/HRC/99/10\nAnnex I\nColombia\n1. {CANDIDATE_TEXT}\n".encode()
    return {"report": "A/HRC/99/10", "file": SimpleUploadedFile("report.txt", text)}


WRITES: dict[str, Write] = {
    # Signing in and out writes for anyone (attempts, audit, session); the language is a cookie.
    "accounts:login": Write(EVERYONE, same({"username": "ada_admin", "password": "wrong"}), None),
    "accounts:logout": Write(EVERYONE, same({}), None),
    "admin_logout": Write(EVERYONE, same({}), None),
    # Each staff member may replace their own recovery codes, and only their own.
    "accounts:security": Write(
        STAFF, same({"action": "recovery_codes", "codes-password": "a long test passphrase 42"})
    ),
    # The Django admin: only administrators pass its permission check.
    "admin:index": Write(frozenset({"admin"}), same({}), None),
    "admin:accounts_user_changelist": Write(
        frozenset({"admin"}),
        lambda f: {
            "action": "deactivate",
            "_selected_action": [f["users"]["outsider"].pk],
        },
        "admin",
    ),
    "cases:create": Write(EDITORS, same(ENTRY_FORM)),
    "cases:edit": Write(NAMED_EDITORS, same(ENTRY_FORM | {"title": "Changed by a post"})),
    "cases:record_new": Write(NAMED_EDITORS, same({"kind": "individual", "name": "Posted Name"})),
    "cases:record_edit": Write(NAMED_EDITORS, same({"kind": "individual", "name": "Renamed"})),
    "cases:record_delete": Write(NAMED_EDITORS, same({})),
    "cases:consent_withdraw": Write(
        NAMED_EDITORS, same({"withdrawn_on": "2025-02-01", "note": "By phone"})
    ),
    "referrals:entry_record_sent": Write(
        NAMED_EDITORS,
        same({"avenue": "senior_official", "taken_on": "2025-03-01", "reference": "R-1"}),
    ),
    "sgreports:upload": Write(EDITORS, report_upload),
    # The candidate continues entry A: only editors named on A may write into it.
    "sgreports:candidate": Write(
        NAMED_EDITORS, lambda f: {"action": "merge", "ref": f["entry"].ref}
    ),
    "sgreports:candidate_quick": Write(NAMED_EDITORS, same({"action": "follow_up"})),
    # Each staff member may create their own calendar feed address.
    "sgreports:calendar_subscription": Write(STAFF, same({"action": "create"})),
    "assessments:attach": Write(
        NAMED_EDITORS, lambda f: {"state": f["state"], "entry_ref": f["entry"].ref}
    ),
}


def snapshot() -> dict[str, list[str]]:
    """Every row of every table (but the volatile ones), in a comparable form."""
    tables = [
        t
        for t in connection.introspection.table_names()
        if t not in VOLATILE_TABLES and not t.startswith(VOLATILE_PREFIX)
    ]
    rows: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows[table] = sorted(repr(row) for row in cursor.fetchall())
    return rows


def audit_actions_since(count: int) -> set[str]:
    return set(AuditEvent.objects.order_by("id").values_list("action", flat=True)[count:])


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return sorted(t for t in before.keys() | after.keys() if before.get(t) != after.get(t))


def refused(response: Any) -> bool:
    """Sent to sign in, refused, not found, or the method is not allowed (or a form error)."""
    if response.status_code == 302:
        return response.url.startswith(("/accounts/login/", "/admin/login/"))
    return response.status_code in (400, 403, 404, 405)


def test_every_write_rule_names_a_url_in_the_matrix():
    assert not set(WRITES) - set(MATRIX)
    for name, write in WRITES.items():
        assert write.prover is None or write.prover in write.allowed, name


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_a_post_changes_nothing_unless_the_persona_may_write(name, world):
    row, write = MATRIX[name], WRITES.get(name)
    url = row.build(world)
    allowed = write.allowed if write else frozenset()
    for persona in PERSONAS:
        if persona in allowed:
            continue
        before, events = snapshot(), AuditEvent.objects.count()
        response = world["clients"][persona].post(url, write.data(world) if write else {})
        assert response.status_code < 500, (persona, url)
        assert changed_tables(before, snapshot()) == [], (persona, url)
        if write is not None:
            assert refused(response), (persona, url, response.status_code)
            assert audit_actions_since(events) <= REFUSAL_EVENTS, (persona, url)
    if write is not None and write.prover:
        before = snapshot()
        response = world["clients"][write.prover].post(url, write.data(world))
        assert changed_tables(before, snapshot()), (write.prover, url, response.status_code)


@pytest.mark.django_db
def test_no_one_but_an_administrator_changes_a_role_through_the_admin(world):
    for persona in ("viewer", "documenter", "coordinator", "outsider"):
        user = world["users"][persona]
        url = reverse("admin:accounts_user_change", args=[user.pk])
        data = {"username": user.username, "role": "admin", "is_active": "on"}
        response = world["clients"][persona].post(url, data)
        assert refused(response), persona
        user.refresh_from_db()
        assert user.role == persona.replace("outsider", "documenter") and not user.is_staff


# --- Ownership: one entry's records through another entry's URL -------------------------------

OWNED = {
    "cases:record_edit": lambda f: {"kind": "subjects", "pk": f["subject"].pk},
    "cases:record_delete": lambda f: {"kind": "subjects", "pk": f["subject"].pk},
    "cases:consent_withdraw": lambda f: {"pk": f["consent"].pk},
    "cases:evidence_download": lambda f: {"pk": f["evidence"].pk, "variant": "original"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(OWNED))
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("persona", ["admin", "documenter", "outsider"])
def test_a_record_of_entry_a_is_not_found_under_entry_b(name, method, persona, world):
    """Entry B is open to every editor; the record belongs to entry A."""
    url = reverse(name, kwargs={"uuid": world["other"].uuid, **OWNED[name](world)})
    data = WRITES[name].data(world) if name in WRITES and method == "post" else {}
    before, events = snapshot(), AuditEvent.objects.count()
    response = getattr(world["clients"][persona], method)(url, data)
    assert response.status_code == 404, url
    assert changed_tables(before, snapshot()) == []
    assert audit_actions_since(events) <= REFUSAL_EVENTS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("sgreports:candidate", lambda f: {"action": "merge", "ref": f["entry"].ref}),
        ("sgreports:candidate_quick", lambda f: {"action": "follow_up"}),
        ("assessments:attach", lambda f: {"state": f["state"], "entry_ref": f["entry"].ref}),
        ("referrals:entry_record_sent", None),
    ],
)
def test_the_outsider_cannot_write_into_an_entry_restricted_to_others(name, data, world):
    """The outsider may edit entry B but is not named on entry A: every way into A fails."""
    url = MATRIX[name].build(world)
    payload = data(world) if data else WRITES[name].data(world)
    before, events = snapshot(), AuditEvent.objects.count()
    response = world["clients"]["outsider"].post(url, payload)
    assert response.status_code < 500
    assert changed_tables(before, snapshot()) == []
    assert audit_actions_since(events) <= REFUSAL_EVENTS
    # The same post into entry B goes through, so the refusal above was about entry A.
    if name == "sgreports:candidate":
        response = world["clients"]["outsider"].post(
            url, {"action": "merge", "ref": world["other"].ref}
        )
        assert response.status_code == 302 and Candidate.objects.get().entry == world["other"]


def test_census_of_the_matrix(capsys):
    """The figure for docs/security/figures.md (shown with -s): requests the matrix makes."""
    gets = posts = len(MATRIX) * len(PERSONAS)
    ownership = len(OWNED) * 2 * 3 + 4 + 1
    escalation = 4
    with capsys.disabled():
        print(
            f"\nurl matrix: {len(MATRIX)} routes x {len(PERSONAS)} personas x 2 methods = "
            f"{gets + posts} requests; {ownership} ownership and {escalation} role-change posts"
        )
    assert gets + posts >= 2 * 6 * 50
