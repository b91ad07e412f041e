"""Rate limits (ASVS 2.4.1): costly and bulk routes are limited, reading never is.

The root conftest turns the limits off for the rest of the suite; the fixture below puts the
project's values back and sets the few a test lowers, so each test stays at a handful of
requests. The clock is moved forward instead of sleeping.
"""

from __future__ import annotations

import hashlib
import pickle

import pytest
from django.core.cache import caches
from django.test import Client, RequestFactory
from django.urls import resolve

from amparo.accounts.models import AuditEvent
from amparo.cases.models import Evidence
from amparo.cases.tests.test_evidence import jpeg_with_gps, upload
from amparo.config import settings as project_settings
from amparo.security import ratelimit
from amparo.security.tests.test_headers import assert_protective_headers
from amparo.security.tests.test_surface_anonymous import row_counts
from amparo.security.tests.test_surface_login import every_log_record  # noqa: F401

pytestmark = pytest.mark.django_db

START = 1_800_000_000.0  # the start of a minute and of an hour
ADDRESS_A, ADDRESS_B = "203.0.113.7", "198.51.100.42"


@pytest.fixture
def limits(settings, monkeypatch):
    """The project's limits, a cleared cache and a clock at START; returns a setter."""
    caches[ratelimit.CACHE].clear()
    now = [START]
    monkeypatch.setattr(ratelimit, "clock", lambda: now[0])
    settings.AMPARO_RATELIMITS = dict(project_settings.AMPARO_RATELIMITS)

    class Limits:
        clock = now

        @staticmethod
        def set(**values: int) -> None:
            settings.AMPARO_RATELIMITS = {**settings.AMPARO_RATELIMITS, **values}

    return Limits


def get(client: Client, path: str, address: str = ADDRESS_A, **extra):  # type: ignore[no-untyped-def]
    return client.get(path, REMOTE_ADDR=address, **extra)


def test_the_call_after_the_api_limit_gets_429_from_that_address_only(limits, client):
    limits.set(api=3)
    for _ in range(3):
        assert get(client, "/api/entries").status_code == 200
    refused = get(client, "/api/entries?q=x")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Content-Type"] == "application/json"
    message = refused.json()["error"]["message"]
    assert "at most 3 per 60 seconds" in message and refused["Retry-After"] in message
    assert_protective_headers(refused, "429 /api/entries")
    assert "Set-Cookie" not in refused
    assert get(client, "/api/entries", ADDRESS_B).status_code == 200
    assert get(client, "/api/openapi.json").status_code == 429  # the whole API is one group


def test_the_window_expires_and_the_address_is_served_again(limits, client):
    limits.set(api=1)
    assert get(client, "/api/entries").status_code == 200
    refused = get(client, "/api/entries")
    assert refused.status_code == 429
    limits.clock[0] += int(refused["Retry-After"]) - 1
    assert get(client, "/api/entries").status_code == 429
    limits.clock[0] += 1
    assert get(client, "/api/entries").status_code == 200


def test_reading_the_portal_from_one_address_is_never_counted(limits, client, publish):
    """The Tor case: one exit address, many readers. Only searches have a (generous) limit."""
    entry = publish()
    limits.set(api=1, search=2, export=1, plan=1, costly_total=1)
    reads = ["/", "/?country=BHR&sort=newest", f"/entries/{entry.ref}/", "/analytics/"]
    reads += ["/analytics/map.svg", "/analytics/report/", "/help/", "/assess/"]
    for _ in range(10):
        for path in reads:
            assert get(client, path).status_code == 200, path
    assert caches[ratelimit.CACHE]._cache == {}  # noqa: SLF001 - nothing was even counted
    assert get(client, "/?q=lawyer").status_code == 200
    assert get(client, "/?q=lawyer&page=2").status_code == 200
    assert get(client, "/?q=detained").status_code == 429
    assert get(client, "/").status_code == 200  # reading goes on while searches wait


