"""Crash harness (issue 7 §3): SIGKILL during writes, then integrity and durability checks.

Each trial forks writer processes that create entries, subjects and actions through Amparo's own
services (the code path of the web views), and report each write once its transaction has
committed. The harness appends every reported id to a log it fsyncs, kills at a random moment,
restarts, and checks:

* SQLite (WAL, synchronous=FULL, the application's settings): the writers are the database's
  only processes, so they are what is killed. Then ``PRAGMA integrity_check`` and
  ``PRAGMA foreign_key_check`` on a new connection (which replays the WAL).
* PostgreSQL: a throwaway cluster of the harness's own (initdb in a temporary folder, another
  port, data checksums on, default fsync and synchronous_commit). Every server process
  (postmaster and backends) gets SIGKILL, like a power cut or the OOM killer; the server then
  restarts and replays its WAL. Then amcheck (``bt_index_check`` with heapallindexed on every
  B-tree index, ``verify_heapam`` on every table) and a full read of every table. The shared
  server at 127.0.0.1:5432 that the test suites use is never touched.

Both: ``amparo audit_verify`` (the audit log's hash chain), and every acknowledged write is
present and its confidential value decrypts. Figures go to $AMPARO_SECURITY_OUT/crash.json.

    .venv/bin/python scripts/security/crash_harness.py --sqlite-trials 120 --pg-trials 80
"""

from __future__ import annotations

import argparse
import ctypes
import datetime
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

PG_BIN = Path(os.environ.get("AMPARO_PG_BIN", "/usr/lib/postgresql/15/bin"))
WRITERS = 2


