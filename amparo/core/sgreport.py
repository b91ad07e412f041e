"""Reading a Secretary-General's Reprisals Report (HB §3.5): paragraphs, countries and candidates.

Plain Python, no Django. A report's text (from a PDF or a text file) is split into numbered
paragraphs, each with its part (the body, annex I or annex II) and the country heading it sits
under. Every paragraph under a country heading yields one candidate: its country, persons and
organisations named, kind, suggested reprisal types, bodies and contact points (each with the
words it rests on) and the earlier reports it quotes. Candidates are proposals for a reviewer;
nothing here writes anywhere.

The phrase lists (English, French, Spanish) live in ``amparo/data/sgreport_phrases.json``.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from rapidfuzz import fuzz

from amparo.core.citations import format_citation
from amparo.core.reference import DATA_DIR, countries, country_lookup


class ReportFormatError(ValueError):
    """A file that cannot be read as a report (not a PDF, encrypted, no text)."""


@dataclass(frozen=True)
class Paragraph:
    """A numbered paragraph: its number, part (annex "I"/"II" or None for the body) and country."""

    number: int
    annex: str | None
    country: str | None
    heading: str | None
    text: str


@dataclass(frozen=True)
class Suggestion:
    """A proposed vocabulary value and the words of the paragraph it rests on."""

    slug: str
    words: tuple[str, ...]


@dataclass
class Extraction:
    """What one case paragraph proposes; a reviewer decides what is kept."""

    annex: str | None
    paragraph: int
    country: str
    heading: str
    text: str
    kind: str
    kind_words: tuple[str, ...] = ()
    persons: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    reprisal_types: list[Suggestion] = field(default_factory=list)
    bodies: list[Suggestion] = field(default_factory=list)
    contact_points: list[Suggestion] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [*self.persons, *self.organisations]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (suggestions keep their words)."""

        def sugg(items: list[Suggestion]) -> list[dict[str, Any]]:
            return [{"slug": s.slug, "words": list(s.words)} for s in items]

        return {
            "annex": self.annex,
            "paragraph": self.paragraph,
            "country": self.country,
            "heading": self.heading,
            "kind": self.kind,
            "kind_words": list(self.kind_words),
            "persons": list(self.persons),
            "organisations": list(self.organisations),
            "reprisal_types": sugg(self.reprisal_types),
            "bodies": sugg(self.bodies),
            "contact_points": sugg(self.contact_points),
            "citations": list(self.citations),
        }


# --- Phrase data --------------------------------------------------------------------------


@cache
def phrases() -> dict[str, Any]:
    """The shipped phrase lists (amparo/data/sgreport_phrases.json)."""
    return json.loads((DATA_DIR / "sgreport_phrases.json").read_text(encoding="utf-8"))


def fold(text: str) -> str:
    """Case- and accent-folded text with typographic apostrophes made plain."""
    return _fold_with_map(text)[0]


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text.replace("\u2019", "'").replace("\u2018", "'")):
        decomposed = unicodedata.normalize("NFKD", ch.casefold())
        for c in decomposed:
            if not unicodedata.combining(c):
                out.append(c)
                where.append(i)
    return "".join(out), where


def _phrase_pattern(phrase: str) -> str:
    parts = []
    for word in fold(phrase).split():
        if word == "*":
            parts.append(r"\S+")
        elif word.endswith("*"):
            parts.append(re.escape(word[:-1]) + r"\w*")
        else:
            parts.append(re.escape(word))
    return r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)"


@cache
def _compiled(section: str) -> dict[str, re.Pattern[str]]:
    """slug -> one regex of every phrase in every language of a phrase section."""
    table = {}
    for slug, by_language in phrases()[section].items():
        alternatives = [_phrase_pattern(p) for words in by_language.values() for p in words]
        table[slug] = re.compile("|".join(alternatives))
    return table


def suggest(section: str, text: str) -> list[Suggestion]:
    """The values of a phrase section whose phrases occur in text, each with the words found.

    Where phrases overlap the longest wins ("passport was confiscated" is a travel restriction,
    not a confiscation of property).
    """
    folded, where = _fold_with_map(text)
    hits = [
        (match.start(), match.end(), slug)
        for slug, pattern in _compiled(section).items()
        for match in pattern.finditer(folded)
    ]
    hits.sort(key=lambda h: (h[0] - h[1], h[0]))
    taken: list[tuple[int, int, str]] = []
    for start, end, slug in hits:
        if not any(start < e and s < end for s, e, _ in taken):
            taken.append((start, end, slug))
    words: dict[str, list[str]] = {}
    for start, end, slug in sorted(taken):
        original = text[where[start] : where[end - 1] + 1]
        if original not in words.setdefault(slug, []):
            words[slug].append(original)
    order = list(_compiled(section))
    return [Suggestion(slug, tuple(words[slug])) for slug in order if slug in words]