def test_the_refusal_page_is_in_the_layout_translated_and_says_when(limits, client):
    limits.set(export=1)
    assert get(client, "/export.csv").status_code == 200
    refused = get(client, "/export.jsonl?lang=fr&q=Name-Marker")
    assert refused.status_code == 429
    page = refused.content.decode()
    assert '<html lang="fr"' in page and 'href="/static/' in page  # the site's layout, French
    assert "Name-Marker" not in page  # the query is never echoed
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert_protective_headers(refused, "429 /export.jsonl")
    assert "Set-Cookie" not in refused and "<script>" not in page
    english = get(client, "/export.csv", ADDRESS_A).content.decode()
    assert "Too many requests" in english and "Reading the site is not limited" in english


def test_the_total_of_costly_work_is_capped_whatever_the_addresses(limits, client):
    limits.set(export=2, costly_total=3)
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        assert get(client, "/export.csv", address).status_code == 200
    refused = get(client, "/export.jsonl", "192.0.2.4")
    assert refused.status_code == 429
    assert "as many requests of this kind as it can" in refused.content.decode()
    # Opening a saved plan costs a key derivation: it counts towards the same total.
    plan = client.post("/assess/load/", {"passphrase": "x"}, REMOTE_ADDR="192.0.2.5")
    assert plan.status_code == 429
    assert get(client, "/", "192.0.2.6").status_code == 200
    limits.clock[0] += 60
    assert get(client, "/export.csv", "192.0.2.4").status_code == 200


