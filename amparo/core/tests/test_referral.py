"""The referral rules, each pinned to the handbook section it rests on (no database)."""

from __future__ import annotations

import copy
import datetime
import subprocess
import sys

import pytest

from amparo.core import reference
from amparo.core.directory import filtered
from amparo.core.referral import (
    MET,
    NOTE,
    UNKNOWN,
    UNMET,
    AnswerError,
    Answers,
    as_json,
    clean_addresses,
    cycle_notes,
    parse_answers,
    route,
)

TB_ADDRESSES = {
    "tb_ccpr": "ohchr-ccpr@un.org",
    "tb_cescr": "ohchr-cescr@un.org",
    "tb_cerd": "ohchr-cerd@un.org",
    "tb_cedaw": "ohchr-cedaw@un.org",
    "tb_cat": "ohchr-cat@un.org",
    "tb_crc": "ohchr-crc@un.org",
    "tb_cmw": "ohchr-cmw@un.org",
    "tb_crpd": "ohchr-crpd@un.org",
    "tb_ced": "ohchr-ced@un.org",
    "tb_spt": "ohchr-opcat@un.org",
}


def routed(**raw):
    raw.setdefault("country", "KEN")
    return route(parse_answers(raw), today=datetime.date(2026, 3, 1))


def status(routing, avenue, condition, body=None):
    rec = routing.get(avenue, body)
    return next(c.status for c in rec.conditions if c.slug == condition)


# --- Which avenues apply, by handbook rule -----------------------------------------------------

# (HB section, answers, avenue that must apply, avenue that must not)
RULES = [
    ("§3.1", {"bodies": ["tb_cat"]}, "tb_focal_point", None),
    ("§3.1", {"bodies": ["tb_cat"]}, "tb_individual_communication", None),
    ("§3.1", {"bodies": ["hrc"], "racial_or_ethnic_dimension": True}, "cerd_urgent_action", None),
    ("§3.1", {"bodies": ["hrc"]}, None, "cerd_urgent_action"),
    ("§3.1", {"bodies": ["tb_spt"]}, "tb_focal_point", "tb_individual_communication"),
    ("§3.2", {"bodies": ["hrc"]}, "hrc_president", None),
    ("§3.2", {"bodies": ["upr"]}, "hrc_president", None),
    ("§3.3", {"bodies": ["special_procedures"]}, "hrc_president", None),
    ("§3.3", {"bodies": ["special_procedures"]}, "sp_mandate_holder", None),
    ("§3.2", {"bodies": ["tb_ccpr"]}, None, "hrc_president"),
    ("§3.4", {"bodies": ["peace_operation"]}, "senior_official", None),
    ("§3.4", {"bodies": ["un_agency_other"]}, "senior_official", None),
    ("§3.4", {"bodies": ["achpr"], "country": "ZAF"}, None, "senior_official"),
    ("§3.4", {"bodies": ["iachr"], "country": "MEX"}, None, "senior_official"),
    ("§3.5.1", {"bodies": ["security_council"]}, "sg_report", None),
    ("§3.5.1", {"bodies": ["achpr"], "country": "ZAF"}, None, "sg_report"),
    (
        "§3.5.3",
        {"bodies": ["hrc"], "previous_citation": "A/HRC/57/60 para 45"},
        "sg_report_follow_up",
        None,
    ),
    ("§3.5.3", {"bodies": ["hrc"]}, None, "sg_report_follow_up"),
    ("§3.1-3.3", {"bodies": ["ohchr"]}, "sr_defenders", None),
    ("§4.1", {"bodies": ["iachr"], "country": "MEX"}, "iachr_request_information", None),
    ("§4.1", {"bodies": ["iachr"], "country": "MEX"}, "iachr_press_release", None),
    ("§4.1", {"bodies": ["iachr"], "country": "VEN"}, "iachr_request_information", None),
    ("§4.1", {"bodies": ["iachr"], "country": "NIC"}, "iachr_request_information", None),
    ("§4.1", {"bodies": ["iachr"], "country": "TTO"}, "iachr_request_information", None),
    ("§4.1", {"bodies": ["iachr"], "country": "FRA"}, None, "iachr_request_information"),
    ("§4.1", {"bodies": ["hrc"], "country": "MEX"}, None, "iachr_request_information"),
    (
        "§4.1.2",
        {"bodies": ["hrc"], "country": "COL", "urgent": True},
        "iachr_precautionary_measures",
        None,
    ),
    (
        "§4.1.2",
        {"bodies": ["iachr"], "country": "COL", "urgent": False},
        None,
        "iachr_precautionary_measures",
    ),
    (
        "§4.1.2",
        {"bodies": ["hrc"], "country": "KEN", "urgent": True},
        None,
        "iachr_precautionary_measures",
    ),
    ("§4.2", {"bodies": ["achpr"], "country": "ZAF"}, "achpr_focal_point", None),
    ("§4.2", {"bodies": ["achpr"], "country": "MAR"}, None, "achpr_focal_point"),
    ("§4.2", {"bodies": ["achpr"], "country": "BRA"}, None, "achpr_focal_point"),
    ("§4.2.2", {"bodies": ["achpr"], "country": "ZAF"}, "achpr_communication", None),
    ("§4.2.2", {"bodies": ["hrc"], "country": "ZAF", "urgent": True}, "achpr_communication", None),
    ("§4.2.2", {"bodies": ["hrc"], "country": "ZAF"}, None, "achpr_communication"),
    ("§5.1", {"bodies": ["hrc"]}, "embassy", None),
    ("§5.2", {"bodies": ["hrc"]}, "state_advocacy", None),
    ("ch.6", {"bodies": ["hrc"], "urgent": True}, "emergency_support", None),
    ("ch.6", {"bodies": ["hrc"], "reprisal_types": ["physical_attack"]}, "emergency_support", None),
    ("ch.6", {"bodies": ["hrc"], "reprisal_types": ["defamation"]}, None, "emergency_support"),
    ("§2.3.2", {"bodies": ["hrc"]}, "national_steps", None),
]


