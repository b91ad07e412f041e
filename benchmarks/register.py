"""Benchmark of the case register: the staff list page and a full-text search, with facets.

Loads N entries (100,000 by default) into a fresh SQLite file and a fresh PostgreSQL database,
then times, in the same run and on the same data:

- the real staff pages over HTTP (Django's test client, a signed-in admin who passed two-factor):
  the list with facets, and a search for a common word with facets;
- the same work written as raw SQL: a count, the first page of rows, one GROUP BY over
  cases_entryterm and one per single-valued column (FTS5 MATCH on SQLite,
  to_tsvector @@ plainto_tsquery on PostgreSQL for the search).

Prints a Markdown table and rewrites the section "Case register, staff list and search" of
docs/benchmarks.md. Never part of the test suite. Usage (from the repository root):

    make benchmark
    .venv/bin/python benchmarks/register.py --count 100000 --runs 30 --warmup 3

Each database is measured in its own child process, because Django reads DATABASE_URL once.
"""

# SQL text is assembled from constants only; the search word is always a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from timing import common_word, repeat

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
SECTION = "## Case register, staff list and search"
BENCH_DB = "amparo_bench"
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432"
BATCH = 5000
DOC_TITLE = (
    "# Benchmarks\n\n"
    "Figures from real runs, each with the command that produced it. Benchmarks live in\n"
    "`benchmarks/` and never run in the test suite.\n\n"
)

# Words for synthetic public titles (bulk loader): plainly fictional, no names.
WHO = [
    "Defender",
    "Journalist",
    "Lawyer",
    "Activist",
    "Organisation",
    "Trade unionist",
    "Researcher",
    "Community leader",
    "Women's group",
    "Student network",
]
WHAT = [
    "threatened",
    "detained",
    "questioned by police",
    "barred from travel",
    "smeared online",
    "placed under surveillance",
    "charged",
    "office raided",
    "family harassed",
    "dismissed",
]
WHEN = [
    "after a Human Rights Council session",
    "after meeting a Special Rapporteur",
    "after a UPR submission",
    "after briefing a treaty body",
    "during a country visit",
    "ahead of a UN meeting",
    "after a regional commission hearing",
]


# ---------------------------------------------------------------- parent: orchestration


def main() -> None:
    args = parse_args()
    if args.child:
        run_child(args)
        return
    results = []
    for backend in args.backends.split(","):
        results.append(measure_backend(backend.strip(), args))
    table = markdown_table(results)
    print(table)
    if not args.no_docs:
        write_doc(results, table, args)
        print(f"\nUpdated {DOC.relative_to(ROOT)}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="entries to load")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server URL (no database)")
    parser.add_argument(
        "--loader",
        choices=["auto", "demo", "bulk"],
        default="auto",
        help="demo: `amparo demo --count N`; bulk: rows written directly; auto: demo if it "
        "takes --count, else bulk",
    )
    parser.add_argument("--word", default="", help="search word (default: most common in titles)")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args()


def measure_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Prepare a fresh database, run the child process on it, clean up."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"amparo-bench-{backend}-"))
    env = {
        **os.environ,
        "AMPARO_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "amparo.config.settings",
    }
    env.pop("DATABASE_URL", None)
    if backend == "postgresql":
        recreate_pg_database(args.pg)
        env["DATABASE_URL"] = f"{args.pg}/{BENCH_DB}"
    out = data_dir / "result.json"
    command = [sys.executable, __file__, "--child", backend, "--out", str(out)]
    command += ["--count", str(args.count), "--runs", str(args.runs), "--warmup", str(args.warmup)]
    command += ["--loader", args.loader, "--word", args.word]
    print(f"[{backend}] loading {args.count} entries and measuring…", file=sys.stderr)
    try:
        subprocess.run(command, env=env, check=True, cwd=ROOT)  # noqa: S603
        return json.loads(out.read_text())
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if backend == "postgresql":
            drop_pg_database(args.pg)


def _pg_admin(server: str) -> Any:
    import psycopg

    return psycopg.connect(f"{server}/postgres", autocommit=True)


def recreate_pg_database(server: str) -> None:
    with _pg_admin(server) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")


def drop_pg_database(server: str) -> None:
    with _pg_admin(server) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")


def markdown_table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| database | measurement | p50 (ms) | p95 (ms) | queries | rows matched |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for result in results:
        for m in result["measurements"]:
            lines.append(
                f"| {result['database']} | {m['name']} | {m['p50']:.1f} | {m['p95']:.1f} "
                f"| {m['queries']} | {m['matched']:,} |"
            )
    return "\n".join(lines)


def machine() -> str:
    memory = "unknown"
    cpu = platform.processor() or "unknown CPU"
    try:
        kib = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f"{kib / 1024 / 1024:.1f} GiB"
        model = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = model.group(1).strip() if model else cpu
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} CPUs (`nproc`), {memory} memory, {cpu}, {platform.system()} {platform.release()}"


