"""Risk scoring on the handbook's method (HB ch.2): rule tables, no database."""

from __future__ import annotations

import subprocess
import sys

import pytest

from amparo.core import reference, risk

LANGS = ("en", "fr", "es")


@pytest.mark.parametrize(
    ("probability", "impact", "expected"),
    [
        ("low", "low", False),
        ("medium", "medium", False),
        ("low", "medium", False),
        ("high", "low", True),
        ("very_high", "low", True),
        ("low", "high", True),
        ("medium", "very_high", True),
        ("very_high", "very_high", True),
    ],
)
def test_the_plan_must_address_any_high_or_very_high_rating(probability, impact, expected):
    assert risk.must_address(probability, impact) is expected


@pytest.mark.parametrize(
    ("threat", "probability", "impact", "vulnerabilities", "capacities", "expected"),
    [
        ("surveillance", "low", "low", [], [], 1.0),
        ("surveillance", "very_high", "very_high", [], [], 16.0),
        ("surveillance", "high", "medium", [], [], 6.0),
        # each vulnerability in a related domain raises the score...
        ("surveillance", "high", "medium", ["digital"], [], 12.0),
        ("surveillance", "high", "medium", ["digital", "informational"], [], 18.0),
        # ...each capacity in a related domain lowers it...
        ("surveillance", "high", "medium", [], ["digital"], 3.0),
        ("surveillance", "high", "medium", ["digital"], ["organisational"], 6.0),
        # ...and domains unrelated to the threat change nothing.
        ("surveillance", "high", "medium", ["financial"], ["psychological"], 6.0),
        ("detention", "medium", "high", ["legal"], ["legal", "physical"], 4.0),
        # a threat in the user's own words relates to every domain
        ("other", "medium", "medium", ["financial", "social"], ["legal"], 6.0),
    ],
)
def test_the_score_rises_with_vulnerabilities_and_falls_with_capacities(
    threat, probability, impact, vulnerabilities, capacities, expected
):
    assert risk.score(threat, probability, impact, vulnerabilities, capacities) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.33, "low"),
        (2.99, "low"),
        (3, "medium"),
        (5.99, "medium"),
        (6, "high"),
        (11.99, "high"),
        (12, "very_high"),
        (64, "very_high"),
    ],
)
def test_scores_fall_into_the_documented_bands(value, expected):
    assert risk.level(value) == expected


def test_state_actors_get_the_handbooks_state_order():
    assert risk.suggested_threats(["state"]) == [
        "threats_intimidation", "defamation", "travel_restriction", "physical_attack",
        "surveillance", "detention", "criminal_proceedings", "property_raid", "family_targeted",
        "administrative_reprisal", "online_harassment", "access_denied_un_expert",
        "detention_conditions", "disappearance_kidnapping", "professional_reprisal",
        "access_denied_un_premises", "expulsion_visa_denied",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "perpetrators", [["non_state_media"], ["non_state_business", "non_state_armed_group"]]
)
def test_non_state_actors_get_the_handbooks_non_state_order(perpetrators):
    assert risk.suggested_threats(perpetrators) == [
        "defamation", "threats_intimidation", "physical_attack", "online_harassment",
        "property_raid", "surveillance", "family_targeted", "access_denied_un_expert",
        "disappearance_kidnapping", "travel_restriction",
    ]  # fmt: skip


def test_state_affiliated_actors_follow_the_state_order():
    assert risk.suggested_threats(["state_affiliated"]) == risk.suggested_threats(["state"])


@pytest.mark.parametrize("perpetrators", [["state", "non_state_media"], ["unknown"]])
def test_mixed_or_unknown_actors_get_every_listed_threat_each_at_its_best_place(perpetrators):
    suggested = risk.suggested_threats(perpetrators)
    assert suggested[:4] == [
        "threats_intimidation", "defamation", "travel_restriction", "physical_attack"
    ]  # fmt: skip
    assert set(suggested) == set(risk.suggested_threats(["state"]))
    assert "killing" not in suggested and "other" not in suggested


def test_no_perpetrator_means_no_suggestion():
    assert risk.suggested_threats([]) == []


def test_risks_come_highest_score_first_with_must_address_breaking_ties():
    ratings = [
        risk.ThreatRating("defamation", "medium", "medium"),  # 4, not must-address
        risk.ThreatRating("detention", "low", "very_high"),  # 4, must-address
        risk.ThreatRating("surveillance", "very_high", "high"),  # 12
    ]
    risks = risk.assess(ratings, [], [])
    assert [r.threat for r in risks] == ["surveillance", "detention", "defamation"]
    assert [r.level for r in risks] == ["very_high", "medium", "medium"]
    assert [r.must_address for r in risks] == [True, True, False]