@pytest.mark.parametrize(("hb", "answers", "present", "absent"), RULES)
def test_each_handbook_rule_selects_its_avenues(hb, answers, present, absent):
    slugs = routed(**answers).slugs()
    if present:
        assert present in slugs, f"HB {hb}: expected {present}"
    if absent:
        assert absent not in slugs, f"HB {hb}: {absent} should not apply"


@pytest.mark.parametrize(("body", "address"), sorted(TB_ADDRESSES.items()))
def test_treaty_body_engagement_writes_to_that_committee(body, address):
    # HB §3.1: the focal point or Chair through the committee's own secretariat.
    rec = routed(bodies=[body]).get("tb_focal_point", body)
    assert rec.to == (address,)
    assert rec.body == body


def test_each_treaty_body_engaged_gets_its_own_entry():
    routing = routed(bodies=["tb_cat", "tb_crc"])
    focal = [r for r in routing.avenues if r.avenue == "tb_focal_point"]
    assert {(r.body, r.to) for r in focal} == {
        ("tb_cat", ("ohchr-cat@un.org",)),
        ("tb_crc", ("ohchr-crc@un.org",)),
    }


def test_only_cescr_is_flagged_for_lacking_the_san_jose_guidelines():
    # HB §3.1: nine of ten endorsed the guidelines; CESCR has not.
    routing = routed(bodies=["tb_cescr", "tb_ccpr"])
    assert status(routing, "tb_focal_point", "cescr_no_guidelines", "tb_cescr") == NOTE
    ccpr = routing.get("tb_focal_point", "tb_ccpr")
    assert "cescr_no_guidelines" not in [c.slug for c in ccpr.conditions]


def test_cerd_urgent_action_writes_to_cerd_without_exhaustion():
    # HB §3.1: racial or ethnic dimension; no need to exhaust domestic remedies.
    routing = routed(bodies=["hrc"], racial_or_ethnic_dimension=True)
    rec = routing.get("cerd_urgent_action")
    assert rec.to == ("ohchr-cerd@un.org",)
    assert status(routing, "cerd_urgent_action", "racial_dimension") == MET
    assert status(routing, "cerd_urgent_action", "no_exhaustion") == MET


@pytest.mark.parametrize(
    ("remedies", "expected"), [("yes", MET), ("no", UNMET), ("unknown", UNKNOWN)]
)
def test_individual_communication_needs_exhausted_remedies(remedies, expected):
    # HB §3.1: exhaustion required (with exceptions, explained in a note when not met).
    routing = routed(bodies=["tb_ccpr"], domestic_remedies_exhausted=remedies)
    assert status(routing, "tb_individual_communication", "exhausted", "tb_ccpr") == expected
    rec = routing.get("tb_individual_communication", "tb_ccpr")
    assert rec.to == ("ohchr-ccpr@un.org",)
    note = next(c.note for c in rec.conditions if c.slug == "exhausted")
    assert (note is not None) == (remedies == "no")


