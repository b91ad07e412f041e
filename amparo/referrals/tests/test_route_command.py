"""`amparo route --json FILE` (issue 5 §5): JSON in, avenues out; bad input exits non-zero."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

SITUATION = {
    "country": "VEN",
    "bodies": ["hrc", "tb_cerd"],
    "reprisal_types": ["threats_intimidation"],
    "perpetrators": ["state"],
    "urgent": True,
    "racial_or_ethnic_dimension": True,
    "in_geneva": False,
    "domestic_remedies_exhausted": "unknown",
    "previous_citation": "A/HRC/54/61 annex I para 80",
}


def run(path) -> dict:
    out = StringIO()
    call_command("route", "--json", str(path), stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.django_db
def test_it_prints_the_avenues_that_apply(tmp_path):
    path = tmp_path / "situation.json"
    path.write_text(json.dumps(SITUATION))
    result = run(path)
    slugs = [a["avenue"] for a in result["avenues"]]
    assert slugs[0] == "emergency_support"
    assert {
        "senior_official",
        "cerd_urgent_action",
        "sg_report_follow_up",
        "iachr_precautionary_measures",
        "hrc_president",
    } <= set(slugs)
    cerd = next(a for a in result["avenues"] if a["avenue"] == "tb_focal_point")
    assert cerd["to"] == ["ohchr-cerd@un.org"]
    assert [a["priority"] for a in result["avenues"]] == list(range(1, len(slugs) + 1))
    assert result["warnings"]


@pytest.mark.django_db
def test_it_names_the_bad_field_and_the_allowed_values(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**SITUATION, "domestic_remedies_exhausted": "perhaps"}))
    with pytest.raises(CommandError, match=r"domestic_remedies_exhausted.*yes\|no\|unknown"):
        run(path)


@pytest.mark.django_db
def test_it_refuses_a_file_that_is_not_json(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{country: VEN")
    with pytest.raises(CommandError, match="not valid JSON \\(line 1"):
        run(path)


def test_the_console_script_exits_non_zero_on_bad_input(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**SITUATION, "urgent": "yes"}))
    env = {**os.environ, "AMPARO_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "-m", "amparo", "route", "--json", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode != 0
    assert "urgent" in done.stderr and "true, false" in done.stderr
    assert "Traceback" not in done.stderr
