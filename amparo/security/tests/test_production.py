"""Production settings: `check --deploy` is clean, and Amparo refuses to start without a keyring."""

from __future__ import annotations

import json
import stat
import subprocess
import sys

import pytest

from amparo.security.tests import production
from amparo.security.tests.production import amparo


@pytest.fixture
def production_env(tmp_path) -> dict[str, str]:
    return production.production_env(tmp_path)


def test_production_refuses_to_start_without_a_keyring_then_keyring_create_fixes_it(
    production_env, tmp_path
):
    missing = amparo(production_env, "check")
    assert missing.returncode != 0
    assert "keyring.E001" in missing.stderr and "amparo keyring_create" in missing.stderr
    assert "Traceback" not in missing.stderr

    created = amparo(production_env, "keyring_create")
    assert created.returncode == 0, created.stderr
    keyring = tmp_path / "secrets" / "keyring.json"
    assert stat.S_IMODE(keyring.stat().st_mode) == 0o600

    deploy = amparo(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert deploy.returncode == 0, deploy.stderr
    assert "no issues" in deploy.stdout

    again = amparo(production_env, "keyring_create")
    assert again.returncode != 0 and "refusing to replace" in again.stderr
    assert keyring.read_bytes()  # untouched


def test_a_keyring_others_can_read_is_reported(production_env, tmp_path):
    assert amparo(production_env, "keyring_create").returncode == 0
    (tmp_path / "secrets" / "keyring.json").chmod(0o644)
    result = amparo(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0 and "keyring.W001" in result.stderr


def test_a_short_secret_key_fails_the_deploy_check(production_env, tmp_path):
    assert amparo(production_env, "keyring_create").returncode == 0
    result = amparo(
        production_env | {"AMPARO_SECRET_KEY": "short"},
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode != 0 and "security.W009" in result.stderr


def test_the_web_process_refuses_to_start_without_a_keyring(production_env):
    code = "import amparo.config.wsgi"
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", code], env=production_env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "amparo keyring_create" in result.stderr


WARM_PROBE = """
import json, sys
import amparo.config.wsgi
from django.db import connections
from django.forms.renderers import get_default_renderer
from django.template import engines
from django.utils.translation import trans_real
from amparo.config.warmup import amparo_templates
cached = engines["django"].engine.template_loaders[0].get_template_cache
jinja2 = get_default_renderer().jinja2.engine.env
print(json.dumps({
    "missing": [name for name in amparo_templates() if name not in cached],
    "templates": len(amparo_templates()),
    "forms": sorted(key[1] for key in jinja2.cache.keys() if key[1].startswith("django/forms/")),
    "catalogs": sorted(trans_real._translations),
    "views": sorted(m for m in sys.modules if m.startswith("amparo.") and m.endswith(".views")),
    "connected": [c.alias for c in connections.all() if c.connection is not None],
}))
"""


def test_the_web_process_loads_what_pages_need_before_serving_without_the_database(
    production_env,
):
    """Views, catalogs, templates and form widgets are loaded when the WSGI application is, so no
    visitor pays for it (ADR 0022); the database is not touched, here unreachable."""
    assert amparo(production_env, "keyring_create").returncode == 0
    unreachable = f"postgres://nobody@127.0.0.1:{production.free_port()}/none"
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", WARM_PROBE],
        env=production_env | {"DATABASE_URL": unreachable},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["missing"] == [] and seen["templates"] >= 60
    assert "django/forms/widgets/select.html" in seen["forms"] and len(seen["forms"]) >= 40
    assert {"en", "fr", "es"} <= set(seen["catalogs"])
    assert {"amparo.cases.views", "amparo.portal.views", "amparo.accounts.views"} <= set(
        seen["views"]
    )
    assert seen["connected"] == []
