"""CPU time per page (ADR 0020): the pages of the load test, rendered in-process, no server.

Never part of the test suite. It prepares an instance of its own (1,000 demo entries, as the
load test) in AMPARO_DATA_DIR (a new temporary folder if unset), reusing one it finds there, then requests each page through Django's
test client and prints the median and minimum CPU time of ``--rounds`` rounds:

    AMPARO_DATA_DIR=/tmp/page-cpu .venv/bin/python benchmarks/page_cpu.py --rounds 25

CPU time (``time.process_time``) rather than wall time, so that other work on the machine
counts less; on a shared 2-core machine the same page still varies by a third from run to run,
so compare two versions by running each two or three times, alternately.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    if "AMPARO_DATA_DIR" not in os.environ:
        os.environ["AMPARO_DATA_DIR"] = tempfile.mkdtemp(prefix="amparo-page-cpu-")
    data = Path(os.environ["AMPARO_DATA_DIR"])
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{data / 'amparo.sqlite3'}")
    os.environ.setdefault("AMPARO_LOG_LEVEL", "WARNING")
    amparo = str(ROOT / ".venv/bin/amparo")
    subprocess.run([amparo, "setup"], check=True, capture_output=True)  # noqa: S603
    demo = subprocess.run(  # noqa: S603 - our own command; "already loaded" is fine
        [amparo, "demo", "--count", "1000", "--seed", "7"], capture_output=True, text=True
    )
    if demo.returncode and "already loaded" not in demo.stderr:
        sys.exit(demo.stderr[-2000:])

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amparo.config.settings")
    django.setup()
    from django.conf import settings
    from django.test import Client

    from amparo.accounts.middleware import VERIFIED_KEY
    from amparo.accounts.models import User
    from amparo.cases.models import Entry

    settings.ALLOWED_HOSTS = ["*"]
    user = User.objects.filter(username="page-cpu").first() or User.objects.create_user(
        "page-cpu",
        password=None,
        role="documenter",  # force_login below: no password needed
    )
    staff = Client()
    staff.force_login(user)
    session = staff.session
    session[VERIFIED_KEY] = True
    session.save()
    public = Client()
    uuid = Entry.objects.filter(restricted=False).order_by("id").values_list("uuid", flat=True)[3]
    ref = Entry.objects.in_portal().order_by("id").values_list("ref", flat=True)[5]
    pages = [
        ("portal home", public, "/"),
        ("portal search", public, "/?q=detained"),
        ("portal entry", public, f"/entries/{ref}/"),
        ("register search", staff, "/cases/?q=detained"),
        ("staff entry", staff, f"/cases/{uuid}/"),
        ("entry edit form", staff, f"/cases/{uuid}/edit/"),
    ]
    samples: dict[str, list[float]] = {name: [] for name, _, _ in pages}
    for _name, client, url in pages:
        assert client.get(url).status_code == 200, url  # warm-up, and a check
    for _ in range(args.rounds):
        for name, client, url in pages:
            started = time.process_time()
            client.get(url)
            samples[name].append((time.process_time() - started) * 1000)
    for name, values in samples.items():
        print(f"{name:16} median {statistics.median(values):6.1f} ms  min {min(values):6.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