def test_every_risk_carries_prevention_measures_before_protection_ones():
    (result,) = risk.assess([risk.ThreatRating("online_harassment", "high", "high")], [], [])
    kinds = [risk.measure(m)["kind"] for m in result.measures]
    assert "report_to_platforms" in result.measures and "encrypted_channels" in result.measures
    assert kinds == sorted(kinds, key=lambda k: k != "prevention")
    assert "know_rights_in_detention" not in result.measures


def test_the_matrix_places_every_risk_in_its_impact_and_probability_cell():
    risks = risk.assess(
        [
            risk.ThreatRating("surveillance", "high", "low"),
            risk.ThreatRating("detention", "low", "very_high"),
        ],
        [],
        [],
    )
    grid = {(i, p): [r.threat for r in cell] for i, row in risk.matrix(risks) for p, cell in row}
    assert grid[("low", "high")] == ["surveillance"]
    assert grid[("very_high", "low")] == ["detention"]
    assert sum(len(v) for v in grid.values()) == 2
    assert [i for i, _ in risk.matrix(risks)] == ["very_high", "high", "medium", "low"]


GOOD = {
    "country": "COL",
    "activities": ["sending_information"],
    "perpetrators": ["state"],
    "threats": [{"threat": "surveillance", "probability": "high", "impact": "medium"}],
    "vulnerabilities": ["digital"],
    "capacities": [],
}


@pytest.mark.parametrize(
    ("change", "field", "hint"),
    [
        ({"country": "Atlantis"}, "country", "alpha-3"),
        ({"country": None}, "country", "alpha-3"),
        ({"activities": ["dancing"]}, "activities[0]", "sending_information"),
        ({"activities": "training"}, "activities", "training"),
        ({"perpetrators": ["state", "aliens"]}, "perpetrators[1]", "non_state_media"),
        ({"threats": [{"threat": "smear", "probability": "high", "impact": "low"}]},
         "threats[0].threat", "defamation"),
        ({"threats": [{"threat": "defamation", "probability": "likely", "impact": "low"}]},
         "threats[0].probability", "very_high"),
        ({"threats": [{"threat": "defamation", "probability": "low"}]}, "threats[0].impact", "medium"),
        ({"threats": ["defamation"]}, "threats[0]", "probability"),
        ({"vulnerabilities": ["emotional"]}, "vulnerabilities[0]", "psychological"),
        ({"capacities": ["money"]}, "capacities[0]", "financial"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field_and_the_allowed_values(change, field, hint):
    with pytest.raises(risk.RiskInputError) as caught:
        risk.parse_input({**GOOD, **change})
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert hint in str(caught.value)


def test_a_country_may_be_given_by_name():
    assert risk.parse_input({**GOOD, "country": "Viet Nam"}).country == "VNM"


def test_the_report_has_the_documented_keys():
    record = {"country": "COL", "entries": 0, "top_reprisal_types": [], "by_year": {}}
    result = risk.report(risk.parse_input(GOOD), record)
    assert set(result) == {"risks", "suggested_threats", "country_record"}
    assert set(result["risks"][0]) == {
        "threat", "probability", "impact", "score", "level", "must_address", "measures"
    }  # fmt: skip
    assert result["risks"][0]["score"] == 12.0


def test_every_measure_question_and_prompt_exists_in_three_languages_and_cites_the_handbook():
    for item in risk.measures():
        assert item["hb"].startswith("§") and item["kind"] in ("prevention", "protection")
        assert all(item["text"][lang] for lang in LANGS), item["slug"]
        assert item["threats"] == "*" or set(item["threats"]) <= set(
            reference.slugs("reprisal_type")
        )
    for group, questions in risk.perpetrator_questions().items():
        assert group in {"state", "non_state", "unknown"} and questions
        assert all(q["text"][lang] for q in questions for lang in LANGS)
    prompts = risk.domain_prompts()
    assert list(prompts) == list(reference.slugs("domain"))
    for prompt in prompts.values():
        assert all(prompt[side][lang] for side in ("vulnerability", "capacity") for lang in LANGS)


def test_every_reprisal_type_bears_on_known_domains():
    domains = set(reference.slugs("domain"))
    for slug in reference.slugs("reprisal_type"):
        assert set(risk.threat_domains(slug)) <= domains and risk.threat_domains(slug)


def test_the_measures_file_has_a_source_and_a_verification_date():
    data = risk._data()
    assert data["source"] and len(data["last_verified"]) == 10


def test_risk_scoring_runs_without_django():
    code = "import sys, amparo.core.risk; sys.exit('django' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0  # noqa: S603
