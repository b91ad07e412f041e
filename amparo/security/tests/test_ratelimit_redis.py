"""Rate-limit counters shared in Redis (docs/adr/0025): one count for every server process.

A Redis of the test's own (Debian's redis-server on a free loopback port, nothing kept on disk)
holds the counters. In-process tests show what lands in Redis and what happens when it stops;
the last test runs two Amparo servers side by side, as two gunicorn processes would be, and
counts what a client gets from both together, with Redis and without.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from amparo.security import ratelimit
from amparo.security.tests.production import (
    clean_env,
    exited,
    free_port,
    run_amparo,
    start_gunicorn,
)
from amparo.security.tests.test_ratelimit import ADDRESS_A, ADDRESS_B, get, limits  # noqa: F401
from amparo.security.tests.test_surface_login import every_log_record  # noqa: F401
from amparo.security.transport import redis_problems

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class RedisServer:
    """Debian's redis-server on a loopback port, in memory only; stopped and started at will."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - Debian's redis-server, fixed arguments
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.directory), "--logfile", ""],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not answer within 30 seconds")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=1)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory) -> Iterator[RedisServer]:
    if not shutil.which(REDIS_SERVER):
        pytest.fail("redis-server is not installed: run `make redis` (Debian's redis-server)")
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def shared(redis_server, limits, settings):  # noqa: F811 - the fixture imported above
    """The project's limits, counted in the test's Redis, emptied first."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.client().flushdb()
    settings.AMPARO_RATELIMIT_REDIS_URL = redis_server.url
    ratelimit._Shared.paused_until = 0.0
    yield limits
    ratelimit._Shared.paused_until = 0.0


pytestmark = pytest.mark.django_db


def test_counters_land_in_redis_hashed_with_their_expiry(shared, redis_server, client):
    shared.set(api=3)
    for _ in range(3):
        assert get(client, "/api/entries").status_code == 200
    assert get(client, "/api/entries").status_code == 429
    assert get(client, "/api/entries", ADDRESS_B).status_code == 200
    store = redis_server.client()
    keys = sorted(k.decode() for k in store.keys("*"))
    assert len(keys) == 2 and all(k.startswith("amparo:rl:api:") for k in keys), keys
    assert not any(address in k for k in keys for address in (ADDRESS_A, ADDRESS_B))
    assert sorted(int(store.get(k)) for k in keys) == [1, 4]
    assert all(0 < store.ttl(k) <= 61 for k in keys)
    # Nothing was counted in this process's own memory: another process sees the same counts.
    local = caches[ratelimit.CACHE]
    assert all(local.get(k.removeprefix(ratelimit.REDIS_PREFIX)) is None for k in keys)


def test_a_second_process_sees_the_same_count(shared, client):
    """Forgetting this process's client and its memory changes nothing: the count is in Redis."""
    shared.set(export=2)
    assert get(client, "/export.csv").status_code == 200
    ratelimit._Shared.clients.clear()
    caches[ratelimit.CACHE].clear()
    assert get(client, "/export.csv").status_code == 200
    assert get(client, "/export.csv").status_code == 429


def test_when_redis_stops_each_process_counts_alone_and_says_so_once(
    shared,
    redis_server,
    client,
    every_log_record,  # noqa: F811 - the fixture imported above
):
    shared.set(api=2)
    assert get(client, "/api/entries").status_code == 200
    redis_server.stop()
    started = time.monotonic()
    answers = [get(client, "/api/entries").status_code for _ in range(4)]
    elapsed = time.monotonic() - started
    # Served, then limited by this process's own count: nobody is refused because Redis is down.
    assert answers == [200, 200, 429, 429]
    assert elapsed < 2, f"{elapsed:.2f} s: a stopped Redis must not hold requests up"
    # A record reaches the test's handler once per logger it passes: counted once each.
    failures = list(
        {id(r): r for r in every_log_record if "Redis did not answer" in r.getMessage()}.values()
    )
    assert len(failures) == 1 and failures[0].levelno == logging.ERROR
    assert redis_server.url not in failures[0].getMessage()
    # After the pause the process tries Redis again, and counts there once it is back.
    redis_server.start()
    ratelimit._Shared.paused_until = 0.0
    assert get(client, "/api/entries").status_code == 200
    assert [int(redis_server.client().get(k)) for k in redis_server.client().keys("*")] == [1]


