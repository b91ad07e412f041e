"""Reading Reprisals Reports: splitting, countries, names, suggestions, citations (no database)."""

from __future__ import annotations

import pytest

from amparo.core import sgreport

ANNEX_ERA = """A/HRC/99/10

I. Introduction
1. The present report covers the period under review.
2. It was prepared with contributions from many sources.

Annex I
Information on alleged cases of intimidation and reprisals
Viet Nam
3. On 3 March 2023, Mr. Tarek Al-Fahrani, a human rights defender who travelled to Geneva to
attend the session of the Human Rights Council, was arrested on his return and charged with
spreading false information. His passport was confiscated.
4. Members of the Centre for Rights and Justice were threatened and their office raided after
they submitted information to the Committee against Torture.
GE.23-12345
Venezuela (Bolivarian Republic of)
5. A woman human rights defender who met with the delegation during the visit of the High
Commissioner was followed by unidentified men and received threats.
Annex II
Viet Nam
1. The Secretary-General previously reported on the case of Mr. Tarek Alfahrani (A/HRC/98/20,
annex I, para. 7; A/HRC/97/30, paras. 12-13). He remains in detention.
"""

BODY_ERA = """II. Information received
Bahrain
10. Ms. Lina Qaderi, who spoke at the universal periodic review of Bahrain, was prevented from
boarding a flight to Geneva in 2015. In 2016, she was summoned for questioning.
2016. This line opens with a year and belongs to the paragraph above.
Iran (Islamic Republic of)
11. The new law on foreign funding, adopted in 2014, restricts civil society organizations in the
country that cooperate with the United Nations.
III. Conclusions and recommendations
12. The Secretary-General urges all States to prevent reprisals.
"""


def test_it_splits_the_annex_era_into_parts_and_countries():
    paragraphs, _ = sgreport.split_paragraphs(ANNEX_ERA)
    got = [(p.annex, p.number, p.country) for p in paragraphs]
    assert got == [
        (None, 1, None),
        (None, 2, None),
        ("I", 3, "VNM"),
        ("I", 4, "VNM"),
        ("I", 5, "VEN"),
        ("II", 1, "VNM"),
    ]


def test_a_wrapped_line_opening_with_a_year_is_not_a_paragraph():
    paragraphs, _ = sgreport.split_paragraphs(BODY_ERA)
    assert [p.number for p in paragraphs] == [10, 11, 12]
    assert "This line opens with a year" in paragraphs[0].text


def test_page_marks_do_not_end_up_in_paragraph_text():
    paragraphs, _ = sgreport.split_paragraphs(ANNEX_ERA)
    assert all("GE.23" not in p.text for p in paragraphs)


@pytest.mark.parametrize(
    ("text", "symbol", "expected"),
    [
        (ANNEX_ERA, "A/HRC/99/10", [("I", 3), ("I", 4), ("I", 5), ("II", 1)]),
        (BODY_ERA, "A/HRC/33/19", [(None, 10), (None, 11)]),
    ],
)
def test_only_paragraphs_in_country_sections_yield_candidates(text, symbol, expected):
    assert [(x.annex, x.paragraph) for x in sgreport.extract(text, symbol)] == expected


@pytest.mark.parametrize(
    ("heading", "code"),
    [
        ("Viet Nam", "VNM"),
        ("Venezuela (Bolivarian Republic of)", "VEN"),
        ("Iran (Islamic Republic of)", "IRN"),
        ("A. Bahrain", "BHR"),
        ("Bahreïn", "BHR"),
        ("Introduction", None),
        ("Follow-up information", None),
    ],
)
def test_country_headings_map_to_iso_codes(heading, code):
    assert sgreport.country_of(heading) == code


@pytest.mark.parametrize(
    ("text", "persons", "organisations"),
    [
        ("Mr. Tarek Al-Fahrani was arrested.", ["Tarek Al-Fahrani"], []),
        (
            "Ms. Ana de la Fuente and Mr. Omar bin Saleh were threatened.",
            ["Ana de la Fuente", "Omar bin Saleh"],
            [],
        ),
        ("La Sra. María Quispe Huamán fue detenida.", ["María Quispe Huamán"], []),
        ("Mme Awa Diallo a été menacée.", ["Awa Diallo"], []),
        (
            "Mr. Karim Haddad (A/HRC/51/47, para. 3) remains detained. Mr. Haddad",
            ["Karim Haddad"],
            [],
        ),
        (
            "Members of the Delta Centre for Human Rights were threatened.",
            [],
            ["Delta Centre for Human Rights"],
        ),
        ("La Fundación Tierra Viva denunció amenazas.", [], ["Fundación Tierra Viva"]),
        ("He spoke at the Human Rights Council and met the Special Rapporteur.", [], []),
    ],
)
def test_it_finds_persons_and_organisations(text, persons, organisations):
    assert sgreport.find_persons(text) == persons
    assert sgreport.find_organisations(text) == organisations


