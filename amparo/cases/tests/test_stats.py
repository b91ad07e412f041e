"""amparo stats: counts per facet, checked against counts made by hand from the fixture."""

from __future__ import annotations

import io
import json
from collections import Counter

import pytest
from django.core.management import call_command

from amparo.cases.models import Consent
from amparo.cases.queries_stats import entry_stats

RECORDS = [
    {
        "ref": "S1",
        "kind": "named",
        "country": "VEN",
        "gender": "female",
        "year": 2019,
        "bodies": ["hrc", "special_procedures"],
        "reprisal_types": ["detention", "threats_intimidation"],
        "themes": ["civil_political"],
        "contact_points": ["un_meeting_abroad"],
        "published": True,
        "consent": ["publish_in_portal"],
    },
    {
        "ref": "S2",
        "kind": "named",
        "country": "VEN",
        "gender": "male",
        "year": 2019,
        "bodies": ["hrc"],
        "reprisal_types": ["detention"],
        "themes": ["unclear"],
        "contact_points": ["remote_information"],
        "published": True,
        "consent": [],
    },
    {
        "ref": "S3",
        "kind": "unnamed",
        "country": "BHR",
        "gender": "",
        "year": 2021,
        "bodies": ["ohchr", "hrc"],
        "reprisal_types": ["travel_restriction"],
        "themes": [],
        "contact_points": ["un_meeting_abroad", "remote_information"],
        "published": False,
        "consent": ["publish_in_portal"],
    },
    {
        "ref": "S4",
        "kind": "general_situation",
        "country": "CHN",
        "gender": "",
        "year": None,
        "bodies": ["security_council"],
        "reprisal_types": [],
        "themes": [],
        "contact_points": [],
        "published": True,
        "consent": [],
    },
    {
        "ref": "S5",
        "kind": "named",
        "country": "EGY",
        "gender": "female",
        "year": 2015,
        "bodies": [],
        "reprisal_types": ["defamation", "detention"],
        "themes": ["womens_rights"],
        "contact_points": [],
        "published": True,
        "consent": ["include_in_sg_report"],
    },
]
REGION = {"VEN": "latin_america_caribbean", "BHR": "mena", "CHN": "asia_pacific", "EGY": "mena"}
MULTI = {
    "by_body": "bodies",
    "by_reprisal_type": "reprisal_types",
    "by_theme": "themes",
    "by_contact_point": "contact_points",
}


def is_public(r: dict) -> bool:
    personal = r["kind"] in ("named", "unnamed")
    return r["published"] and (not personal or "publish_in_portal" in r["consent"])


def by_hand(records: list[dict]) -> dict:
    expected = {"total": len(records), "published": sum(r["published"] for r in records)}
    expected["by_kind"] = Counter(r["kind"] for r in records)
    expected["by_country"] = Counter(r["country"] for r in records)
    expected["by_region"] = Counter(REGION[r["country"]] for r in records)
    expected["by_gender"] = Counter(r["gender"] for r in records if r["gender"])
    expected["by_year"] = Counter(str(r["year"]) for r in records if r["year"])
    for facet, column in MULTI.items():
        expected[facet] = Counter(v for r in records for v in r[column])
    return {k: dict(v) if isinstance(v, Counter) else v for k, v in expected.items()}


@pytest.fixture
def register(db, tmp_path):
    path = tmp_path / "stats.jsonl"
    lines = [json.dumps(r | {"title": r["ref"]}) for r in RECORDS]
    path.write_text("\n".join(lines), encoding="utf-8")
    call_command("import", str(path), stdout=io.StringIO(), stderr=io.StringIO())


def stats_json(*args: str) -> dict:
    out = io.StringIO()
    call_command("stats", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_it_counts_each_entry_once_per_value_it_holds(register):
    stats = stats_json()
    assert stats == by_hand(RECORDS)
    assert stats["by_body"]["hrc"] == 3 and stats["by_reprisal_type"]["detention"] == 3
    assert list(stats) == [
        "total",
        "published",
        "by_kind",
        "by_country",
        "by_region",
        "by_body",
        "by_reprisal_type",
        "by_gender",
        "by_year",
        "by_contact_point",
        "by_theme",
    ]


def test_published_only_counts_public_entries(register):
    public = [r for r in RECORDS if is_public(r)]
    assert [r["ref"] for r in public] == ["S1", "S4"]
    assert stats_json("--published-only") == by_hand(public)


def test_withdrawn_consent_takes_an_entry_out_of_public_figures(register):
    Consent.objects.filter(entry__ref="S1").update(withdrawn_on="2024-01-01")
    assert entry_stats(published_only=True)["total"] == 1


def test_the_text_table_shows_each_facet(register):
    out = io.StringIO()
    call_command("stats", stdout=out)
    text = out.getvalue()
    assert "entries" in text and "reprisal type" in text
    assert any(line.split()[:2] == ["detention", "3"] for line in text.splitlines())


def test_an_empty_register_has_empty_facets(db):
    stats = entry_stats()
    assert stats["total"] == 0 and stats["by_kind"] == {} and stats["by_theme"] == {}