# --- Splitting ----------------------------------------------------------------------------

PARA_RE = re.compile(r"^\s*(\d{1,4})\.\s+(\S.*)$")
ANNEX_RE = re.compile(r"^\s*(?:annex|annexe|anexo)\s+([IVX]+)\b\.?\s*$", re.IGNORECASE)
SECTION_RE = re.compile(r"^\s*(?:[IVX]+|[A-H])\.\s+(\S.*)$")
NOISE_RE = re.compile(
    r"^\s*(?:A/HRC/\d+/\d+(?:/Add\.\d+)?|GE\.\d{2}-\d+.*|\d{1,3}|\d{1,3}/\d{1,3}|page \d+.*)\s*$",
    re.IGNORECASE,
)
FOOTNOTE_RE = re.compile(
    r"^\s*(\d{1,3})\s+((?:See|Voir|V[ée]ase|Ibid|A/HRC/|A/\d|CCPR/|CAT/|CERD/|CRC/|CEDAW/)\S*.*)$"
)
SENTENCE_END = (".", "!", "?", ")", '"', "\u201d", "'", "\u2019", ":", ";")


def country_of(heading: str) -> str | None:
    """The ISO alpha-3 code a heading names (UN short names, other names, aliases), if any."""
    text = re.sub(r"^\s*(?:[A-H]|[IVX]+)\.\s+", "", heading).strip().rstrip(".:")
    text = re.sub(r"\s+", " ", text.replace("\u2019", "'"))
    return country_lookup().get(text.casefold())


def _is_heading(line: str, open_text: str | None) -> bool:
    stripped = line.strip()
    if len(stripped) > 90 or not stripped[:1].isupper():
        return False
    if stripped.endswith((".", ",", ";")):
        return False
    return open_text is None or open_text.rstrip().endswith(SENTENCE_END)


def _join(text: str, line: str) -> str:
    line = line.strip()
    if text.endswith("-") and line[:1].islower():
        return text[:-1] + line
    return f"{text} {line}" if text else line


def split_paragraphs(text: str) -> tuple[list[Paragraph], dict[int, str]]:
    """Split a report into numbered paragraphs with part and country; also its footnotes.

    Paragraph numbers must follow on (a line opening with "2019." inside a paragraph is text,
    not paragraph 2019); an annex heading restarts the numbering; a section heading that is not
    a country ends the country section.
    """
    paragraphs: list[Paragraph] = []
    footnotes: dict[int, str] = {}
    annex: str | None = None
    country: str | None = None
    heading: str | None = None
    current: dict[str, Any] | None = None
    last_number: int | None = None

    def close() -> None:
        nonlocal current
        if current is not None:
            paragraphs.append(Paragraph(**current))
        current = None

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n"):
        line = raw.strip()
        if not line or NOISE_RE.match(line):
            continue
        open_text = current["text"] if current else None
        if ANNEX_RE.match(line):
            close()
            annex, country, heading, last_number = ANNEX_RE.match(line)[1].upper(), None, None, None
            continue
        footnote = FOOTNOTE_RE.match(line)
        if footnote and (last_number is None or int(footnote[1]) != last_number + 1):
            footnotes[int(footnote[1])] = footnote[2]
            continue
        para = PARA_RE.match(line)
        if para and _follows(int(para[1]), last_number):
            close()
            last_number = int(para[1])
            current = {
                "number": last_number,
                "annex": annex,
                "country": country,
                "heading": heading,
                "text": para[2].strip(),
            }
            continue
        if _is_heading(line, open_text):
            code = country_of(line)
            if code or SECTION_RE.match(line) or open_text is not None:
                close()
                country, heading = (code, line) if code else (None, None)
            continue
        if current is not None:
            current["text"] = _join(current["text"], line)
    close()
    return paragraphs, footnotes


def _follows(number: int, last: int | None) -> bool:
    if last is None:
        return number < 1000
    return last < number <= last + 3


