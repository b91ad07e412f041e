"""Reading a command's JSON input file (or standard input) with one clear error per failure."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError


def read_json_argument(path: str) -> Any:
    """Parse the JSON in the named file, or standard input for ``-``; CommandError says why not."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise CommandError(f"{path}: not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except (ValueError, RecursionError):  # a number over 4,300 digits, nesting too deep
        raise CommandError(f"{path}: not valid JSON (a number too long or too deep)") from None
