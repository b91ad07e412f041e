"""Treaty-body conditions judged from treaty acceptance data (HB §3.1; treaties.json), no database."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from amparo.core import reference
from amparo.core.referral import MET, UNKNOWN, UNMET, as_json, parse_answers, route

TODAY = datetime.date(2026, 3, 1)


def routed(acceptances=None, **raw):
    return route(parse_answers(raw), today=TODAY, acceptances=acceptances)


def condition(routing, avenue, slug, body=None):
    rec = routing.get(avenue, body)
    return next(c for c in rec.conditions if c.slug == slug)


# (HB section, State, treaty body, ratified, competence) taken from the shipped records.
INDIVIDUAL_COMMUNICATION = [
    ("§3.1", "COL", "tb_ccpr", MET, MET),  # party to the Covenant and to its first Protocol
    ("§3.1", "KEN", "tb_ccpr", MET, UNMET),  # party to the Covenant only
    ("§3.1", "JAM", "tb_ccpr", MET, UNMET),  # denounced the first Optional Protocol
    ("§3.1", "IND", "tb_cat", UNMET, UNMET),  # not a party: no art. 22 declaration possible
    ("§3.1", "FRA", "tb_cat", MET, UNKNOWN),  # party; no citable list of art. 22 declarations
    ("§3.1", "TWN", "tb_ccpr", UNKNOWN, UNKNOWN),  # outside the dataset
]


@pytest.mark.parametrize(
    ("hb", "country", "body", "ratified", "competence"), INDIVIDUAL_COMMUNICATION
)
def test_individual_communication_follows_the_states_acceptance(
    hb, country, body, ratified, competence
):
    routing = routed(country=country, bodies=[body])
    assert condition(routing, "tb_individual_communication", "ratified", body).status == ratified
    assert (
        condition(routing, "tb_individual_communication", "competence", body).status == competence
    )


def test_an_accepted_procedure_names_its_source_and_last_verified_date():
    # HB §3.1: eligible only if the State ratified and accepted the committee's competence.
    cond = condition(
        routed(country="COL", bodies=["tb_ccpr"]), "tb_individual_communication", "competence"
    )
    text = cond.full_text()
    assert "Colombia" in text and "recorded as accepted" in text
    assert "hr_status_iccpr_op1.csv" in text
    assert "last verified 2026-11-30" in text


def test_not_accepted_keeps_the_other_doors_open():
    # HB §3.1 "You can also": focal point, senior official (§3.4) and the Report (§3.5) stay.
    routing = routed(country="KEN", bodies=["tb_ccpr"])
    cond = condition(routing, "tb_individual_communication", "competence")
    assert cond.status == UNMET
    assert "recorded as not accepted" in cond.full_text()
    assert "senior official" in cond.note.render()
    for slug in ("tb_focal_point", "senior_official", "sg_report"):
        assert slug in routing.slugs()
    ranks = {r.avenue: r.priority for r in routing.avenues}
    assert ranks["tb_individual_communication"] > ranks["senior_official"]


def test_unknown_says_where_to_check():
    cond = condition(
        routed(country="FRA", bodies=["tb_cat"]), "tb_individual_communication", "competence"
    )
    assert cond.status == UNKNOWN
    assert "not verified" in cond.full_text()
    assert "UN Treaty Collection" in cond.full_text()


def test_without_a_state_the_treaty_conditions_stay_to_check():
    cond = condition(routed(bodies=["tb_ccpr"]), "tb_individual_communication", "competence")
    assert cond.status == UNKNOWN
    assert "No State was given" in cond.full_text()


@pytest.mark.parametrize(("country", "expected"), [("KEN", MET), ("MYS", UNMET), ("TWN", UNKNOWN)])
def test_cerd_urgent_action_needs_a_state_party_to_icerd(country, expected):
    # HB §3.1: CERD's early warning and urgent action procedure (for States parties, ICERD art. 9).
    routing = routed(country=country, bodies=["hrc"], racial_or_ethnic_dimension=True)
    assert condition(routing, "cerd_urgent_action", "cerd_state_party").status == expected
    assert "cerd_urgent_action" in routing.slugs()


def test_an_administrators_record_replaces_the_shipped_one():
    # The web layer passes the database copy; nothing in the rules names a country.
    edited = [
        reference.Acceptance("FRA", "tb_cat", "party", "accepted", "file", "2026-11-30"),
        reference.Acceptance(
            "FRA",
            "tb_cat",
            "individual_communication",
            "accepted",
            "UNTC IV-9, checked by admin",
            "2027-01-05",
        ),
    ]
    cond = condition(
        routed(acceptances=edited, country="FRA", bodies=["tb_cat"]),
        "tb_individual_communication",
        "competence",
    )
    assert cond.status == MET
    assert "UNTC IV-9, checked by admin" in cond.full_text()
    assert "2027-01-05" in cond.full_text()


def test_route_json_conditions_carry_the_source_in_their_text():
    out = as_json(routed(country="KEN", bodies=["tb_ccpr"]))
    ic = next(a for a in out["avenues"] if a["avenue"] == "tb_individual_communication")
    competence = next(c for c in ic["conditions"] if c["condition"] == "competence")
    assert competence["status"] == UNMET
    assert "hr_status_iccpr_op1.csv" in competence["text"]
    assert set(competence) == {"condition", "text", "status", "note"}


@pytest.mark.parametrize(("country", "present"), [("MEX", True), ("USA", False)])
def test_a_disappearance_in_a_state_party_points_to_ced_urgent_action(country, present):
    # ICPED art. 30 urgent action: open to every State party (treaties.json `follows: party`).
    routing = routed(country=country, bodies=["hrc"], reprisal_types=["disappearance_kidnapping"])
    texts = " ".join(w.render() for w in routing.warnings)
    assert ("urgent action, art. 30" in texts) == present


def test_the_shipped_records_are_complete_and_sourced():
    data = reference.treaties()
    stored = {
        (b["body"], p)
        for b in data["bodies"]
        for p, spec in b["procedures"].items()
        if spec.get("stored")
    }
    keys = [(a["country"], a["body"], a["procedure"]) for a in data["acceptances"]]
    assert len(keys) == len(set(keys)) == len(reference.countries()) * len(stored)
    for raw in data["acceptances"]:
        assert raw["status"] in reference.ACCEPTANCE_STATUSES
        assert raw["source"] in data["sources"]
        datetime.date.fromisoformat(raw["last_verified"])
        if raw["status"] != "unknown":
            assert raw["source"] != "none"  # never a status without a citable source
    for spec in data["conditions"]:
        assert spec["procedure"] in {p for b in data["bodies"] for p in b["procedures"]}


def test_the_rules_name_no_country():
    source = Path(reference.__file__).with_name("referral.py").read_text(encoding="utf-8")
    codes = set(reference.countries())
    assert not [c for c in re.findall(r"[\"']([A-Z]{3})[\"']", source) if c in codes]
