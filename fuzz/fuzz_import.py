"""Fuzz `amparo import` (amparo/cases/interchange.py): a file is imported whole or not at all.

Property: import_file either succeeds or raises ImportRefused, and a refused file leaves the
database as it was. A successful import is rolled back so every run starts from the same rows.
The first byte chooses .csv or .jsonl.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from _harness import django_setup, fuzz, instrumented

django_setup()

from django.db import transaction  # noqa: E402

from amparo.cases.models import Consent, Entry, Subject  # noqa: E402

with instrumented(["amparo.cases.interchange", "amparo.core.interchange"]):
    from amparo.cases.interchange import ImportRefused, import_file

FOLDER = Path(tempfile.mkdtemp(prefix="fuzz-import-"))


def counts() -> tuple[int, int, int]:
    return Entry.objects.count(), Subject.objects.count(), Consent.objects.count()


def one_input(data: bytes) -> None:
    if not data:
        return
    path = FOLDER / ("input.csv" if data[0] % 2 else "input.jsonl")
    path.write_bytes(data[1:])
    before = counts()
    try:
        with transaction.atomic():
            import_file(path, include_confidential=bool(data[0] & 2))
            transaction.set_rollback(True)
    except ImportRefused as refused:
        for problem in refused.problems:
            str(problem)
        if counts() != before:
            raise AssertionError("a refused file wrote rows") from None
    finally:
        os.unlink(path)


if __name__ == "__main__":
    fuzz(one_input)
