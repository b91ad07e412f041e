import pytest

from amparo.core.citations import CitationError, format_citation, parse_citation


@pytest.mark.parametrize(
    ("text", "symbol", "annex", "paragraph"),
    [
        ("A/HRC/57/60 para 45", "A/HRC/57/60", "", 45),
        ("A/HRC/57/60 annex I para 45", "A/HRC/57/60", "I", 45),
        ("a/hrc/54/61, annex II, para. 80", "A/HRC/54/61", "II", 80),
        ("A/HRC/18/19 §69", "A/HRC/18/19", "", 69),
        ("A/HRC/33/19", "A/HRC/33/19", "", None),
    ],
)
def test_it_parses_the_interchange_forms(text, symbol, annex, paragraph):
    citation = parse_citation(text)
    assert (citation.symbol, citation.annex, citation.paragraph) == (symbol, annex, paragraph)


@pytest.mark.parametrize("text", ["", "para 45", "HRC 57 60", "A/HRC/57/60 annex 1 para 4"])
def test_it_refuses_what_is_not_a_citation(text):
    with pytest.raises(CitationError, match="is not a citation"):
        parse_citation(text)


def test_it_formats_back_to_the_same_text():
    assert format_citation("A/HRC/57/60", "I", 45) == "A/HRC/57/60 annex I para 45"
    assert str(parse_citation("A/HRC/57/60 para 3")) == "A/HRC/57/60 para 3"
