"""What every harness shares: Django set up on the fuzz run's own data dir, and the fuzz loop.

A harness defines ``one_input(data: bytes)`` that calls a parser and lets through only the
parser's documented error types; anything else escaping is a crash for atheris (libFuzzer),
and a run over ``-timeout`` seconds is a hang. ``scripts/security/30-fuzz`` runs each harness
with a fixed budget, its seed corpus from ``fuzz/corpus/<name>/`` and AMPARO_DATA_DIR pointing
at a migrated SQLite database of its own.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext

import atheris


def django_setup() -> None:
    """Django configured from the environment (AMPARO_DATA_DIR; a DATABASE_URL if given)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amparo.config.settings")
    os.environ.setdefault("AMPARO_LOG_LEVEL", "CRITICAL")
    import django

    django.setup()


def instrumented(modules: Iterable[str]) -> AbstractContextManager[object]:
    """Coverage instrumentation for the parser's own modules only (Django stays as it is)."""
    include = list(modules)
    return atheris.instrument_imports(include=include) if include else nullcontext()


def fuzz(one_input: Callable[[bytes], None]) -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
