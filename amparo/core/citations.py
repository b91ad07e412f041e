"""UN document citations: ``A/HRC/57/60 para 45`` or ``A/HRC/57/60 annex I para 45``."""

from __future__ import annotations

import re
from dataclasses import dataclass

CITATION_RE = re.compile(
    r"^\s*(?P<symbol>[A-Z][A-Z0-9.]*(?:/[A-Za-z0-9.()-]+)+)"
    r"(?:\s*,?\s*annex\s+(?P<annex>[IVX]+))?"
    r"(?:\s*,?\s*(?:para(?:graph)?\.?|§)\s*(?P<paragraph>\d+))?\s*$",
    re.IGNORECASE,
)


class CitationError(ValueError):
    """Text that is not a citation in the interchange form."""


@dataclass(frozen=True)
class Citation:
    symbol: str
    annex: str = ""
    paragraph: int | None = None

    def __str__(self) -> str:
        return format_citation(self.symbol, self.annex, self.paragraph)


def parse_citation(text: str) -> Citation:
    """Parse ``SYMBOL [annex N] [para N]``; raises CitationError saying what is wrong."""
    match = CITATION_RE.match(text or "")
    if not match:
        raise CitationError(f"{text!r} is not a citation like 'A/HRC/57/60 annex I para 45'")
    paragraph = match["paragraph"]
    return Citation(
        symbol=match["symbol"].upper(),
        annex=(match["annex"] or "").upper(),
        paragraph=int(paragraph) if paragraph else None,
    )


def format_citation(symbol: str, annex: str = "", paragraph: int | None = None) -> str:
    """The interchange form of a citation."""
    parts = [symbol]
    if annex:
        parts.append(f"annex {annex}")
    if paragraph is not None:
        parts.append(f"para {paragraph}")
    return " ".join(parts)
