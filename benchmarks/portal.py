"""Portal benchmark: p50/p95 of the public portal's queries over N public entries.

    AMPARO_DATA_DIR=/tmp/amparo-bench .venv/bin/python benchmarks/portal.py --entries 100000

Measures, through the Django test client: (a) the home page with the ten facets, (b) the same
filtered by one country and a year range, (c) full-text search for a common word with facets,
(d) the streamed CSV export of the filtered set (time and peak Python memory, tracemalloc).
Not yet measured: raw SQL beside each query, Datasette, 1,000,000 entries (see
docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import tracemalloc

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amparo.config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from amparo.cases.models import Entry, EntryTerm  # noqa: E402
from amparo.core import reference  # noqa: E402

WORDS = "defender lawyer journalist threatened detained Geneva council session".split()


def load(n: int) -> None:
    """N public entries (general situations need no consent), with terms; FTS kept by triggers."""
    if Entry.objects.count() >= n:
        return
    rng = random.Random(7)
    codes = list(reference.countries())
    vocab = {v: reference.slugs(v) for v in reference.MULTI_VALUED}
    with transaction.atomic():
        for start in range(0, n, 5000):
            entries = [
                Entry(
                    ref=f"B-{i:07d}",
                    kind="general_situation",
                    title=" ".join(rng.sample(WORDS, 4)),
                    summary=" ".join(rng.choices(WORDS, k=20)),
                    country=(c := rng.choice(codes)),
                    region=reference.countries()[c].region,
                    year=rng.randint(2010, 2024),
                    published=True,
                    gender=rng.choice(["male", "female", ""]),
                )
                for i in range(start, min(start + 5000, n))
            ]
            Entry.objects.bulk_create(entries)
            terms = [
                EntryTerm(entry=e, vocabulary=v, slug=s)
                for e in entries
                for v, slugs in vocab.items()
                for s in rng.sample(slugs, rng.randint(1, 2))
            ]
            EntryTerm.objects.bulk_create(terms)


def timed(client: Client, url: str, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        if response.streaming:
            for _chunk in response.streaming_content:
                pass
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    load(args.entries)
    client = Client()
    print(f"{connection.vendor}, {Entry.objects.public().count()} public entries")
    for name, url in [
        ("(a) ten facets", "/"),
        ("(b) country + years", "/?country=BHR&year_from=2015&year_to=2020"),
        ("(c) search + facets", "/?q=defender"),
    ]:
        p50, p95 = timed(client, url, args.runs)
        print(f"{name}: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    tracemalloc.start()
    p50, _p95 = timed(client, "/export.csv?year_from=2010", 1)
    _current, peak = tracemalloc.get_traced_memory()
    print(f"(d) CSV export of all: {p50 / 1000:.1f} s, peak Python memory {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
