"""Which existing entry a candidate continues: by citation, then by name and country.

Subject names are encrypted. Exact words are looked up through the blind index (NameToken);
only the subjects of the entries found there are decrypted, to score spellings with rapidfuzz.
"""

from __future__ import annotations

from dataclasses import dataclass

from amparo.cases.models import Citation, Entry, NameToken, Subject
from amparo.cases.services import name_tokens
from amparo.core.citations import CitationError, parse_citation
from amparo.core.sgreport import Extraction, is_particle, name_similarity
from amparo.security.keys import keyring

SURE = 90.0  # a name this alike, in the same country, and no rival: the same case
POSSIBLE = 60.0
SHOWN = 5


@dataclass(frozen=True)
class Match:
    ref: str | None
    possible: list[dict[str, object]]


def find_match(extraction: Extraction, symbol: str) -> Match:
    """The entry a candidate continues when sure, and the best possible entries with scores.

    Internal: called by the importer, which has no user; views filter refs by access.
    """
    scores: dict[str, float] = {}
    for ref in _refs_by_citation(extraction, symbol):
        scores[ref] = 100.0
    by_citation = set(scores)
    for ref, score in _refs_by_name(extraction).items():
        scores[ref] = max(scores.get(ref, 0.0), score)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    possible = [{"ref": ref, "score": round(score)} for ref, score in ranked if score >= POSSIBLE]
    sure = None
    if len(by_citation) == 1:
        sure = next(iter(by_citation))
    elif not by_citation:
        strong = [ref for ref, score in ranked if score >= SURE]
        sure = strong[0] if len(strong) == 1 else None
    return Match(sure, possible[:SHOWN])


def _refs_by_citation(extraction: Extraction, symbol: str) -> set[str]:
    wanted = []
    own = (symbol.upper(), extraction.annex or "", extraction.paragraph)
    wanted.append(own)
    for text in extraction.citations:
        try:
            cited = parse_citation(text)
        except CitationError:
            continue
        if cited.paragraph is not None:
            wanted.append((cited.symbol, cited.annex, cited.paragraph))
    refs: set[str] = set()
    for sym, annex, paragraph in wanted:
        refs |= set(
            Citation.objects.filter(symbol=sym, annex=annex, paragraph=paragraph).values_list(
                "entry__ref", flat=True
            )
        )
    return refs


def _refs_by_name(extraction: Extraction) -> dict[str, float]:
    names = extraction.names
    if not names or not extraction.country:
        return {}
    ring = keyring()
    blind = {
        ring.blind_index(token)
        for name in names
        for token in name_tokens(name)
        if not is_particle(token) and len(token) > 2
    }
    entry_ids = set(
        NameToken.objects.filter(token__in=blind, entry__country=extraction.country).values_list(
            "entry_id", flat=True
        )
    )
    if not entry_ids:
        return {}
    refs = dict(Entry.objects.filter(id__in=entry_ids).values_list("id", "ref"))
    scores: dict[str, float] = {}
    for subject in Subject.objects.filter(entry_id__in=entry_ids):
        known = [subject.name, *(subject.aliases or [])]
        best = max(name_similarity(a, b) for a in names for b in known if b)
        ref = refs[subject.entry_id]
        scores[ref] = max(scores.get(ref, 0.0), best)
    return scores
