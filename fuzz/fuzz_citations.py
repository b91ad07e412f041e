"""Fuzz the citation parser (amparo/core/citations.py) and the report's citation finder.

Property: parse_citation returns a Citation or raises CitationError, and a parsed citation
written back out parses to the same citation; earlier_citations never raises.
"""

from __future__ import annotations

from _harness import fuzz, instrumented

with instrumented(["amparo.core.citations", "amparo.core.sgreport"]):
    from amparo.core.citations import CitationError, format_citation, parse_citation
    from amparo.core.sgreport import earlier_citations


def one_input(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    earlier_citations(text)
    try:
        citation = parse_citation(text)
    except CitationError as exc:
        str(exc)
        return
    again = parse_citation(format_citation(citation.symbol, citation.annex, citation.paragraph))
    if again != citation:
        raise AssertionError(f"{citation} does not survive being written out: {again}")


if __name__ == "__main__":
    fuzz(one_input)
