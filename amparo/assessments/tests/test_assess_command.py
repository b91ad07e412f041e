"""`amparo assess --json FILE`: scored risks, the handbook's suggestions, the country's record."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

ASSESSMENT = {
    "country": "COL",
    "activities": ["sending_information", "attending_session_abroad"],
    "perpetrators": ["non_state_media"],
    "threats": [
        {"threat": "defamation", "probability": "medium", "impact": "low"},
        {"threat": "surveillance", "probability": "very_high", "impact": "high"},
        {"threat": "detention", "probability": "low", "impact": "very_high"},
    ],
    "vulnerabilities": ["digital"],
    "capacities": ["legal"],
}


def run(tmp_path, data) -> dict:
    path = tmp_path / "assessment.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    out = io.StringIO()
    call_command("assess", "--json", str(path), stdout=out)
    return json.loads(out.getvalue())


def test_it_prints_risks_highest_score_first_with_levels_and_measures(tmp_path):
    result = run(tmp_path, ASSESSMENT)
    risks = result["risks"]
    assert [r["threat"] for r in risks] == ["surveillance", "defamation", "detention"]
    assert [r["score"] for r in risks] == [24.0, 4.0, 2.0]
    assert [r["level"] for r in risks] == ["very_high", "medium", "low"]
    assert [r["must_address"] for r in risks] == [True, False, True]
    assert "encrypted_channels" in risks[0]["measures"]
    assert "know_rights_in_detention" in risks[2]["measures"]


def test_it_suggests_threats_in_the_handbooks_order_for_the_perpetrators(tmp_path):
    result = run(tmp_path, ASSESSMENT)
    assert result["suggested_threats"][:3] == [
        "defamation",
        "threats_intimidation",
        "physical_attack",
    ]
    assert result["suggested_threats"][-1] == "travel_restriction"


def test_it_reports_the_countrys_public_record_only(tmp_path, colombia_record):
    record = run(tmp_path, ASSESSMENT)["country_record"]
    assert record == {
        "country": "COL",
        "entries": 5,
        "top_reprisal_types": ["threats_intimidation", "surveillance", "defamation", "detention"],
        "by_year": {"2021": 2, "2022": 1, "2023": 1},
    }


def test_a_country_without_records_says_zero_not_an_error(tmp_path):
    record = run(tmp_path, {**ASSESSMENT, "country": "NOR"})["country_record"]
    assert record == {"country": "NOR", "entries": 0, "top_reprisal_types": [], "by_year": {}}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**ASSESSMENT, "perpetrators": ["government"]}, "perpetrators[0]: 'government' is not allowed; allowed values: state, state_affiliated"),
        ({**ASSESSMENT, "threats": [{"threat": "defamation", "probability": "often", "impact": "low"}]},
         "threats[0].probability: 'often' is not allowed; allowed values: low, medium, high, very_high"),
        ({**ASSESSMENT, "capacities": ["courage"]}, "capacities[0]: 'courage' is not allowed; allowed values: digital,"),
        ("{not json", "not valid JSON (line 1, column 2: "),
        ([1, 2], "(top level): expected a JSON object"),
    ],
)  # fmt: skip
def test_bad_input_fails_with_a_message_naming_the_field(tmp_path, data, message):
    with pytest.raises(CommandError) as caught:
        run(tmp_path, data)
    assert message in str(caught.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("assess", "--json", str(tmp_path / "nope.json"), stdout=io.StringIO())
