"""amparo/core holds plain Python: nothing there may import Django (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "core"


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: p.name)
def test_core_module_does_not_import_django(path):
    found = {m for m in imported_modules(path.read_text()) if m.split(".")[0] == "django"}
    assert not found, f"{path.name} imports {found}"


def test_the_scanner_sees_a_django_import():
    assert "django.db" in imported_modules("from django.db import models")
    assert "django" in imported_modules("import django")