# --- Extraction ---------------------------------------------------------------------------

SYMBOL_RE = r"A/HRC/\d+/\d+(?:/Add\.\d+)?"
CITE_RE = re.compile(
    rf"(?P<symbol>{SYMBOL_RE})"
    r"(?:\s*,?\s*(?:annex|annexe|anexo)\s+(?P<annex>[IVX]+)\b)?"
    r"(?:\s*,?\s*(?:paras?\.|paragraphs?|par\.|paragraphes?|p[áa]rrs?\.|p[áa]rrafos?)\s*"
    r"(?P<paras>\d+(?:\s*(?:-|\u2013|,|and|et|y)\s*\d+)*))?",
    re.IGNORECASE,
)


def earlier_citations(text: str, exclude_symbol: str = "") -> list[str]:
    """Citations of Reprisals Reports quoted in text, in interchange form, in order, once each."""
    found: list[str] = []
    for match in CITE_RE.finditer(text):
        symbol = match["symbol"].upper()
        if symbol == exclude_symbol.upper():
            continue
        annex = (match["annex"] or "").upper()
        numbers = _paragraph_numbers(match["paras"]) if match["paras"] else [None]
        for number in numbers:
            cited = format_citation(symbol, annex, number)
            if cited not in found:
                found.append(cited)
    return found


def _paragraph_numbers(text: str) -> list[int | None]:
    numbers: list[int | None] = []
    for part in re.split(r"\s*(?:,|and|et|y)\s*", text):
        bounds = re.split(r"\s*[-\u2013]\s*", part)
        if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
            low, high = int(bounds[0]), int(bounds[1])
            numbers.extend(range(low, high + 1) if 0 <= high - low <= 10 else (low, high))
        elif part.isdigit():
            numbers.append(int(part))
    return numbers


TOKEN_RE = re.compile(r"\S+")
TRAIL = ".,;:)(\"'\u201c\u201d\u2019"
CONNECTORS = {
    "for", "of", "the", "and", "de", "des", "du", "la", "le", "les", "pour", "et",
    "del", "los", "las", "el", "y", "por", "para", "d'", "l'", "al",
}  # fmt: skip
ARTICLES = {"the", "la", "le", "les", "el", "los", "las", "l'"}
ROLE_WORDS = (
    "defender", "lawyer", "journalist", "activist", "defensora", "defensor", "abogada",
    "abogado", "periodista", "activista", "avocate", "avocat", "journaliste", "militante",
    "militant", "défenseuse", "défenseur",
)  # fmt: skip


def _honorifics() -> set[str]:
    return {h for words in phrases()["honorifics"].values() for h in words}


def _particles() -> set[str]:
    return {p.rstrip("-") for p in phrases()["name_particles"]}


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and any(c.isalpha() for c in word)


def _is_name_word(word: str) -> bool:
    bare = word.strip(TRAIL)
    if not bare or word.startswith("(") or any(c.isdigit() or c == "/" for c in bare):
        return False
    if _capitalised(bare):
        return True
    head = bare.split("-")[0].lower()
    return head in _particles() and (bare.lower() == head or _capitalised(bare.split("-")[-1]))


def _take_name(tokens: list[str], start: int) -> str:
    honorifics = _honorifics()
    words: list[str] = []
    for token in tokens[start:]:
        if token in honorifics or not _is_name_word(token):
            break
        bare = token.strip(TRAIL)
        words.append(bare)
        if token[-1:] in ',;:)"\u201d' or (token.endswith(".") and len(bare) > 1):
            break
    while words and (words[-1].lower() in _particles() or len(words[-1]) == 1):
        words.pop()
    return " ".join(words) if words and _capitalised(words[-1]) else ""


def find_persons(text: str) -> list[str]:
    """Persons named after an honorific (Mr., Ms., M., Mme, Sr., Sra.) or a role word."""
    tokens = TOKEN_RE.findall(text)
    honorifics = _honorifics()
    found: list[str] = []
    for i, token in enumerate(tokens):
        bare = token.strip("(\"'\u201c")
        role = bare.lower().rstrip(TRAIL) in ROLE_WORDS and not token.endswith((",", "."))
        if bare in honorifics or role:
            name = _take_name(tokens, i + 1)
            if name and (not role or len(name.split()) >= 2):
                found.append(name)
    return _dedupe(found)


