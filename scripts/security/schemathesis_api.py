"""Schemathesis against the open data API, as anonymous and as two signed-in staff members.

Run by ``scripts/security/20-schemathesis``; not a test. For each database (SQLite, and
PostgreSQL when PG_URL is set) it:

1. prepares a data dir of its own with ``amparo setup`` and ``amparo demo --count 150`` (about
   a fifth unpublished), then seeds entries that must never be served (unpublished, consent
   withdrawn, no consent, restricted and unpublished) with a marker in every confidential field,
   and two staff members (a coordinator and a documenter) with a confirmed authenticator;
2. starts ``amparo runserver`` on a free loopback port;
3. signs each staff member in through the real pages (password, then a TOTP code);
4. runs ``schemathesis run`` on /api/openapi.json once per user with every built-in check and
   the checks of this file (no hidden ref, no marker, a staff answer equal to the anonymous one);
5. asks every hidden ref of the API as every user (each must 404), and walks the whole list and
   both exports as every user (they must hold exactly the public refs, and agree).

Writes ``$AMPARO_SECURITY_OUT/schemathesis.json`` and exits 1 on any failure.

When schemathesis loads this file as its hooks module (SCHEMATHESIS_HOOKS), only the checks at
the bottom are registered.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
MAX_EXAMPLES = int(os.environ.get("AMPARO_SCHEMATHESIS_EXAMPLES", "25"))
DEMO_ENTRIES = 150  # a fifth unpublished; small, so each export stays quick
# The coverage phase (every boundary and type of every parameter, about 600 cases) runs for the
# anonymous visitor; the staff runs repeat the fuzzing and stateful phases, each request also
# sent without the session to compare. AMPARO_SCHEMATHESIS_FULL=1 runs every phase for everyone.
FULL = os.environ.get("AMPARO_SCHEMATHESIS_FULL") == "1"
# Every built-in check, listed here rather than `--checks all` on the command line, which would
# override the per-operation line below. object_level_authorization is left out: it compares
# objects each user owns, and the public API has none (every user reads the same public set;
# probe() and credentials_do_not_widen check that instead). ignored_auth runs but has nothing
# to check: the API declares no security scheme, every operation is public.
# The exports are portal views: an unknown method meets Django's CSRF check (403) before the
# view's 405. Not a leak; until portal.views.public_page is csrf_exempt like the API views,
# that one check is off for those two operations (and listed in the figures).
BUILTIN_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
)
CONFIG = "[checks]\n" + "".join(f"{name}.enabled = true\n" for name in BUILTIN_CHECKS)
SEED = 20250701
PASSWORD = "schemathesis staff passphrase 42"  # noqa: S105 - a throwaway database
STAFF = {"st-coordinator": "coordinator", "st-documenter": "documenter"}
MARKER = "ZQXSTMARKER"
# Hidden entries seeded on top of the demo data: ref -> how it is hidden.
HIDDEN = {
    "ST-UNPUBLISHED": {"published": False, "consent": True},
    "ST-WITHDRAWN": {"published": True, "consent": "withdrawn"},
    "ST-NOCONSENT": {"published": True, "consent": False},
    "ST-RESTRICTED": {"published": False, "consent": True, "restricted": True},
}


# --- Seeding (runs in a child process with Django set up) -----------------------------------


def seed() -> None:
    """Hidden entries with markers, one public marked entry, the staff; print what was made."""
    import datetime

    import django

    django.setup()
    from amparo.accounts.models import TOTPDevice, User
    from amparo.cases import services
    from amparo.cases.models import Entry

    staff = {}
    for username, role in STAFF.items():
        user = User.objects.create_user(username=username, password=PASSWORD, role=role)
        device = TOTPDevice(user=user, secret=_base32())
        device.confirmed = True
        device.save()
        staff[username] = device.secret
    actor = User.objects.get(username="st-coordinator")

    def consent(entry: Any, purpose: str = "publish_in_portal") -> Any:
        return services.record_consent(
            actor,
            entry,
            {
                "purpose": purpose,
                "given_by": "person",
                "method": "written",
                "given_on": datetime.date(2024, 1, 5),
                "limits": f"{MARKER}-limits",
            },
        )

    def marked(ref: str, published: bool, restricted: bool = False) -> Any:
        entry = services.open_entry(
            actor,
            {
                "ref": ref,
                "kind": "named",
                "title": f"Zebulonhidden {ref}" if ref != "ST-PUBLIC" else "Public marked entry",
                "summary": "Seeded by the schemathesis run.",
                "country": "BHR",
                "year": 2021,
                "subject_kind": "individual",
                "published": published,
                "restricted": restricted,
                "notes": f"{MARKER}-notes",
                "body": ["hrc"],
            },
        )
        services.add_subject(
            actor,
            entry,
            {
                "kind": "individual",
                "name": f"{MARKER}-name",
                "aliases": [f"{MARKER}-alias"],
                "contact": f"{MARKER}-contact",
            },
        )
        services.add_incident(
            actor,
            entry,
            {"place": f"{MARKER}-place", "description": f"{MARKER}-incident"},
        )
        return entry

    for ref, how in HIDDEN.items():
        entry = marked(ref, how["published"], how.get("restricted", False))
        if how["consent"]:
            given = consent(entry)
            if how["consent"] == "withdrawn":
                services.withdraw_consent(actor, given, note=f"{MARKER}-withdrawal")
    consent(marked("ST-PUBLIC", True))

    public = set(Entry.objects.public().values_list("ref", flat=True))
    hidden = sorted(set(Entry.objects.values_list("ref", flat=True)) - public)
    print(json.dumps({"staff": staff, "public": sorted(public), "hidden": hidden}))


def _base32() -> str:
    import pyotp

    return pyotp.random_base32()


# --- The run ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def amparo_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AMPARO_", "DATABASE_URL"))}
    env |= {
        "AMPARO_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "amparo.config.settings",
        "AMPARO_LOG_LEVEL": "WARNING",
        # Thousands of generated requests from one address: the rate limits (ADR 0016, tested
        # in amparo/security/tests/test_ratelimit.py) would answer most of them with 429.
        "AMPARO_RATELIMIT_API_PER_MINUTE": "0",
        "AMPARO_RATELIMIT_EXPORT_PER_MINUTE": "0",
        "AMPARO_RATELIMIT_COSTLY_TOTAL_PER_MINUTE": "0",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def prepare(data_dir: Path, database_url: str | None) -> dict[str, Any]:
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = amparo_env(data_dir, database_url)
    subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [PYTHON, "-m", "amparo", "setup"], env=env, check=True, capture_output=True, cwd=ROOT
    )
    subprocess.run(  # noqa: S603
        [PYTHON, "-m", "amparo", "demo", "--count", str(DEMO_ENTRIES)],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    out = subprocess.run(  # noqa: S603
        [PYTHON, __file__, "--seed"], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def start_server(data_dir: Path, database_url: str | None, port: int) -> subprocess.Popen[bytes]:
    log = (data_dir / "server.log").open("wb")
    server = subprocess.Popen(  # noqa: S603
        [PYTHON, "-m", "amparo", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=amparo_env(data_dir, database_url),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    import requests

    for _ in range(100):
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2).ok:
                return server
        except requests.ConnectionError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"the server did not start; see {data_dir / 'server.log'}")


def sign_in(base: str, username: str, secret: str) -> dict[str, str]:
    """Password then TOTP through the real pages; the cookies of a session past 2FA."""
    import pyotp
    import requests

    s = requests.Session()

    def post(path: str, data: dict[str, str]) -> requests.Response:
        page = s.get(base + path, timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, f"no CSRF token on {path}"
        return s.post(
            base + path,
            data={"csrfmiddlewaretoken": token[1], **data},
            headers={"Referer": base + path},
            timeout=10,
        )

    post("/accounts/login/", {"username": username, "password": PASSWORD})
    post("/accounts/two-factor/", {"code": pyotp.TOTP(secret).now()})
    check = s.get(base + "/cases/", allow_redirects=False, timeout=10)
    if check.status_code != 200:
        raise SystemExit(f"{username}: not signed in past 2FA ({check.status_code} on /cases/)")
    return dict(s.cookies)


def run_schemathesis(
    base: str, user: str, cookies: dict[str, str], out: Path, seeded: dict[str, Any]
) -> dict[str, Any]:
    report = out / user
    shutil.rmtree(report, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    context = out / f"{user}-context.json"
    context.write_text(
        json.dumps({"base": base, "hidden": seeded["hidden"], "marker": MARKER}), encoding="utf-8"
    )
    config = out / "schemathesis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    phases = "coverage,fuzzing,stateful" if FULL or user == "anonymous" else "fuzzing,stateful"
    args = [
        str(Path(PYTHON).parent / "schemathesis"),
        "--no-color",
        "--config-file",
        str(config),
        "run",
        f"{base}/api/openapi.json",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--phases",
        phases,
        "--report",
        "junit",
        "--report-junit-path",
        str(report / "junit.xml"),
        "--warnings",
        "off",
    ]
    if cookies:
        args += ["-H", "Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items())]
    env = os.environ | {"SCHEMATHESIS_HOOKS": __file__, "AMPARO_ST_CONTEXT": str(context)}
    done = subprocess.run(args, env=env, capture_output=True, text=True)  # noqa: S603
    (out / f"{user}.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    cases = re.search(r"(\d+) generated", done.stdout)
    return {
        "exit": done.returncode,
        "phases": phases,
        "cases": int(cases[1]) if cases else 0,
        **junit_counts(report / "junit.xml"),
    }


def junit_counts(path: Path) -> dict[str, Any]:
    import xml.etree.ElementTree as ET  # noqa: S405 - schemathesis's own report

    if not path.exists():
        return {"operations": 0, "failures": ["no junit report"]}
    root = ET.parse(path).getroot()  # noqa: S314
    cases = root.iter("testcase")
    failures = []
    operations = 0
    for case in cases:
        operations += 1
        for bad in [*case.iter("failure"), *case.iter("error")]:
            failures.append(f"{case.get('name')}: {(bad.get('message') or '')[:300]}")
    return {"operations": operations, "failures": failures}


def probe(base: str, cookies: dict[str, str], seeded: dict[str, Any]) -> dict[str, Any]:
    """Every hidden ref asked of the API; the whole list and both exports read."""
    import requests

    s = requests.Session()
    s.cookies.update(cookies)
    failures: list[str] = []
    requests_made = 0
    for ref in seeded["hidden"]:
        r = s.get(f"{base}/api/entries/{ref}", timeout=10)
        requests_made += 1
        if r.status_code != 404:
            failures.append(f"GET /api/entries/{ref}: {r.status_code}, expected 404")
    listed: list[str] = []
    url: str | None = f"{base}/api/entries?page_size=100&facets=false"
    while url:
        r = s.get(url, timeout=30)
        requests_made += 1
        body = r.json()
        listed += [item["ref"] for item in body["results"]]
        url = body["next"]
        failures += _leaks(r.text, "/api/entries", seeded)
    if sorted(listed) != seeded["public"]:
        failures.append("the API list does not hold exactly the public entries")
    for word in ("Zebulonhidden", MARKER):
        r = s.get(f"{base}/api/entries", params={"q": word}, timeout=10)
        requests_made += 1
        if r.json()["count"] != 0:
            failures.append(f"searching {word!r} finds {r.json()['count']} entries, expected 0")
    exported = {}
    for name in ("export.csv", "export.jsonl"):
        r = s.get(f"{base}/{name}", timeout=60)
        requests_made += 1
        exported[name] = r.text
        failures += _leaks(r.text, name, seeded)
    refs = sorted(json.loads(line)["ref"] for line in exported["export.jsonl"].splitlines())
    if refs != seeded["public"]:
        failures.append("export.jsonl does not hold exactly the public entries")
    return {"requests": requests_made, "failures": failures, "exports": exported}


def _leaks(text: str, where: str, seeded: dict[str, Any]) -> list[str]:
    found = [MARKER] if MARKER in text else []
    found += [ref for ref in seeded["hidden"] if re.search(rf"\b{re.escape(ref)}\b", text)]
    return [f"{where} holds {item}" for item in found]


def postgres_database(pg_url: str) -> str:
    """A fresh database of this script's own beside the one PG_URL names."""
    import psycopg

    parts = urlsplit(pg_url)
    name = (parts.path.lstrip("/") or "amparo") + "_schemathesis"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