def test_addresses_behind_the_configured_proxies_are_counted_apart(limits, client, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    limits.set(api=1)
    proxy = "10.0.0.1"
    assert get(client, "/api/entries", proxy, HTTP_X_FORWARDED_FOR=ADDRESS_A).status_code == 200
    assert get(client, "/api/entries", proxy, HTTP_X_FORWARDED_FOR=ADDRESS_B).status_code == 200
    forged = f"{ADDRESS_B}, {ADDRESS_A}"  # the client wrote the left part: ignored
    assert get(client, "/api/entries", proxy, HTTP_X_FORWARDED_FOR=forged).status_code == 429


def test_counters_hold_no_address_in_clear(limits, client):
    limits.set(api=5, export=5)
    for path in ("/api/entries", "/export.csv", "/?q=lawyer"):
        get(client, path, ADDRESS_B)
    cache = caches[ratelimit.CACHE]._cache  # noqa: SLF001 - the stored keys and values
    assert len(cache) == 4  # api, export, search and the costly total
    stored = " ".join(cache) + repr([pickle.loads(v) for v in cache.values()])  # noqa: S301
    plain_hash = hashlib.sha256(f"ip:{ADDRESS_B}".encode()).hexdigest()[:32]
    for clear in (ADDRESS_B, ADDRESS_B.replace(".", ""), "198.51.100", plain_hash):
        assert clear not in stored
    assert any(key.endswith(":all") for key in cache)  # the total: no address at all


def test_a_limited_anonymous_request_writes_nothing_and_logs_only_the_group(
    limits,
    client,
    every_log_record,  # noqa: F811
):
    limits.set(api=1, export=1, plan=1)
    before = row_counts()
    for _ in range(3):
        get(client, "/api/entries")
        get(client, "/export.csv")
        client.post("/assess/load/", {"passphrase": "x"}, REMOTE_ADDR=ADDRESS_A)
    assert get(client, "/api/entries").status_code == 429
    assert row_counts() == before
    mine = {id(r): r.getMessage() for r in every_log_record if r.name == ratelimit.__name__}
    mine = list(mine.values())
    assert len(mine) == 3  # one line per group and window, not one per refused request
    assert any("group api" in line for line in mine)
    assert any("group export" in line for line in mine)
    assert any("group plan" in line for line in mine)
    every_line = "\n".join(r.getMessage() for r in every_log_record)
    assert ADDRESS_A not in every_line


def test_a_staff_members_uploads_hit_the_limit_and_it_is_audited_once(
    limits, client, publish, documenter_client, coordinator_client, documenter
):
    entry = publish()
    limits.set(staff_upload=1)
    url = f"/cases/{entry.uuid}/evidence/new/"

    def post(who: Client):  # type: ignore[no-untyped-def]
        data = {"kind": "photo", "description": "Damage", "file": upload("x.jpg", jpeg_with_gps())}
        return who.post(url, data, REMOTE_ADDR=ADDRESS_A)

    assert post(documenter_client).status_code == 302
    refused = post(documenter_client)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 3600  # the clock stands at the start of an hour
    assert "audit log" in refused.content.decode()
    assert_protective_headers(refused, "429 evidence upload")
    assert post(documenter_client).status_code == 429
    assert Evidence.objects.count() == 1
    events = AuditEvent.objects.filter(action="security.rate_limited")
    assert [(e.actor, e.detail["group"], e.detail["limit"]) for e in events] == [
        (documenter, "staff_upload", 1)
    ]
    assert events.get().detail["path"] == url
    assert post(coordinator_client).status_code == 302  # per account, not per address
    assert documenter_client.get(f"/cases/{entry.uuid}/").status_code == 200  # reading goes on


def test_a_staff_members_evidence_downloads_hit_the_limit(
    limits, publish, documenter_client, documenter
):
    from amparo.cases import services

    entry = publish()
    item = services.add_evidence(
        documenter, entry, upload("x.jpg", jpeg_with_gps()), description="", kind="photo"
    )
    limits.set(staff_download=2)
    url = f"/cases/{entry.uuid}/evidence/{item.pk}/download/shared/"
    assert [documenter_client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    assert AuditEvent.objects.filter(action="security.rate_limited").count() == 1
    limits.clock[0] += 3600
    assert documenter_client.get(url).status_code == 200


ROUTES = [
    ("get", "/api/entries", {}, False, "api"),
    ("get", "/api/", {}, False, "api"),
    ("get", "/?q=lawyer", {}, False, "search"),
    ("get", "/?q=+", {}, False, None),
    ("get", "/?country=BHR", {}, False, None),
    ("get", "/export.csv", {}, False, "export"),
    ("get", "/export.jsonl", {}, False, "export"),
    ("get", "/analytics/report.pdf", {}, False, "export"),
    ("get", "/analytics/report/", {}, False, None),
    ("post", "/assess/plan.pdf", {}, False, "plan"),
    ("post", "/assess/save/", {}, False, "plan"),
    ("post", "/assess/load/", {}, False, "plan"),
    ("get", "/assess/load/", {}, False, None),
    ("post", "/assess/step/", {}, False, None),
    ("get", "/cases/{uuid}/evidence/1/download/shared/", {}, True, "staff_download"),
    ("get", "/cases/{uuid}/evidence/1/download/shared/", {}, False, None),
    ("post", "/help/entries/{uuid}/draft/", {"format": "txt"}, True, "staff_download"),
    ("post", "/help/entries/{uuid}/draft/", {"avenue": "x"}, True, None),
    ("post", "/cases/{uuid}/evidence/new/", {}, True, "staff_upload"),
    ("get", "/cases/{uuid}/evidence/new/", {}, True, None),
    ("post", "/cases/{uuid}/incidents/new/", {}, True, None),
    ("post", "/reports/import/", {}, True, "staff_upload"),
    ("post", "/cases/{uuid}/edit/", {}, True, None),
    ("get", "/cases/?q=lawyer", {}, True, None),
]


@pytest.mark.parametrize(("method", "path", "data", "staff", "group"), ROUTES)
def test_each_costly_route_belongs_to_its_group(method, path, data, staff, group, documenter):
    from django.contrib.auth.models import AnonymousUser

    path = path.format(uuid="6f1c1c3e-0000-4000-8000-000000000000")
    request = getattr(RequestFactory(), method)(path, data)
    request.user = documenter if staff else AnonymousUser()
    try:
        request.resolver_match = resolve(request.path)
    except Exception:  # noqa: BLE001 - a path that resolves nowhere is in no group
        request.resolver_match = None
    assert ratelimit.group_of(request) == group