def find_organisations(text: str) -> list[str]:
    """Capitalised runs holding an organisation word (Centre, Association, Fundación...)."""
    org_words = {fold(w) for words in phrases()["organisation_words"].values() for w in words}
    excluded = [fold(w) for w in phrases()["not_organisations"]]
    prefix_words = {fold(w) for w in phrases()["organisation_prefix_words"]}
    honorifics = _honorifics()
    tokens = TOKEN_RE.findall(text)
    found: list[str] = []
    i = 0
    while i < len(tokens):
        run: list[str] = []
        j = i
        while j < len(tokens) and tokens[j] not in honorifics:
            bare = tokens[j].strip(TRAIL)
            if not (_capitalised(bare) or (run and bare.lower() in CONNECTORS)):
                break
            run.append(bare)
            j += 1
            if tokens[j - 1][-1:] in ",;:)" or tokens[j - 1].endswith("."):
                break
        i = max(j, i + 1)
        while run and (run[0].lower() in ARTICLES | CONNECTORS or fold(run[0]) in prefix_words):
            run.pop(0)
        while run and run[-1].lower() in CONNECTORS:
            run.pop()
        name = " ".join(run)
        folded = fold(name)
        if (
            len(run) >= 2
            and any(fold(w) in org_words for w in run)
            and not any(x in folded for x in excluded)
        ):
            found.append(name)
    return _dedupe(found)


def _dedupe(names: Iterable[str]) -> list[str]:
    """Drop repeats and later short mentions ("Mr. Doe" after "Mr. John Doe")."""
    kept: list[str] = []
    for name in names:
        words = set(name_words(name))
        if any(words <= set(name_words(k)) for k in kept):
            continue
        kept = [k for k in kept if not set(name_words(k)) < words]
        kept.append(name)
    return kept


def classify_kind(text: str, persons: list[str], organisations: list[str]) -> Suggestion:
    """named / preemptive_statement / general_situation / unnamed, with the words it rests on."""
    if persons or organisations:
        return Suggestion("named", tuple([*persons, *organisations]))
    signals = {s.slug: s.words for s in suggest("kind", text)}
    if "preemptive_statement" in signals:
        return Suggestion("preemptive_statement", signals["preemptive_statement"])
    if "general_situation" in signals and "unnamed" not in signals:
        return Suggestion("general_situation", signals["general_situation"])
    if "unnamed" in signals:
        return Suggestion("unnamed", signals["unnamed"])
    return Suggestion("unnamed", ())


def _footnote_text(paragraph: Paragraph, footnotes: dict[int, str]) -> str:
    marks = re.findall(r"(?<=[^\W\d_]|[.,;)\"\u201d\u2019])(\d{1,3})(?=\s|$)", paragraph.text)
    return " ".join(footnotes[int(n)] for n in marks if int(n) in footnotes)


def extract(
    text: str,
    symbol: str = "",
    progress: Callable[[int, int], None] | None = None,
    on_split: Callable[[int, int], None] | None = None,
) -> list[Extraction]:
    """One candidate per paragraph under a country heading; other paragraphs yield none.

    ``on_split(paragraphs, case_paragraphs)`` is called once the text is split;
    ``progress(done, total)`` after each case paragraph.
    """
    paragraphs, footnotes = split_paragraphs(text)
    cases = [p for p in paragraphs if p.country]
    if on_split is not None:
        on_split(len(paragraphs), len(cases))
    result = []
    for done, paragraph in enumerate(cases, start=1):
        result.append(extract_paragraph(paragraph, symbol, _footnote_text(paragraph, footnotes)))
        if progress is not None:
            progress(done, len(cases))
    return result


def extract_paragraph(paragraph: Paragraph, symbol: str = "", notes: str = "") -> Extraction:
    """The candidate values one case paragraph proposes."""
    text = paragraph.text
    persons = find_persons(text)
    organisations = [o for o in find_organisations(text) if o not in persons]
    kind = classify_kind(text, persons, organisations)
    bodies = suggest("body", text)
    # Body names ("Committee against Torture") are not reprisal words.
    rest = _mask(text, [w for s in bodies for w in s.words])
    return Extraction(
        annex=paragraph.annex,
        paragraph=paragraph.number,
        country=paragraph.country or "",
        heading=paragraph.heading or "",
        text=text,
        kind=kind.slug,
        kind_words=kind.words,
        persons=persons,
        organisations=organisations,
        reprisal_types=suggest("reprisal_type", rest),
        bodies=bodies,
        contact_points=suggest("contact_point", text),
        citations=earlier_citations(f"{text} {notes}", exclude_symbol=symbol),
    )


