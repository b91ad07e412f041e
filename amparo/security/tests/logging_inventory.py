"""The logging inventory (docs/security/logging.md) read as data, and the code's audit events."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "amparo"
INVENTORY = ROOT / "docs" / "security" / "logging.md"


def section(title: str) -> list[list[str]]:
    """The rows of the table under `## title`, each a list of cells (header rows left out)."""
    text = INVENTORY.read_text(encoding="utf-8")
    body = text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def documented(title: str) -> set[str]:
    """The names in backticks in the first column of that table."""
    return {name for row in section(title) for name in re.findall(r"`([^`]+)`", row[0])}


def source_files() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if not any(p == "tests" or p.startswith("tests_") for p in path.relative_to(PACKAGE).parts)
    )


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _pattern(node: ast.JoinedStr) -> str:
    """An f-string as a regular expression: each {…} stands for a lowercase name."""
    parts = [re.escape(v.value) if isinstance(v, ast.Constant) else "[a-z_]+" for v in node.values]
    return "".join(parts)


def audit_actions() -> tuple[set[str], set[str]]:
    """Every audit action the code can write: literal names, and f-string patterns.

    A call `record_event(action, …)` whose action is a parameter of the enclosing function is
    followed one step: the literals passed for that parameter by calls in the same module.
    """
    literals: set[str] = set()
    patterns: set[str] = set()
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
        for function in functions.values():
            params = [a.arg for a in function.args.args]
            for call in ast.walk(function):
                if not (isinstance(call, ast.Call) and _name(call.func) == "record_event"):
                    continue
                first = call.args[0] if call.args else None
                if isinstance(first, ast.IfExp):  # "user.change" if change else "user.create"
                    literals.update(
                        b.value for b in (first.body, first.orelse) if isinstance(b, ast.Constant)
                    )
                elif isinstance(first, ast.Constant):
                    literals.add(first.value)
                elif isinstance(first, ast.JoinedStr):
                    patterns.add(_pattern(first))
                elif isinstance(first, ast.Name) and first.id in params:
                    position = params.index(first.id)
                    for caller in ast.walk(tree):
                        if (
                            isinstance(caller, ast.Call)
                            and _name(caller.func) == function.name
                            and len(caller.args) > position
                            and isinstance(caller.args[position], ast.Constant)
                        ):
                            literals.add(caller.args[position].value)
                else:
                    raise AssertionError(f"{path}: an audit action the inventory test cannot read")
    return literals, patterns


def loggers_in_code() -> set[str]:
    """Names given to logging.getLogger in Amparo's code (__name__ as the module's name)."""
    names: set[str] = set()
    for path in source_files():
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(call, ast.Call) and _name(call.func) == "getLogger" and call.args:
                arg = call.args[0]
                if isinstance(arg, ast.Name) and arg.id == "__name__":
                    names.add(module)
                elif isinstance(arg, ast.Constant):
                    names.add(arg.value)
    return names
