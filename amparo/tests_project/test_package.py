"""What a production install holds: the application, without its tests or development tools.

ASVS 5.0 15.2.3: the production environment holds only the functionality the application needs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from amparo.security.tests.production import amparo, production_env, run_amparo

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "amparo"


def is_test_path(parts: tuple[str, ...]) -> bool:
    return any(part == "tests" or part.startswith("tests_") for part in parts)


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> list[str]:
    """Build the wheel as `pip install .` would, from a copy of the project (no network)."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copy(ROOT / "README.md", source)
    shutil.copytree(PACKAGE, source / "amparo", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(base / "out"), str(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = (base / "out").glob("amparo-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return [name for name in archive.namelist() if not name.endswith("/")]


def test_the_wheel_holds_no_test_code(wheel_files):
    installed = [name for name in wheel_files if name.startswith("amparo/")]
    assert installed, wheel_files
    assert [n for n in installed if is_test_path(Path(n).parts)] == []
    assert [n for n in installed if Path(n).name.startswith(("test_", "conftest"))] == []
    assert not any(n.startswith(("fuzz/", "benchmarks/", "scripts/")) for n in wheel_files)


def test_the_wheel_holds_everything_else_the_application_needs(wheel_files):
    """Templates, static files, translations, migrations and reference data all travel."""
    # What git tracks or would track: files git ignores (a stray var/ folder) are no part of it.
    listing = ["git", "ls-files", "--cached", "--others", "--exclude-standard", "amparo"]
    tracked = subprocess.run(  # noqa: S603 - git on our own tree
        listing,  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    expected = sorted(n for n in tracked if not is_test_path(Path(n).parts[1:]))
    installed = sorted(n for n in wheel_files if n.startswith("amparo/"))
    assert installed == expected
    assert any(n.endswith("/django.mo") for n in installed)
    assert any("/migrations/0001_" in n for n in installed)


@pytest.mark.parametrize(
    "command",
    [["runserver", "127.0.0.1:0"], ["testserver"], ["demo", "--count", "1"], ["setup", "--demo"]],
)
def test_development_tools_are_refused_in_production(tmp_path, command):
    env = production_env(tmp_path)
    run_amparo(env, "keyring_create")  # so that a refusal is for the reason under test
    result = amparo(env, *command)
    assert result.returncode != 0
    assert "AMPARO_PRODUCTION=true" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data" / "amparo.sqlite3").exists()