def write_doc(results: list[dict[str, Any]], table: str, args: argparse.Namespace) -> None:
    """Replace our section of docs/benchmarks.md (or create the file)."""
    command = (
        "make benchmark"
        if _is_default(args)
        else "benchmarks/register.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    )
    details = "\n".join(
        f"- {r['database']} ({r['version']}): {r['entries']:,} entries and {r['terms']:,} "
        f"facet rows loaded in {r['load_seconds']:.0f} s by the {r['loader']} loader; "
        f"search word `{r['word']}`; 1-minute load average {r['load'][0]:.1f} before and "
        f"{r['load'][1]:.1f} after measuring (other work on the machine adds noise)."
        for r in results
    )
    section = f"""{SECTION}

Measured {datetime.date.today().isoformat()} with `{command}` on {machine()};
Python {platform.python_version()}, Django {results[0]["django"]}.
Each figure: {args.warmup} untimed runs, then {args.runs} timed runs, one after another.

{details}

"page" rows are the real staff list (`/cases/`) and search (`/cases/?q=WORD`) pages,
requested through Django's test client by a signed-in administrator who passed two-factor:
they include middleware and session handling, access rules, facet labels, the name search
through the blind index, and HTML rendering. "raw SQL" rows run only the database work such a
page needs: a count, the first 50 rows, one GROUP BY over `cases_entryterm` and one per
single-valued column, with FTS5 `MATCH` (SQLite) or `to_tsvector @@ plainto_tsquery`
(PostgreSQL) for the search. "queries" is the number of SQL statements per request; "rows
matched" is the count the page displays, or the count the raw SQL returns.

{table}
"""
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
    if not text.startswith("# "):
        text = DOC_TITLE + text.lstrip("\n")
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[end:] if end != -1 else "")
    DOC.write_text(text, encoding="utf-8")


def _is_default(args: argparse.Namespace) -> bool:
    return (args.count, args.runs, args.warmup, args.backends, args.loader, args.word) == (
        100_000,
        30,
        3,
        "sqlite,postgresql",
        "auto",
        "",
    )


# ---------------------------------------------------------------- child: one database


def run_child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # lets the test client's host through ALLOWED_HOSTS
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    loader = load_entries(args.count, args.loader)
    load_seconds = time.perf_counter() - started
    print(f"[{args.child}] loaded by {loader} in {load_seconds:.0f} s; measuring", file=sys.stderr)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    word = args.word or common_word()
    client = admin_client()
    load_before = os.getloadavg()[0]
    measurements = [
        time_page(client, "page: list with facets", "/cases/", args),
        time_page(client, f"page: search “{word}” with facets", f"/cases/?q={word}", args),
        time_sql("raw SQL: list with facets", raw_list_statements(), args),
        time_sql(f"raw SQL: search “{word}” with facets", raw_search_statements(word), args),
    ]
    from django import get_version

    from amparo.cases.models import Entry, EntryTerm

    result = {
        "database": "SQLite" if connection.vendor == "sqlite" else "PostgreSQL",
        "version": database_version(),
        "django": get_version(),
        "entries": Entry.objects.count(),
        "terms": EntryTerm.objects.count(),
        "loader": loader,
        "load_seconds": load_seconds,
        "word": word,
        "load": (load_before, os.getloadavg()[0]),
        "measurements": measurements,
    }
    Path(args.out).write_text(json.dumps(result), encoding="utf-8")


def database_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
            return "SQLite " + cursor.fetchone()[0]
        cursor.execute("SHOW server_version")
        return "PostgreSQL " + cursor.fetchone()[0]


def load_entries(count: int, loader: str) -> str:
    """Fill the register; returns the name of the loader used."""
    if loader in {"auto", "demo"} and demo_takes_count():
        from django.core.management import call_command

        call_command("demo", count=count, verbosity=0)
        return "`amparo demo --count`"
    if loader == "demo":
        raise SystemExit("amparo demo does not accept --count here; use --loader bulk")
    bulk_load(count)
    return "bulk"


def demo_takes_count() -> bool:
    from django.core.management import get_commands, load_command_class

    app = get_commands().get("demo")
    if app is None:
        return False
    parser = load_command_class(app, "demo").create_parser("amparo", "demo")
    return any("--count" in action.option_strings for action in parser._actions)