def subreaper() -> None:
    """Orphaned server processes become our children, so we reap them (no zombie holds a pid)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A PostgreSQL cluster of our own in a temporary folder, run as the postgres user if root."""

    def __init__(self, root: Path) -> None:
        self.root, self.data, self.port = root, root / "data", free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.process: subprocess.Popen[bytes] | None = None
        if self.user:
            shutil.chown(root, self.user)
        subprocess.run(  # noqa: S603 - fixed binaries, our own arguments
            [str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
            + ["--data-checksums", "-N"],
            user=self.user,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/amparo_crash"

    def start(self) -> None:
        log = (self.root / "server.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [str(PG_BIN / "postgres"), "-D", str(self.data), "-p", str(self.port)]
            + ["-k", str(self.root), "-c", "listen_addresses=127.0.0.1"]
            + ["-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "full_page_writes=on"]
            + ["-c", "max_connections=20", "-c", "shared_buffers=32MB"]
            + ["-c", "recovery_init_sync_method=syncfs"],
            user=self.user,
            stdout=log,
            stderr=log,
        )
        for _ in range(300):
            probe = [str(PG_BIN / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]
            probe += ["-U", "postgres"]
            if subprocess.run(probe, check=False).returncode == 0:  # noqa: S603
                return
            if self.process.poll() is not None:
                raise SystemExit(f"PostgreSQL did not start: see {self.root / 'server.log'}")
            time.sleep(0.05)
        raise SystemExit("PostgreSQL did not answer within 15 s")

    def processes(self) -> list[int]:
        assert self.process is not None
        pids = [self.process.pid]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend at once, then wait until all are gone."""
        pids = self.processes()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert self.process is not None
        self.process.wait()
        deadline = time.monotonic() + 10
        while any(Path(f"/proc/{pid}").exists() for pid in pids[1:]):
            reap()
            if time.monotonic() > deadline:
                raise SystemExit("PostgreSQL backends survived SIGKILL")
            time.sleep(0.01)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            self.process.wait(timeout=30)


def configure(data_dir: Path, url: str) -> None:
    os.environ["AMPARO_DATA_DIR"] = str(data_dir)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "amparo.config.settings"
    os.environ["AMPARO_LOG_LEVEL"] = "CRITICAL"
    import django

    django.setup()


def prepare() -> None:
    from django.core.management import call_command
    from django.db import connection

    from amparo.accounts.models import User

    if connection.vendor == "postgresql":
        from psycopg import connect

        admin = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        with connect(admin, autocommit=True) as pg:
            pg.execute("CREATE DATABASE amparo_crash")
    call_command("migrate", verbosity=0)
    User.objects.create_user(
        "crash_writer",
        password="not used by the harness 42",  # noqa: S106
        role="documenter",
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
    connection.close()
    # The keyring exists before any writer starts, as `amparo keyring_create` makes it in
    # production: two processes creating it at once would each write their own.
    from amparo.security.keys import keyring

    keyring()


def writer(out: int, seed: int) -> None:
    """In a forked child: write through the services until killed; report each commit."""
    from django.db import DatabaseError, IntegrityError

    from amparo.accounts.models import User
    from amparo.cases import services

    rng = random.Random(seed)
    user = User.objects.get(username="crash_writer")
    os.write(out, b"ready\n")
    n = 0
    while True:
        n += 1
        tag = f"{seed}-{n}"
        try:
            entry = services.open_entry(
                user,
                {
                    "kind": "named",
                    "title": f"Crash trial {tag}",
                    "country": rng.choice(["COL", "BHR", "PHL"]),
                    "notes": f"notes {tag}",
                },
            )
            os.write(out, f"entry {entry.uuid} {tag}\n".encode())
            subject = services.add_subject(user, entry, {"kind": "individual", "name": f"n {tag}"})
            os.write(out, f"subject {subject.id} {tag}\n".encode())
            today = datetime.date.today()
            action = services.add_action(
                user, entry, {"avenue": "senior_official", "taken_on": today}
            )
            os.write(out, f"action {action.id} {tag}\n".encode())
        except IntegrityError:
            continue  # two writers drew the same reference: not acknowledged, try again
        except DatabaseError:
            time.sleep(0.01)  # the server is gone: nothing more can be acknowledged


def run_writers(seed: int) -> tuple[list[int], list[int]]:
    from django.db import connections

    connections.close_all()
    pids, reads = [], []
    for w in range(WRITERS):
        r, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(r)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            try:
                writer(wfd, seed * 10 + w)
            finally:
                os._exit(0)
        os.close(wfd)
        pids.append(pid)
        reads.append(r)
    return pids, reads


def wait_ready(reads: list[int]) -> list[bytes]:
    buffers = []
    for r in reads:
        data = b""
        while b"ready\n" not in data:
            chunk = os.read(r, 4096)
            if not chunk:
                raise SystemExit("a writer died before it was ready")
            data += chunk
        buffers.append(data.split(b"ready\n", 1)[1])
    return buffers


def collect(reads: list[int], buffers: list[bytes], log) -> list[str]:  # type: ignore[no-untyped-def]
    """Every complete line the writers sent before dying, appended to the fsync'd log."""
    lines = []
    for r, data in zip(reads, buffers, strict=True):
        while chunk := os.read(r, 65536):
            data += chunk
        os.close(r)
        lines += [line.decode() for line in data.split(b"\n")[:-1]]  # a cut last line: not sent
    log.write("".join(line + "\n" for line in lines))
    log.flush()
    os.fsync(log.fileno())
    return lines


def check_sqlite(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        problems = [row[0] for row in db.execute("PRAGMA integrity_check") if row[0] != "ok"]
        problems += [f"foreign key: {row}" for row in db.execute("PRAGMA foreign_key_check")]
    finally:
        db.close()
    return problems


AMCHECK_INDEXES = """
SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.amname = 'btree' AND n.nspname = 'public' AND c.relpersistence = 'p' AND i.indisvalid
"""


def check_postgres() -> list[str]:
    from django.db import connection

    problems = []
    with connection.cursor() as cursor:
        cursor.execute(AMCHECK_INDEXES)
        for (index,) in cursor.fetchall():
            cursor.execute("SELECT bt_index_check(%s::regclass, true)", [index])
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            cursor.execute("SELECT * FROM verify_heapam(%s::regclass)", [table])
            problems += [f"{table}: {row}" for row in cursor.fetchall()]
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - introspected names
            cursor.fetchall()
    return problems


def check_acknowledged(lines: list[str]) -> list[str]:
    """Every acknowledged write is there and its confidential value decrypts."""
    from amparo.cases.models import Action, Entry, Subject

    want: dict[str, dict[str, str]] = {"entry": {}, "subject": {}, "action": {}}
    for line in lines:
        kind, ident, tag = line.split()
        want[kind][ident] = tag
    lost = []
    entries = {str(e.uuid): e for e in Entry.objects.filter(uuid__in=list(want["entry"]))}
    for ident, tag in want["entry"].items():
        if ident not in entries or entries[ident].notes != f"notes {tag}":
            lost.append(f"entry {ident}")
    subjects = {str(s.id): s for s in Subject.objects.filter(id__in=list(want["subject"]))}
    for ident, tag in want["subject"].items():
        if ident not in subjects or subjects[ident].name != f"n {tag}":
            lost.append(f"subject {ident}")
    found = {
        str(i)
        for i in Action.objects.filter(id__in=list(want["action"])).values_list("id", flat=True)
    }
    lost += [f"action {i}" for i in want["action"] if i not in found]
    return lost


def audit_chain_breaks() -> set[int]:
    """The events where the hash chain breaks, as `amparo audit_verify` finds them."""
    from amparo.accounts.audit import verify_chain

    return set(verify_chain())


def trials(
    engine: str, count: int, rng: random.Random, work: Path, cluster: Cluster | None
) -> dict:
    from django.db import connections

    figures = {"engine": engine, "trials": 0, "acknowledged": 0, "corruptions": 0, "lost": 0}
    figures["audit_chain_breaks"] = 0
    problems: list[str] = []
    seen_breaks: set[int] = set()
    timing = [0.0, 0.0, 0.0]  # restart, integrity check, audit chain and acknowledged writes
    database = work / "amparo.sqlite3"
    with (work / f"acknowledged-{engine}.log").open("a") as log:
        for trial in range(count):
            pids, reads = run_writers(rng.randrange(1 << 30))
            buffers = wait_ready(reads)
            time.sleep(rng.uniform(0.02, 0.5))
            if cluster:
                cluster.kill()
            for pid in pids:
                os.kill(pid, signal.SIGKILL)
            for pid in pids:
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:  # already reaped while the server's processes were
                    pass
            lines = collect(reads, buffers, log)
            t0 = time.monotonic()
            if cluster:
                cluster.start()
            t1 = time.monotonic()
            found = check_postgres() if cluster else check_sqlite(database)
            t2 = time.monotonic()
            broken = audit_chain_breaks()
            lost = check_acknowledged(lines)
            connections.close_all()
            timing[0] += t1 - t0
            timing[1] += t2 - t1
            timing[2] += time.monotonic() - t2
            figures["trials"] += 1
            figures["acknowledged"] += len(lines)
            figures["corruptions"] += bool(found)
            figures["audit_chain_breaks"] += len(broken - seen_breaks)
            figures["lost"] += len(lost)
            problems += [f"trial {trial}: {p}" for p in found + lost[:5]]
            problems += [
                f"trial {trial}: audit chain broken at event {i}" for i in broken - seen_breaks
            ]
            seen_breaks |= broken
            if trial % 20 == 19:
                print(f"  {engine}: {trial + 1} trials, {figures['acknowledged']} acknowledged")
    figures["problems"] = problems[:50]
    figures["phase_seconds"] = {
        "restart": round(timing[0], 1),
        "integrity": round(timing[1], 1),
        "audit+acks": round(timing[2], 1),
    }
    return figures


def run_engine(engine: str, count: int, seed: int) -> dict:
    """Run one engine's trials in a child process (Django configures one database per process)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        code = 1
        try:
            result = _engine_child(engine, count, seed)
            os.write(write, json.dumps(result).encode())
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        raise SystemExit(f"the {engine} harness failed")
    return json.loads(data)


def _engine_child(engine: str, count: int, seed: int) -> dict:
    subreaper()
    work = Path(tempfile.mkdtemp(prefix=f"amparo-crash-{engine}-"))
    cluster = None
    started = time.monotonic()
    try:
        if engine == "postgresql":
            cluster = Cluster(work)
            cluster.start()
            configure(work, cluster.url)
        else:
            configure(work, f"sqlite:///{work / 'amparo.sqlite3'}")
        prepare()
        figures = trials(engine, count, random.Random(seed), work, cluster)
    finally:
        if cluster:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    figures["seconds"] = round(time.monotonic() - started, 1)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sqlite-trials", type=int, default=120)
    parser.add_argument("--pg-trials", type=int, default=80)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    results = []
    print(f"crash harness: seed {args.seed}")
    for engine, count in (("sqlite", args.sqlite_trials), ("postgresql", args.pg_trials)):
        if count:
            results.append(run_engine(engine, count, args.seed))
    out = Path(os.environ.get("AMPARO_SECURITY_OUT", "var/security"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "crash.json").write_text(json.dumps({"seed": args.seed, "runs": results}, indent=2))
    failed = False
    for r in results:
        print(
            f"{r['engine']}: {r['trials']} trials, {r['acknowledged']} acknowledged writes, "
            f"{r['corruptions']} corruptions, {r['lost']} lost acknowledged writes, "
            f"{r['audit_chain_breaks']} audit chain breaks ({r['seconds']} s; {r['phase_seconds']})"
        )
        for problem in r["problems"]:
            print(f"  {problem}")
        failed |= bool(r["corruptions"] or r["lost"] or r["audit_chain_breaks"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    sys.exit(main())