def test_unexhausted_individual_communication_moves_down_the_list():
    # Colombia is recorded as a party to the first Optional Protocol (treaties.json).
    exhausted = routed(bodies=["tb_ccpr"], country="COL", domestic_remedies_exhausted="yes")
    not_yet = routed(bodies=["tb_ccpr"], country="COL", domestic_remedies_exhausted="no")
    assert (
        not_yet.get("tb_individual_communication").priority
        > exhausted.get("tb_individual_communication").priority
    )


@pytest.mark.parametrize("body", ["hrc", "upr", "special_procedures"])
def test_hrc_president_is_written_to_at_un_org_with_ngo_liaison_in_copy(body):
    # HB §3.2 (the §3.3 unog.org address is a slip, REFERENCE §3).
    rec = routed(bodies=[body]).get("hrc_president")
    assert rec.to == ("hrcpresidency@un.org",)
    assert rec.cc == ("ohchr-hrcngo@un.org",)
    assert rec.languages == ("en", "fr")


def test_the_unog_org_slip_is_corrected_even_if_it_reaches_the_data():
    avenues = copy.deepcopy(reference.avenues())
    president = next(a for a in avenues if a["slug"] == "hrc_president")
    president["to"] = ["hrcpresidency@unog.org"]
    answers = parse_answers({"bodies": ["hrc"], "country": "KEN"})
    rec = route(answers, avenues).get("hrc_president")
    assert rec.to == ("hrcpresidency@un.org",)


def test_addresses_hold_only_email_addresses():
    assert clean_addresses(["the mandate's address", " a@un.org ", "a@un.org", ""]) == ("a@un.org",)


def test_in_geneva_asks_for_a_meeting_with_the_president():
    # HB §3.2: seek a meeting if in Geneva or fearing return.
    here = routed(bodies=["hrc"], in_geneva=True).get("hrc_president")
    away = routed(bodies=["hrc"], in_geneva=False).get("hrc_president")
    assert any("meeting" in n.msgid for n in here.notes)
    assert not any("meeting" in n.msgid for n in away.notes)


def test_senior_official_comes_first_for_un_engagement():
    # HB §3.4: any UN entity; the first door for a UN-linked case.
    for bodies in (["hrc"], ["tb_cat"], ["peace_operation"], ["special_procedures", "iachr"]):
        routing = routed(bodies=bodies, country="MEX")
        assert routing.avenues[0].avenue == "senior_official", bodies
        assert routing.avenues[0].to == ("ohchr-reprisals@un.org",)


def test_urgent_puts_emergency_support_first_and_senior_official_first_of_the_un():
    routing = routed(bodies=["hrc"], urgent=True)
    assert routing.avenues[0].avenue == "emergency_support"
    un = [r.avenue for r in routing.avenues if r.body in ("ohchr", "hrc", "special_procedures")]
    assert un[0] == "senior_official"


def test_regional_only_engagement_warns_that_the_senior_official_does_not_take_it():
    # HB §3.4: not for cooperation with regional bodies only.
    routing = routed(bodies=["iachr"], country="MEX")
    assert "senior_official" not in routing.slugs()
    assert any("HB §3.4" in w.msgid for w in routing.warnings)


def test_sg_report_carries_a_consent_note_and_the_yearly_cycle():
    # HB §3.5.1: explicit consent to inclusion, even if given for earlier action.
    routing = routed(bodies=["hrc"])
    rec = routing.get("sg_report")
    assert rec.to == ("ohchr-reprisals@un.org",)
    assert status(routing, "sg_report", "explicit_consent_report") == UNKNOWN
    texts = [n.render() for n in rec.notes]
    assert any("explicit consent" in t for t in texts)
    assert any("September" in t for t in texts)
    assert any("mid-April" in t for t in texts)