def test_the_deploy_check_reports_a_redis_that_does_not_answer(shared, redis_server, settings):
    call_command("check", "--deploy", "--tag", "security", verbosity=0)  # answers: no warning
    settings.AMPARO_RATELIMIT_REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    with pytest.raises(SystemCheckError, match=r"ratelimit\.W001"):
        call_command("check", "--deploy", "--tag", "security", "--fail-level", "WARNING")


@pytest.mark.parametrize(
    ("url", "warned"),
    [
        ("redis://10.0.0.5:6379/0", True),
        ("redis://:secret@redis.example.org:6379/0", True),
        ("rediss://redis.example.org:6380/0", False),
        ("redis://127.0.0.1:6379/0", False),
        ("redis://localhost/1", False),
        ("redis://[::1]:6379/0", False),
        ("unix:///run/redis/redis-server.sock", False),
        ("", False),
    ],
)
def test_plain_redis_on_another_host_is_reported(url, warned):
    problems = redis_problems(url)
    assert [p.id for p in problems] == (["transport.W003"] if warned else [])
    assert all("secret" not in p.msg for p in problems)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:6379", "127.0.0.1:6379", "redis://", "memcached://10.0.0.5"]
)
def test_a_url_amparo_cannot_use_stops_start_up_naming_the_variable(tmp_path, url):
    env = clean_env(AMPARO_DATA_DIR=str(tmp_path), AMPARO_RATELIMIT_REDIS_URL=url)
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "amparo", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "AMPARO_RATELIMIT_REDIS_URL" in result.stderr and "Traceback" not in result.stderr


def serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    return start_gunicorn(env, port, log), port, log


def status(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=20) as response:  # noqa: S310
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def wait_until_served(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        exited(server, "gunicorn", log)
        try:
            status(port, "/")
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not answer within 60 seconds")


@pytest.mark.django_db(False)
def test_two_server_processes_share_one_limit_through_redis(redis_server, tmp_path):
    """Five exports a minute: from two processes, 5 with Redis, 10 without (the control)."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.client().flushdb()
    env = clean_env(
        AMPARO_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'amparo.sqlite3'}",
        AMPARO_SECRET_KEY="the same key in both processes, as in one deployment " * 2,
        AMPARO_ALLOWED_HOSTS="127.0.0.1",
        AMPARO_RATELIMIT_EXPORT_PER_MINUTE="5",
        AMPARO_LOG_LEVEL="CRITICAL",
    )
    run_amparo(env, "migrate", "--verbosity", "0")
    shared = env | {"AMPARO_RATELIMIT_REDIS_URL": redis_server.url}
    pairs = {
        "redis": [serve(shared, tmp_path / f"redis-{n}.log") for n in "ab"],
        "alone": [serve(env, tmp_path / f"alone-{n}.log") for n in "ab"],
    }
    servers = [server for pair in pairs.values() for server in pair]
    try:
        for server, port, log in servers:
            wait_until_served(server, port, log)
        # Fixed windows of a minute: start early enough in one that all requests fall in it.
        if time.time() % 60 > 40:
            time.sleep(61 - time.time() % 60)
        served = {}
        for name, pair in pairs.items():
            answers = [status(pair[i % 2][1], "/export.csv") for i in range(12)]
            assert set(answers) <= {200, 429}, answers
            served[name] = answers.count(200)
        assert served == {"redis": 5, "alone": 10}
    finally:
        for server, _, _ in servers:
            server.terminate()
            server.wait(timeout=30)