def run_backend(label: str, database_url: str | None, out: Path) -> dict[str, Any]:
    data_dir = out / f"data-{label}"
    seeded = prepare(data_dir, database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(data_dir, database_url, port)
    result: dict[str, Any] = {
        "public_entries": len(seeded["public"]),
        "hidden_entries": len(seeded["hidden"]),
        "users": {},
    }
    try:
        users = {"anonymous": {}}
        users |= {name: sign_in(base, name, secret) for name, secret in seeded["staff"].items()}
        probes = {}
        for user, cookies in users.items():
            started = time.monotonic()
            st = run_schemathesis(base, user, cookies, out / label, seeded)
            probes[user] = probe(base, cookies, seeded)
            result["users"][user] = {
                "schemathesis": st,
                "probe_requests": probes[user]["requests"],
                "probe_failures": probes[user]["failures"],
                "seconds": round(time.monotonic() - started, 1),
            }
        anonymous = probes["anonymous"]["exports"]
        for user, found in probes.items():
            if found["exports"] != anonymous:
                result["users"][user]["probe_failures"].append("exports differ from anonymous")
    finally:
        server.terminate()
        server.wait(timeout=20)
    return result


def main() -> int:
    out = Path(os.environ.get("AMPARO_SECURITY_OUT", ROOT / "var" / "security")) / "schemathesis"
    out.mkdir(parents=True, exist_ok=True)
    backends: dict[str, str | None] = {"sqlite": None}
    if os.environ.get("PG_URL"):
        backends["postgresql"] = postgres_database(os.environ["PG_URL"])
    figures: dict[str, Any] = {"max_examples_per_operation": MAX_EXAMPLES, "seed": SEED}
    failed = False
    for label, url in backends.items():
        figures[label] = result = run_backend(label, url, out)
        for user, found in result["users"].items():
            st = found["schemathesis"]
            bad = st["failures"] + found["probe_failures"] + (["exit"] if st["exit"] else [])
            failed |= bool(bad)
            print(
                f"{label:10} {user:15} schemathesis: {st['cases']} cases "
                f"on {st['operations']} operations ({st['phases']}), "
                f"{len(st['failures'])} failures (exit {st['exit']}); "
                f"probes: {found['probe_requests']} requests, "
                f"{len(found['probe_failures'])} failures; {found['seconds']} s"
            )
            for line in bad:
                print("   ", line)
    (out.parent / "schemathesis.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"figures: {out.parent / 'schemathesis.json'}; logs and reports: {out}")
    return 1 if failed else 0


# --- Checks registered when schemathesis loads this file as its hooks module ----------------

if __name__ != "__main__" and os.environ.get("AMPARO_ST_CONTEXT"):
    import requests
    import schemathesis

    _CONTEXT = json.loads(Path(os.environ["AMPARO_ST_CONTEXT"]).read_text(encoding="utf-8"))

    @schemathesis.check
    def no_hidden_entry_or_marker(ctx: Any, response: Any, case: Any) -> None:
        """No unpublished, consent-withdrawn or restricted ref, no confidential marker."""
        text = response.text or ""
        if _CONTEXT["marker"] in text:
            raise AssertionError("a confidential marker is in the response")
        for ref in _CONTEXT["hidden"]:
            if re.search(rf"\b{re.escape(ref)}\b", text):
                raise AssertionError(f"the hidden entry {ref} is in the response")

    @schemathesis.check
    def credentials_do_not_widen(ctx: Any, response: Any, case: Any) -> None:
        """A request with a staff session gets exactly what the same request gets anonymously."""
        sent = response.request
        if "cookie" not in {k.lower() for k in sent.headers}:
            return
        anonymous = requests.request(sent.method, sent.url, timeout=30, allow_redirects=False)
        if (anonymous.status_code, anonymous.content) != (response.status_code, response.content):
            raise AssertionError(
                f"signed in: {response.status_code}, anonymous: {anonymous.status_code}; "
                "the bodies differ"
                if anonymous.status_code == response.status_code
                else f"signed in: {response.status_code}, anonymous: {anonymous.status_code}"
            )


if __name__ == "__main__":
    if sys.argv[1:] == ["--seed"]:
        seed()
        sys.exit(0)
    sys.exit(main())