@pytest.mark.parametrize(
    ("consents", "expected"),
    [(frozenset({"include_in_sg_report"}), MET), (frozenset({"share_within_un"}), UNMET)],
)
def test_sg_report_consent_is_met_only_by_consent_to_the_report(consents, expected):
    # REFERENCE §5: consent for one purpose never implies another.
    answers = Answers(country="KEN", bodies=("hrc",), consents=consents)
    routing = route(answers)
    assert status(routing, "sg_report", "explicit_consent_report") == expected


def test_follow_up_cites_symbol_and_paragraph():
    # HB §3.5.3: reference the case by report number and paragraph.
    routing = routed(bodies=["hrc"], previous_citation="A/HRC/54/61 annex I para 80")
    rec = routing.get("sg_report_follow_up")
    assert status(routing, "sg_report_follow_up", "cite_report") == MET
    assert any("A/HRC/54/61 annex I para 80" in n.render() for n in rec.notes)
    assert routing.slugs().index("sg_report_follow_up") < routing.slugs().index("sg_report")


def test_follow_up_without_paragraph_is_flagged():
    routing = routed(bodies=["hrc"], previous_citation="A/HRC/54/61")
    assert status(routing, "sg_report_follow_up", "cite_report") == UNKNOWN
    assert any("paragraph" in w.msgid for w in routing.warnings)


@pytest.mark.parametrize(
    ("country", "left"), [("MEX", False), ("VEN", True), ("NIC", True), ("TTO", True)]
)
def test_iachr_acts_on_states_that_left_the_oas_or_denounced_the_convention(country, left):
    # HB §4.1: membership, present or past, decides; no per-country branch.
    routing = routed(bodies=["iachr"], country=country)
    assert status(routing, "iachr_request_information", "oas_state") == MET
    notes = [n.msgid for n in routing.get("iachr_request_information").notes]
    assert any("left the OAS" in n for n in notes) == left


def test_iachr_engagement_for_a_state_outside_the_americas_is_warned_about():
    routing = routed(bodies=["iachr"], country="FRA")
    assert any("Inter-American" in w.msgid for w in routing.warnings)


@pytest.mark.parametrize(
    ("perpetrators", "expected"), [(["state"], MET), (["non_state_business"], UNKNOWN)]
)
def test_precautionary_measures_waive_national_first_when_the_state_is_behind_it(
    perpetrators, expected
):
    # HB §4.1.2: going to the authorities first is waived when they are the threat.
    routing = routed(bodies=["iachr"], country="COL", urgent=True, perpetrators=perpetrators)
    rec = routing.get("iachr_precautionary_measures")
    assert rec.to == ("cidhmonitoreo@oas.org",)
    assert rec.cc == ("cidhdefensores@oas.org",)
    assert status(routing, "iachr_precautionary_measures", "serious_urgent") == MET
    assert status(routing, "iachr_precautionary_measures", "national_first") == expected


@pytest.mark.parametrize(
    ("remedies", "expected"), [("yes", MET), ("no", UNKNOWN), ("unknown", UNKNOWN)]
)
def test_achpr_communication_needs_remedies_exhausted_or_explained(remedies, expected):
    # HB §4.2.2: exhausted, or the reasons why not given.
    routing = routed(bodies=["achpr"], country="ZAF", domestic_remedies_exhausted=remedies)
    assert status(routing, "achpr_communication", "exhausted_or_reasons") == expected
    cond = next(
        c for c in routing.get("achpr_communication").conditions if c.slug == "exhausted_or_reasons"
    )
    assert (cond.note is not None) == (remedies == "no")


def test_achpr_focal_point_addresses():
    # HB §4.2: Banjul, copying the two addresses the handbook gives.
    rec = routed(bodies=["achpr"], country="ZAF").get("achpr_focal_point")
    assert rec.to == ("au-banjul@africa-union.org",)
    assert rec.cc == ("africancommission@yahoo.com", "BagonaA@africa-union.org")


def test_national_steps_warn_when_the_state_is_the_perpetrator():
    # HB §2.3.2: complaining to authorities behind the threat may expose the person.
    routing = routed(bodies=["hrc"], perpetrators=["state"])
    assert status(routing, "national_steps", "authorities_involved") == UNMET


def test_embassy_caution_is_kept():
    # HB §5.1: being seen at an embassy can raise risk.
    routing = routed(bodies=["hrc"])
    assert status(routing, "embassy", "seen_at_embassy") == NOTE


