"""The situation report states every HB §1.2 figure, computed here independently of it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from amparo.analytics.report import situation_report
from amparo.cases.queries import Labels

# The fixture register, as plain data: kind, subject kind, gender, country, year, terms.
SPEC = [
    (
        "named",
        "individual",
        "male",
        "BHR",
        2018,
        ["hrc"],
        ["threats_intimidation", "detention"],
        ["civil_political"],
        ["un_meeting_abroad"],
    ),
    (
        "named",
        "individual",
        "male",
        "BHR",
        2019,
        ["hrc", "upr"],
        ["threats_intimidation"],
        ["accountability"],
        ["remote_information"],
    ),
    (
        "named",
        "individual",
        "female",
        "EGY",
        2019,
        ["special_procedures"],
        ["defamation"],
        ["womens_rights"],
        ["un_meeting_abroad"],
    ),
    (
        "named",
        "organisation",
        "",
        "CHN",
        2020,
        ["tb_cat"],
        ["criminal_proceedings"],
        ["civil_political"],
        ["un_meeting_in_country"],
    ),
    (
        "named",
        "individual",
        "female",
        "VEN",
        2021,
        ["hrc"],
        ["travel_restriction"],
        ["environment"],
        ["case_raised_by_un"],
    ),
    (
        "unnamed",
        "group",
        "",
        "BHR",
        2021,
        ["ohchr"],
        ["surveillance"],
        ["civil_political"],
        ["remote_information"],
    ),
    ("unnamed", "", "", "RUS", 2022, ["hrc"], ["threats_intimidation"], [], []),
    ("general_situation", "", "", "IND", 2022, ["peace_operation"], [], ["other"], []),
    ("preemptive_statement", "", "", "VEN", 2023, ["special_procedures"], [], [], []),
]
REGION = {
    "BHR": "mena",
    "EGY": "mena",
    "CHN": "asia_pacific",
    "VEN": "latin_america_caribbean",
    "RUS": "eastern_europe_central_asia",
    "IND": "asia_pacific",
}


@pytest.fixture
def register(publish):
    for kind, subject_kind, gender, country, year, bodies, types, themes, contacts in SPEC:
        publish(
            kind=kind,
            subject_kind=subject_kind,
            gender=gender,
            country=country,
            year=year,
            body=bodies,
            reprisal_type=types,
            theme=themes,
            contact_point=contacts,
        )
    publish(country="FRA", consented=False)  # published without consent: in no figure


def expected(rows, key) -> Counter:
    counts: Counter = Counter()
    for row in rows:
        value = key(row)
        for v in value if isinstance(value, list) else [value]:
            counts[v] += 1
    return counts


def stated(report, section_id: str) -> dict[str, tuple[int, float]]:
    section = next(s for s in report.sections if s.id == section_id)
    return {s.label: (s.count, s.percent) for s in section.statements}


def as_labels(counts: Counter, vocabulary: str, whole: int) -> dict[str, tuple[int, float]]:
    labels = Labels.load()
    return {labels.of(vocabulary, k): (n, round(100 * n / whole, 1)) for k, n in counts.items()}


def test_the_report_states_every_hb_1_2_figure(register):
    report = situation_report({})
    named = [r for r in SPEC if r[0] == "named"]
    assert (report.total, report.named_total) == (9, 5)
    kinds = expected(SPEC, lambda r: r[0])
    assert stated(report, "kinds") == as_labels(kinds, "kind", 9)
    gender = expected(named, lambda r: r[2] or r[1])
    labels = Labels.load()
    assert stated(report, "gender") == {
        (labels.of("subject_kind", k) if k == "organisation" else labels.of("gender", k)): (
            n,
            round(100 * n / 5, 1),
        )
        for k, n in gender.items()
    }
    assert stated(report, "themes") == as_labels(expected(SPEC, lambda r: r[7]), "theme", 9)
    assert stated(report, "countries") == as_labels(expected(SPEC, lambda r: r[3]), "country", 9)
    regions = expected(SPEC, lambda r: REGION[r[3]])
    assert stated(report, "regions") == as_labels(regions, "region", 9)
    named_regions = expected(named, lambda r: REGION[r[3]])
    assert stated(report, "regions-named") == as_labels(named_regions, "region", 5)
    contacts = expected(SPEC, lambda r: r[8])
    assert stated(report, "contact-points") == as_labels(contacts, "contact_point", 9)
    assert stated(report, "bodies") == as_labels(expected(SPEC, lambda r: r[5]), "body", 9)
    types = expected(named, lambda r: r[6])
    assert stated(report, "reprisal-types") == as_labels(types, "reprisal_type", 5)
    assert stated(report, "reprisal-types")[labels.of("reprisal_type", "threats_intimidation")] == (
        2,
        40.0,
    )


def test_the_report_follows_a_country_a_year_range_and_a_body(register):
    report = situation_report({"country": ["BHR"], "year_from": "2019", "year_to": "2021"})
    assert (report.total, report.named_total) == (2, 1)
    assert "Years: 2019 to 2021" in report.filters
    by_body = situation_report({"body": ["hrc"]})
    assert by_body.total == len([r for r in SPEC if "hrc" in r[5]])


def test_charts_carry_a_title_a_text_alternative_and_their_data(register):
    response = Client().get("/analytics/", {"region": "mena"})
    html = response.content.decode()
    charts = response.context["charts"]
    assert [c.id for c in charts] == [
        "years",
        "countries",
        "regions",
        "regions-named",
        "bodies",
        "reprisal-types",
        "contact-points",
        "gender",
        "themes",
    ]
    for chart in charts:
        assert f'<title id="svg-{chart.id}-title">' in html and f'id="svg-{chart.id}-desc"' in html
    countries = next(c for c in charts if c.id == "countries")
    assert countries.rows == [["Bahrain", "3", "75.0 %"], ["Egypt", "1", "25.0 %"]]
    assert "<script" not in html and "style=" not in html


def test_the_world_map_shades_the_countries_of_the_filtered_entries(register):
    svg = Client().get("/analytics/map.svg", {"country": "VEN"}).content.decode()
    assert svg.startswith("<svg") and "<title" in svg
    shaded = [t for t in svg.split("<path")[1:] if 'fill="#e4e4e4"' not in t]
    assert len(shaded) == 1 and "Venezuela" in shaded[0]


def test_amparo_report_writes_html_and_pdf(register, tmp_path: Path):
    html_file, pdf_file = tmp_path / "r.html", tmp_path / "r.pdf"
    call_command("report", "--country", "BHR", "--output", str(html_file))
    call_command("report", "--year-from", "2020", "--format", "pdf", "--output", str(pdf_file))
    html = html_file.read_text()
    assert "Country: Bahrain" in html and "3 (100.0 % of all entries)" in html
    assert pdf_file.read_bytes().startswith(b"%PDF")


def test_the_report_button_downloads_a_pdf(register):
    response = Client().get("/analytics/report/", {"body": "hrc"})
    assert b"/analytics/report.pdf?body=hrc" in response.content
    pdf = Client().get("/analytics/report.pdf", {"body": "hrc"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
