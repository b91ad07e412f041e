"""The shipped reference data holds every slug of REFERENCE §2 and consistent countries."""

import pytest

from amparo.core import reference

REFERENCE_SLUGS = {
    "kind": ["named", "unnamed", "general_situation", "preemptive_statement"],
    "region": [
        "mena",
        "asia_pacific",
        "latin_america_caribbean",
        "sub_saharan_africa",
        "eastern_europe_central_asia",
        "weog",
    ],
    "status": ["open", "follow_up_due", "resolved", "closed"],
    "consent_purpose": [
        "raise_with_state",
        "share_within_un",
        "include_in_sg_report",
        "publish_in_portal",
        "share_with_partner_ngo",
    ],
}


@pytest.mark.parametrize(("vocabulary", "expected"), REFERENCE_SLUGS.items())
def test_vocabularies_hold_the_reference_slugs_in_order(vocabulary, expected):
    assert list(reference.slugs(vocabulary)) == expected


def test_every_term_has_three_languages():
    for name, vocabulary in reference.vocabularies().items():
        for term in vocabulary["terms"]:
            assert all(term["label"].get(lang) for lang in ("en", "fr", "es")), (name, term["slug"])


def test_reprisal_types_start_with_the_most_common_for_states():
    assert reference.slugs("reprisal_type")[:3] == (
        "threats_intimidation",
        "defamation",
        "travel_restriction",
    )
    assert {"killing", "other"} <= set(reference.slugs("reprisal_type"))


def test_every_country_maps_to_one_known_region():
    regions = set(reference.slugs("region"))
    assert len(reference.countries()) >= 195
    assert all(c.region in regions for c in reference.countries().values())


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Viet Nam", "VNM"),
        ("vietnam", "VNM"),
        ("Iran (Islamic Republic of)", "IRN"),
        ("Venezuela (Bolivarian Republic of)", "VEN"),
        ("Türkiye", "TUR"),
        ("bhr", "BHR"),
    ],
)
def test_it_finds_a_country_by_un_name_alias_or_code(name, code):
    assert reference.country_lookup()[name.casefold()] == code


def test_hrc_president_uses_the_un_org_address_not_the_handbook_slip():
    avenue = next(a for a in reference.avenues() if a["slug"] == "hrc_president")
    assert avenue["to"] == ["hrcpresidency@un.org"]
    assert all("unog.org" not in address for address in avenue["to"] + avenue["cc"])


def test_every_avenue_cites_the_handbook():
    slugs = [a["slug"] for a in reference.avenues()]
    assert len(slugs) == 19 and len(set(slugs)) == 19
    assert all(a["hb"] for a in reference.avenues())