def test_no_body_selected_still_lists_un_avenues_with_the_link_unknown():
    routing = routed(bodies=[])
    assert status(routing, "senior_official", "un_cooperation") == UNKNOWN
    assert any("No body" in w.msgid for w in routing.warnings)


def test_priorities_are_ranks_in_order():
    routing = routed(bodies=["hrc", "tb_cat", "iachr"], country="VEN", urgent=True)
    assert [r.priority for r in routing.avenues] == list(range(1, len(routing.avenues) + 1))


def test_avenues_added_by_an_administrator_apply_to_their_bodies():
    avenues = [*reference.avenues(), {"slug": "coe_commissioner", "bodies": ["coe"], "to": []}]
    answers = parse_answers({"bodies": ["coe"], "country": "FRA"})
    assert "coe_commissioner" in route(answers, avenues).slugs()


# --- The yearly cycle is data (REFERENCE §3: "mid-April" v "May") ----------------------------


def test_cycle_uses_the_years_own_call_date_when_known():
    cycle = {
        "years": [{"year": 2027, "call_for_submissions": "2027-05-06", "deadline": "2027-06-01"}]
    }
    this_year = cycle_notes(cycle, datetime.date(2027, 4, 1))[0].render()
    assert "2027-05-06" in this_year and "2027-06-01" in this_year
    other_year = cycle_notes(cycle, datetime.date(2028, 4, 1))[0].render()
    assert "mid-April" in other_year and "May" in other_year


# --- Input and output --------------------------------------------------------------------------

BAD_INPUT = [
    ({"urgent": "yes"}, "urgent", "true, false"),
    ({"domestic_remedies_exhausted": "maybe"}, "domestic_remedies_exhausted", "yes|no|unknown"),
    ({"bodies": ["un_security"]}, "bodies", "tb_ccpr"),
    ({"bodies": "hrc"}, "bodies", "hrc"),
    ({"reprisal_types": ["jail"]}, "reprisal_types", "detention"),
    ({"perpetrators": ["police"]}, "perpetrators", "state"),
    ({"country": "Atlantis"}, "country", "alpha-3"),
    ({"previous_citation": "report 57"}, "previous_citation", "para"),
    ({"colour": "red"}, "colour", "previous_citation"),
]


@pytest.mark.parametrize(("raw", "field", "allowed"), BAD_INPUT)
def test_bad_input_names_the_field_and_the_allowed_values(raw, field, allowed):
    with pytest.raises(AnswerError) as caught:
        parse_answers(raw)
    assert caught.value.field == field
    assert allowed in str(caught.value)


def test_country_accepts_codes_and_un_names():
    assert parse_answers({"country": "ven"}).country == "VEN"
    assert parse_answers({"country": "Viet Nam"}).country == "VNM"


def test_json_output_has_the_specified_keys_and_only_addresses():
    routing = routed(
        bodies=["special_procedures", "tb_ced"], previous_citation="A/HRC/57/60 para 3"
    )
    out = as_json(routing)
    assert set(out) == {"avenues", "warnings"}
    for avenue in out["avenues"]:
        assert set(avenue) == {
            "avenue",
            "body",
            "to",
            "cc",
            "priority",
            "conditions",
            "include",
            "next_steps",
            "source",
        }
        for address in avenue["to"] + avenue["cc"]:
            assert "@" in address and " " not in address
    assert all(isinstance(w, str) for w in out["warnings"])


def test_core_referral_never_imports_django():
    code = (
        "import sys, amparo.core.referral, amparo.core.directory; "
        "sys.exit(1 if any(m.startswith('django') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0  # noqa: S603


# --- Directory (HB ch.5-6) ---------------------------------------------------------------------


def test_directory_lists_the_eight_guideline_holders_with_the_embassy_caution():
    data = filtered()
    assert {m["code"] for m in data["missions"]} == {
        "CAN",
        "FIN",
        "EU",
        "IRL",
        "NOR",
        "CHE",
        "GBR",
        "USA",
    }
    assert all(m["source"] and m["last_verified"] for m in data["missions"] + data["ngos"])


def test_directory_filters_by_need():
    data = filtered(need="safe_return")
    assert [m["code"] for m in data["missions"]] == ["CHE"]  # HB §5.1: help returning home
    assert all("digital_security" in n["help"] for n in filtered(need="digital_security")["ngos"])
    with pytest.raises(ValueError, match="need"):
        filtered(need="teleportation")
