"""Risk assessment on the handbook's method (HB ch.2), as plain Python: no Django here.

risk = threats x vulnerabilities / capacities (HB §2.2). The concrete formula, the level bands
and their reasoning are in docs/risk-scoring.md; the texts (measures, questions, prompts) and
the threat -> domain table live in amparo/data/measures.json.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from amparo.core import reference

# HB §2.2.2: four steps each way; weights 1-4 keep a "very high" four times a "low".
WEIGHTS = {"low": 1, "medium": 2, "high": 3, "very_high": 4}
# HB §2.2.2: the plan must at least address these.
MUST_ADDRESS_RATINGS = frozenset({"high", "very_high"})
# Score bands (lower bound inclusive) -> level; see docs/risk-scoring.md.
LEVEL_BANDS = ((12.0, "very_high"), (6.0, "high"), (3.0, "medium"), (0.0, "low"))
CUSTOM_THREAT = "other"
LANGUAGES = ("en", "fr", "es")


class RiskInputError(ValueError):
    """An assessment input is wrong; ``field`` names where, the message says what is allowed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class ThreatRating:
    threat: str
    probability: str
    impact: str
    label: str = ""  # the user's own words, for a threat they added (slug "other")


@dataclass(frozen=True)
class Risk:
    threat: str
    probability: str
    impact: str
    score: float
    level: str
    must_address: bool
    measures: list[str] = field(default_factory=list)
    label: str = ""

    def as_dict(self, *, with_label: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not with_label:
            data.pop("label")
        return data


@cache
def _data() -> dict[str, Any]:
    return json.loads((reference.DATA_DIR / "measures.json").read_text(encoding="utf-8"))


def measures() -> list[dict[str, Any]]:
    """Every measure (HB §2.3.1 prevention, §2.3.2 protection), in the file's order."""
    return _data()["measures"]


def measure(slug: str) -> dict[str, Any]:
    """One measure by slug; KeyError when unknown."""
    for item in measures():
        if item["slug"] == slug:
            return item
    raise KeyError(slug)


def perpetrator_questions() -> dict[str, list[dict[str, Any]]]:
    """The questions to ask per group of perpetrator (HB §2.2.1 table): state, non_state, unknown."""
    return _data()["perpetrator_questions"]


def domain_prompts() -> dict[str, dict[str, Any]]:
    """Per domain (HB §2.2.3): example vulnerabilities and capacities, in our words."""
    return _data()["domain_prompts"]


def threat_domains(threat: str) -> tuple[str, ...]:
    """The vulnerability/capacity domains that bear on a threat (Amparo's table)."""
    table = _data()["threat_domains"]
    return tuple(table.get(threat, table[CUSTOM_THREAT]))


def text(value: Mapping[str, str], language: str) -> str:
    """A {en, fr, es} text in a language, falling back to English."""
    return value.get(language[:2]) or value["en"]


# --- Perpetrators and suggested threats ------------------------------------------------------


@cache
def perpetrator_groups() -> dict[str, str]:
    """Perpetrator slug -> group (state, non_state, unknown), from the vocabulary."""
    return {t["slug"]: t["group"] for t in reference.vocabularies()["perpetrator"]["terms"]}


def groups_of(perpetrators: Iterable[str]) -> list[str]:
    """The perpetrator groups involved, in the order state, non_state, unknown."""
    found = {perpetrator_groups()[p] for p in perpetrators}
    return [g for g in ("state", "non_state", "unknown") if g in found]


def suggested_threats(perpetrators: Iterable[str]) -> list[str]:
    """Reprisal types in the handbook's order for these perpetrators (HB §2.2.1 table).

    State and State-affiliated actors follow the State order, the others the non-State order.
    When both kinds are involved (or the actor is unknown, which may be either: HB §2.2.2),
    a threat ranks by its better place in either list, ties going to the State order.
    """
    groups = set(groups_of(perpetrators))
    if "unknown" in groups:
        groups |= {"state", "non_state"}
    keys = [
        k for g, k in (("state", "state_order"), ("non_state", "non_state_order")) if g in groups
    ]
    ranked = []
    for term in reference.vocabularies()["reprisal_type"]["terms"]:
        places = [term.get(k) for k in keys if term.get(k) is not None]
        if places:
            ranked.append((min(places), term.get("state_order") or 99, term["slug"]))
    return [slug for *_, slug in sorted(ranked)]


# --- Scoring ---------------------------------------------------------------------------------


def must_address(probability: str, impact: str) -> bool:
    """HB §2.2.2: a risk the plan must address (impact or probability high or very high)."""
    return probability in MUST_ADDRESS_RATINGS or impact in MUST_ADDRESS_RATINGS


def score(
    threat: str,
    probability: str,
    impact: str,
    vulnerabilities: Iterable[str],
    capacities: Iterable[str],
) -> float:
    """impact x probability x (1 + related vulnerabilities) / (1 + related capacities)."""
    related = set(threat_domains(threat))
    v = len(related & set(vulnerabilities))
    c = len(related & set(capacities))
    return round(WEIGHTS[impact] * WEIGHTS[probability] * (1 + v) / (1 + c), 2)


def level(value: float) -> str:
    """The level band a score falls in (docs/risk-scoring.md)."""
    return next(name for bound, name in LEVEL_BANDS if value >= bound)


def measures_for(threat: str) -> list[str]:
    """Measure slugs that apply to a threat: prevention first, then protection (HB §2.3)."""
    found = [m for m in measures() if m["threats"] == "*" or threat in m["threats"]]
    found.sort(key=lambda m: m["kind"] != "prevention")
    return [m["slug"] for m in found]


def assess(
    ratings: Sequence[ThreatRating], vulnerabilities: Iterable[str], capacities: Iterable[str]
) -> list[Risk]:
    """Every rated threat as a risk, highest score first (ties: must-address, impact, input order)."""
    vulns, caps = list(vulnerabilities), list(capacities)
    risks = []
    for r in ratings:
        value = score(r.threat, r.probability, r.impact, vulns, caps)
        risks.append(
            Risk(
                threat=r.threat,
                probability=r.probability,
                impact=r.impact,
                score=value,
                level=level(value),
                must_address=must_address(r.probability, r.impact),
                measures=measures_for(r.threat),
                label=r.label,
            )
        )
    order = {id(r): i for i, r in enumerate(risks)}
    return sorted(
        risks, key=lambda r: (-r.score, not r.must_address, -WEIGHTS[r.impact], order[id(r)])
    )


def matrix(risks: Iterable[Risk]) -> list[tuple[str, list[tuple[str, list[Risk]]]]]:
    """The impact x probability grid (HB §2.2.2): rows from very high impact down, columns low->very high."""
    cells: dict[tuple[str, str], list[Risk]] = {}
    for r in risks:
        cells.setdefault((r.impact, r.probability), []).append(r)
    impacts = list(reversed(reference.slugs("impact")))
    return [
        (i, [(p, cells.get((i, p), [])) for p in reference.slugs("probability")]) for i in impacts
    ]


# --- Input validation (the CLI, the wizard and the saved file all pass through here) ---------


def _allowed(vocabulary: str) -> str:
    return ", ".join(reference.slugs(vocabulary))


def _slug_list(data: Mapping[str, Any], key: str, vocabulary: str) -> list[str]:
    raw = data.get(key, [])
    if not isinstance(raw, list):
        raise RiskInputError(key, f"expected a list of slugs from: {_allowed(vocabulary)}")
    allowed = reference.slugs(vocabulary)
    for i, value in enumerate(raw):
        if value not in allowed:
            raise RiskInputError(
                f"{key}[{i}]", f"{value!r} is not allowed; allowed values: {_allowed(vocabulary)}"
            )
    return list(dict.fromkeys(raw))


def check_country(value: Any) -> str:
    """An ISO 3166-1 alpha-3 code (or a known name) -> the alpha-3 code Amparo uses."""
    if not isinstance(value, str) or not value.strip():
        raise RiskInputError("country", "required: an ISO 3166-1 alpha-3 code such as COL or IRN")
    code = reference.country_lookup().get(value.strip().casefold())
    if code is None:
        raise RiskInputError(
            "country",
            f"{value!r} is not a country Amparo knows; allowed values: ISO 3166-1 alpha-3 codes "
            "(e.g. COL, IRN, VNM) or their names",
        )
    return code


def _threat(i: int, raw: Any) -> ThreatRating:
    where = f"threats[{i}]"
    if not isinstance(raw, Mapping):
        raise RiskInputError(where, "expected an object {threat, probability, impact}")
    if raw.get("threat") not in reference.slugs("reprisal_type"):
        raise RiskInputError(
            f"{where}.threat",
            f"{raw.get('threat')!r} is not allowed; allowed values: {_allowed('reprisal_type')}",
        )
    for key in ("probability", "impact"):
        if raw.get(key) not in WEIGHTS:
            raise RiskInputError(
                f"{where}.{key}",
                f"{raw.get(key)!r} is not allowed; allowed values: {_allowed(key)}",
            )
    label = raw.get("label", "")
    if not isinstance(label, str) or len(label) > 200:
        raise RiskInputError(f"{where}.label", "expected a text of at most 200 characters")
    return ThreatRating(raw["threat"], raw["probability"], raw["impact"], label.strip())


@dataclass(frozen=True)
class AssessmentInput:
    country: str
    activities: list[str]
    perpetrators: list[str]
    threats: list[ThreatRating]
    vulnerabilities: list[str]
    capacities: list[str]


def parse_input(data: Any) -> AssessmentInput:
    """Check an assessment as read from JSON; raises RiskInputError naming the bad field."""
    if not isinstance(data, Mapping):
        raise RiskInputError("(top level)", "expected a JSON object")
    threats = data.get("threats", [])
    if not isinstance(threats, list):
        raise RiskInputError("threats", "expected a list of {threat, probability, impact}")
    return AssessmentInput(
        country=check_country(data.get("country")),
        activities=_slug_list(data, "activities", "activity"),
        perpetrators=_slug_list(data, "perpetrators", "perpetrator"),
        threats=[_threat(i, t) for i, t in enumerate(threats)],
        vulnerabilities=_slug_list(data, "vulnerabilities", "domain"),
        capacities=_slug_list(data, "capacities", "domain"),
    )


def report(parsed: AssessmentInput, country_record: Mapping[str, Any]) -> dict[str, Any]:
    """The `amparo assess --json` output: risks, suggested threats, the country's record."""
    risks = assess(parsed.threats, parsed.vulnerabilities, parsed.capacities)
    return {
        "risks": [r.as_dict() for r in risks],
        "suggested_threats": suggested_threats(parsed.perpetrators),
        "country_record": dict(country_record),
    }