def bulk_load(count: int) -> None:
    """Write synthetic entries and their facet rows directly (reproducible: fixed seed)."""
    from django.db import transaction

    from amparo.cases.models import Entry, EntryTerm
    from amparo.core import reference

    rng = random.Random(20251129)  # noqa: S311
    countries = list(reference.countries().values())
    weights = [1 / (rank + 1) for rank in range(len(countries))]  # a few countries dominate
    slugs = {v: reference.slugs(v) for v in reference.MULTI_VALUED}
    kinds = reference.slugs("kind")
    for start in range(0, count, BATCH):
        entries = []
        for i in range(start, min(start + BATCH, count)):
            country = rng.choices(countries, weights)[0]
            title = f"{rng.choice(WHO)} {rng.choice(WHAT)} {rng.choice(WHEN)}"
            entries.append(
                Entry(
                    ref=f"BEN-{i + 1:06d}",
                    kind=rng.choices(kinds, [55, 30, 10, 5])[0],
                    title=title,
                    summary=f"Synthetic benchmark entry {i + 1}: {title.lower()}.",
                    country=country.code,
                    region=country.region,
                    year=rng.randint(2010, 2025),
                    status=rng.choice(reference.STATUSES),
                    subject_kind=rng.choice(reference.slugs("subject_kind")),
                    gender=rng.choice(reference.slugs("gender")),
                    published=rng.random() < 0.3,
                )
            )
        with transaction.atomic():
            Entry.objects.bulk_create(entries)
            ids = dict(
                Entry.objects.filter(ref__in=[e.ref for e in entries]).values_list("ref", "id")
            )
            terms = []
            for entry in entries:
                for vocabulary, how_many in (
                    ("body", 2),
                    ("reprisal_type", 3),
                    ("theme", 1),
                    ("contact_point", 1),
                    ("perpetrator", 1),
                ):
                    for slug in set(rng.sample(slugs[vocabulary], rng.randint(1, how_many))):
                        terms.append(
                            EntryTerm(entry_id=ids[entry.ref], vocabulary=vocabulary, slug=slug)
                        )
            EntryTerm.objects.bulk_create(terms)


def admin_client() -> Any:
    from django.test import Client

    from amparo.accounts.middleware import VERIFIED_KEY
    from amparo.accounts.models import Role, User

    admin = User.objects.create_user(username="bench_admin", password=None, role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    session = client.session
    session[VERIFIED_KEY] = True
    session.save()
    return client


def time_page(client: Any, name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def request() -> bytes:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return response.content

    with CaptureQueriesContext(connection) as captured:
        html = request()
    queries = len(captured)  # read now: each request empties Django's query log
    timings = repeat(request, args.runs, args.warmup)
    return {"name": name, **timings, "queries": queries, "matched": page_count(html)}


def page_count(html: bytes) -> int:
    """The number of matching entries the page itself announces."""
    found = re.search(rb'class="results-count">\s*([\d,.\s\xc2\xa0]+?)\s*entr', html)
    if not found:
        raise SystemExit("the list page no longer shows its result count where expected")
    return int(re.sub(rb"\D", b"", found.group(1)))


def hits_sql() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        return (
            "SELECT id FROM cases_entry WHERE to_tsvector('simple'::regconfig, "
            "title || ' ' || summary || ' ' || ref) @@ plainto_tsquery('simple', %s)"
        )
    return "SELECT rowid FROM cases_entry_fts WHERE cases_entry_fts MATCH %s"


def fts_param(word: str) -> str:
    from django.db import connection

    return word if connection.vendor == "postgresql" else '"' + word.replace('"', '""') + '"'


COLUMNS = ("country", "region", "year", "kind", "status", "gender")


def facet_statements(ids: str) -> list[str]:
    """One GROUP BY over the term table, one per single-valued column (ids: a subquery or "")."""
    term_where = f"WHERE entry_id IN ({ids})" if ids else ""
    entry_where = f"WHERE id IN ({ids})" if ids else ""
    statements = [
        f"SELECT vocabulary, slug, COUNT(*) FROM cases_entryterm {term_where} "
        "GROUP BY vocabulary, slug"
    ]
    for column in COLUMNS:
        statements.append(
            f"SELECT {column}, COUNT(*) FROM cases_entry {entry_where} GROUP BY {column}"
        )
    return statements


ROW_COLUMNS = "id, uuid, ref, kind, title, country, year, status, published"


def raw_list_statements() -> list[tuple[str, list[Any]]]:
    statements = [
        "SELECT COUNT(*) FROM cases_entry",
        f"SELECT {ROW_COLUMNS} FROM cases_entry ORDER BY year DESC, id DESC LIMIT 50",
        *facet_statements(""),
    ]
    return [(sql, []) for sql in statements]


def raw_search_statements(word: str) -> list[tuple[str, list[Any]]]:
    hits = hits_sql()
    statements = [
        f"SELECT COUNT(*) FROM cases_entry WHERE id IN ({hits})",
        f"SELECT {ROW_COLUMNS} FROM cases_entry WHERE id IN ({hits}) "
        "ORDER BY year DESC, id DESC LIMIT 50",
        *facet_statements(hits),
    ]
    return [(sql, [fts_param(word)]) for sql in statements]


def time_sql(
    name: str, statements: list[tuple[str, list[Any]]], args: argparse.Namespace
) -> dict[str, Any]:
    from django.db import connection

    def run() -> int:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
                if sql.startswith("SELECT COUNT(*)"):
                    matched = rows[0][0]
        return matched

    matched = run()
    return {
        "name": name,
        **repeat(run, args.runs, args.warmup),
        "queries": len(statements),
        "matched": matched,
    }


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