@pytest.mark.parametrize(
    ("text", "section", "slug", "words"),
    [
        (
            "His passport was confiscated at the airport.",
            "reprisal_type",
            "travel_restriction",
            ("passport was confiscated",),
        ),
        (
            "Elle a été arrêtée et placée en détention.",
            "reprisal_type",
            "detention",
            ("arrêtée", "détention"),
        ),
        ("Fue amenazada por la policía.", "reprisal_type", "threats_intimidation", ("amenazada",)),
        (
            "She briefed the Committee against Torture.",
            "body",
            "tb_cat",
            ("Committee against Torture",),
        ),
        (
            "Il a coopéré avec le Conseil des droits de l'homme.",
            "body",
            "hrc",
            ("Conseil des droits de l'homme",),
        ),
        (
            "Se reunió con el Relator Especial en Ginebra.",
            "contact_point",
            "un_meeting_abroad",
            ("en Ginebra",),
        ),
    ],
)
def test_each_suggestion_shows_the_words_it_rests_on(text, section, slug, words):
    found = {s.slug: s.words for s in sgreport.suggest(section, text)}
    assert found.get(slug) == words


def test_a_body_name_is_not_read_as_a_reprisal():
    x = sgreport.extract(ANNEX_ERA, "A/HRC/99/10")[1]
    assert "physical_attack" not in [s.slug for s in x.reprisal_types]
    assert [s.slug for s in x.bodies] == ["tb_cat"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(A/HRC/54/61, annex II, para. 12)", ["A/HRC/54/61 annex II para 12"]),
        (
            "see A/HRC/48/28, paras. 30-32",
            ["A/HRC/48/28 para 30", "A/HRC/48/28 para 31", "A/HRC/48/28 para 32"],
        ),
        (
            "(A/HRC/51/47, annexe I, par. 5 et 6)",
            ["A/HRC/51/47 annex I para 5", "A/HRC/51/47 annex I para 6"],
        ),
        ("(A/HRC/51/47, anexo I, párr. 9)", ["A/HRC/51/47 annex I para 9"]),
        ("as reported in A/HRC/99/10, para. 4", []),
    ],
)
def test_earlier_citations_are_read_and_the_own_report_left_out(text, expected):
    assert sgreport.earlier_citations(text, exclude_symbol="A/HRC/99/10") == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Mr. Tarek Al-Fahrani was arrested.", "named"),
        ("A woman human rights defender was threatened.", "unnamed"),
        ("The new law on foreign funding restricts civil society.", "general_situation"),
        (
            "Ahead of the visit, the Special Rapporteur called on the authorities to refrain from reprisals.",
            "preemptive_statement",
        ),
    ],
)
def test_it_proposes_the_kind(text, kind):
    paragraph = sgreport.Paragraph(1, "I", "VNM", "Viet Nam", text)
    assert sgreport.extract_paragraph(paragraph).kind == kind


@pytest.mark.parametrize(
    ("a", "b", "sure"),
    [
        ("Abdulhadi Al-Khawaja", "Abdulhadi Alkhawaja", True),
        ("al Khawaja", "Al-Khawaja", True),
        ("Abdul-Hadi al Khawaja", "Abdulhadi Al-Khawaja", True),
        ("Mohammed Haddad", "Mohamed Hadad", True),
        ("Lina Qaderi", "Karim Haddad", False),
        ("Ana Pérez", "Ana Perez", True),
    ],
)
def test_names_match_across_transliterations(a, b, sure):
    assert (sgreport.name_similarity(a, b) >= 90) is sure


def test_it_reads_a_pdf_text_layer_and_refuses_other_bytes():
    with pytest.raises(sgreport.ReportFormatError):
        sgreport.read_report(b"%PDF-1.4 not really a pdf")
    with pytest.raises(sgreport.ReportFormatError):
        sgreport.read_report(b"\xff\xfe\x00binary")
    assert sgreport.read_report(b"Viet Nam\n") == "Viet Nam\n"


def test_core_module_does_not_import_django():
    import sys

    source = open(sgreport.__file__, encoding="utf-8").read()
    assert "django" not in source
    assert sys.modules["amparo.core.sgreport"] is sgreport