def _mask(text: str, words: list[str]) -> str:
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, " " * len(word))
    return text


# --- Names across transliterations ---------------------------------------------------------


def name_words(name: str) -> list[str]:
    """The folded words of a name, split at hyphens and punctuation, honorifics removed."""
    honorifics = {fold(h).rstrip(".") for h in _honorifics()}
    words = "".join(c if c.isalnum() else " " for c in fold(name)).split()
    return [w for w in words if w not in honorifics]


def name_similarity(a: str, b: str) -> float:
    """0-100: how alike two spellings of a name are (Al-Khawaja, Alkhawaja, al Khawaja: 100)."""
    wa, wb = name_words(a), name_words(b)
    if not wa or not wb:
        return 0.0
    particles = _particles()
    core_a = [w for w in wa if w not in particles] or wa
    core_b = [w for w in wb if w not in particles] or wb
    return max(
        fuzz.ratio("".join(wa), "".join(wb)),
        fuzz.token_sort_ratio(" ".join(wa), " ".join(wb)),
        fuzz.token_sort_ratio(" ".join(core_a), " ".join(core_b)),
        fuzz.ratio("".join(sorted(core_a)), "".join(sorted(core_b))),
    )


def is_particle(word: str) -> bool:
    """Whether a folded word is a name particle (al, el, bin, de...) too common to look up."""
    return word in _particles()


# --- PDF --------------------------------------------------------------------------------------


PageProgress = Callable[[int, int], None]


def _pdf_reader(data: bytes) -> Any:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
        pages = len(reader.pages) if not encrypted else 0
    # pypdf raises many types on a damaged file (LimitReachedError on a self-referencing
    # object, AttributeError, IndexError...): found by fuzz/fuzz_sgreport.py.
    except Exception as exc:  # noqa: BLE001
        raise ReportFormatError(f"the file is not a readable PDF ({type(exc).__name__})") from None
    if encrypted:
        raise ReportFormatError("the PDF is encrypted; save an unprotected copy first")
    if not pages:
        raise ReportFormatError("the PDF has no pages")
    return reader


def pdf_page_count(data: bytes) -> int:
    """The number of pages of a PDF, checking it can be opened; ReportFormatError otherwise."""
    return len(_pdf_reader(data).pages)


def pdf_text(data: bytes, on_page: PageProgress | None = None) -> str:
    """The text of a PDF, page by page (pypdf, no network); ReportFormatError when unreadable.

    ``on_page(pages_read, pages_total)`` is called after each page.
    """
    reader = _pdf_reader(data)
    total = len(reader.pages)
    pages = []
    try:
        for number, page in enumerate(reader.pages, start=1):
            pages.append(page.extract_text() or "")
            if on_page is not None:
                on_page(number, total)
    # pypdf raises many types on a damaged file (LimitReachedError on a self-referencing
    # object, AttributeError, IndexError...): found by fuzz/fuzz_sgreport.py.
    except Exception as exc:  # noqa: BLE001
        raise ReportFormatError(f"the file is not a readable PDF ({type(exc).__name__})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise ReportFormatError("the PDF holds no text layer (a scan?); no text to read")
    return text


def is_pdf(data: bytes) -> bool:
    """Whether bytes are a PDF (by its signature)."""
    return data.startswith(b"%PDF")


def decode_text(data: bytes, filename: str = "") -> str:
    """UTF-8 report text from bytes; ReportFormatError when they are not text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReportFormatError(
            f"{filename or 'the file'} is neither a PDF nor UTF-8 text"
        ) from None
    if "\x00" in text:
        raise ReportFormatError(f"{filename or 'the file'} is a binary file, not text")
    return text


def read_report(data: bytes, filename: str = "", on_page: PageProgress | None = None) -> str:
    """Report text from uploaded bytes: a PDF (by its signature) or UTF-8 text."""
    if is_pdf(data):
        return pdf_text(data, on_page)
    return decode_text(data, filename)


def country_name(code: str) -> str:
    """The UN short name of a country code (the code itself when unknown)."""
    country = countries().get(code)
    return country.un_short_name if country else code
