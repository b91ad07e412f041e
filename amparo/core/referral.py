"""Referral rules (HB ch.3-6, REFERENCE §3): which avenues apply to a situation, in what order.

Plain Python over the avenue data (amparo/data/avenues.json or the administrators' copy in the
database, in the same shape). The rules are small functions keyed by avenue and condition slug;
nothing branches on a particular country: regional bodies follow the State's memberships.

Texts written here are message ids marked with ``gettext_noop`` so the web layer can translate
them; the command line prints them in English.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from amparo.core import reference
from amparo.core.citations import Citation, CitationError, parse_citation

MET, UNMET, UNKNOWN, NOTE = "met", "unmet", "unknown", "note"
YES_NO_UNKNOWN = ("yes", "no", "unknown")
LANGUAGES = ("en", "fr", "es")
# HB §4.1: the IACHR acts on every State that is or was in the OAS or bound by the Convention,
# including those that left the OAS or denounced the American Convention.
IA_MEMBERSHIPS = frozenset(
    {"oas", "oas_former", "american_convention", "american_convention_denounced"}
)
IA_LEFT = frozenset({"oas_former", "american_convention_denounced"})
IA_BODIES = frozenset({"iachr", "ia_court"})
AF_BODIES = frozenset({"achpr", "af_court"})
HRC_BODIES = frozenset({"hrc", "upr", "special_procedures"})
# Reprisals where physical safety comes first, and those where digital help matters (HB ch.6).
VIOLENT_TYPES = frozenset({"physical_attack", "killing", "disappearance_kidnapping", "detention"})
DIGITAL_TYPES = frozenset({"surveillance", "online_harassment"})
STATE_PERPETRATORS = frozenset({"state", "state_affiliated"})
# HB §3.2 v §3.3: the President's address appears once at unog.org, which is not a UN domain.
WRONG_DOMAINS = {"unog.org": "un.org"}
EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")

INPUT_FIELDS = (
    "country",
    "bodies",
    "reprisal_types",
    "perpetrators",
    "urgent",
    "racial_or_ethnic_dimension",
    "in_geneva",
    "domestic_remedies_exhausted",
    "previous_citation",
)


def gettext_noop(message: str) -> str:
    """Mark a message for translation without translating it (the web layer translates)."""
    return message


@dataclass(frozen=True)
class Message:
    """A translatable message id and its parameters."""

    msgid: str
    params: Mapping[str, str] = field(default_factory=dict)

    def render(self, translate: Callable[[str], str] = str) -> str:
        """The message in the language ``translate`` gives, parameters filled in."""
        text = translate(self.msgid)
        return text % dict(self.params) if self.params else text


class AnswerError(ValueError):
    """An answer that is not allowed; names the field and the values it accepts."""

    def __init__(self, field_name: str, problem: str, allowed: str) -> None:
        self.field = field_name
        self.allowed = allowed
        super().__init__(f"{field_name}: {problem}; allowed: {allowed}")


@dataclass(frozen=True)
class Answers:
    """What the navigator asks (issue 5 §1, §5), validated."""

    country: str | None = None
    bodies: tuple[str, ...] = ()
    reprisal_types: tuple[str, ...] = ()
    perpetrators: tuple[str, ...] = ()
    urgent: bool = False
    racial_or_ethnic_dimension: bool = False
    in_geneva: bool = False
    domestic_remedies_exhausted: str = "unknown"
    previous_citation: Citation | None = None
    # Purposes with recorded consent (REFERENCE §5) when routing a case entry; None: not known.
    consents: frozenset[str] | None = None

    def as_input(self) -> dict[str, Any]:
        """The answers in the interchange form `parse_answers` reads back."""
        return {
            "country": self.country,
            "bodies": list(self.bodies),
            "reprisal_types": list(self.reprisal_types),
            "perpetrators": list(self.perpetrators),
            "urgent": self.urgent,
            "racial_or_ethnic_dimension": self.racial_or_ethnic_dimension,
            "in_geneva": self.in_geneva,
            "domestic_remedies_exhausted": self.domestic_remedies_exhausted,
            "previous_citation": str(self.previous_citation) if self.previous_citation else None,
        }


def parse_answers(raw: Mapping[str, Any]) -> Answers:
    """Validate raw answers (JSON-like); raise AnswerError naming the field and allowed values."""
    if not isinstance(raw, Mapping):
        raise AnswerError("(top level)", "expected a JSON object", ", ".join(INPUT_FIELDS))
    unknown = sorted(set(raw) - set(INPUT_FIELDS))
    if unknown:
        raise AnswerError(unknown[0], "is not a known field", ", ".join(INPUT_FIELDS))
    remedies = raw.get("domestic_remedies_exhausted", "unknown")
    if remedies not in YES_NO_UNKNOWN:
        raise AnswerError(
            "domestic_remedies_exhausted", f"{remedies!r} is not allowed", "|".join(YES_NO_UNKNOWN)
        )
    return Answers(
        country=_country(raw.get("country")),
        bodies=_slugs(raw, "bodies", "body"),
        reprisal_types=_slugs(raw, "reprisal_types", "reprisal_type"),
        perpetrators=_slugs(raw, "perpetrators", "perpetrator"),
        urgent=_flag(raw, "urgent"),
        racial_or_ethnic_dimension=_flag(raw, "racial_or_ethnic_dimension"),
        in_geneva=_flag(raw, "in_geneva"),
        domestic_remedies_exhausted=remedies,
        previous_citation=_citation(raw.get("previous_citation")),
    )


def _country(value: Any) -> str | None:
    if value in (None, ""):
        return None
    allowed = "an ISO 3166-1 alpha-3 code (e.g. VEN, ZAF) or a UN short name of a State"
    if not isinstance(value, str):
        raise AnswerError("country", f"{value!r} is not text", allowed)
    code = reference.country_lookup().get(value.strip().casefold())
    if code is None:
        raise AnswerError("country", f"{value!r} is not a known State", allowed)
    return code


def _slugs(raw: Mapping[str, Any], name: str, vocabulary: str) -> tuple[str, ...]:
    values = raw.get(name) or []
    allowed = reference.slugs(vocabulary)
    if isinstance(values, str) or not isinstance(values, list):
        raise AnswerError(name, "expected a list of slugs", ", ".join(allowed))
    for value in values:
        if value not in allowed:
            raise AnswerError(name, f"{value!r} is not allowed", ", ".join(allowed))
    return tuple(dict.fromkeys(values))


def _flag(raw: Mapping[str, Any], name: str) -> bool:
    value = raw.get(name, False)
    if not isinstance(value, bool):
        raise AnswerError(name, f"{value!r} is not a boolean", "true, false")
    return value


def _citation(value: Any) -> Citation | None:
    if value in (None, ""):
        return None
    allowed = "a report symbol with annex and paragraph, e.g. 'A/HRC/54/61 annex I para 80'"
    if not isinstance(value, str):
        raise AnswerError("previous_citation", f"{value!r} is not text", allowed)
    try:
        return parse_citation(value)
    except CitationError:
        raise AnswerError("previous_citation", f"{value!r} is not a citation", allowed) from None


# --- Derived facts ---------------------------------------------------------------------------


def body_groups() -> dict[str, str]:
    """Body slug -> group (`un`, `treaty_body`, `regional`) from the vocabulary."""
    return {t["slug"]: t.get("group", "") for t in reference.vocabularies()["body"]["terms"]}


@dataclass(frozen=True)
class Situation:
    """The answers plus what follows from them: bodies engaged, memberships, treaty acceptance."""

    answers: Answers
    memberships: frozenset[str]
    # (body, procedure) -> the State's acceptance record (treaties.json or the admins' copy).
    acceptances: Mapping[tuple[str, str], reference.Acceptance] = field(default_factory=dict)

    @classmethod
    def of(
        cls, answers: Answers, acceptances: Iterable[reference.Acceptance] | None = None
    ) -> Situation:
        country = reference.countries().get(answers.country or "")
        rows = reference.treaty_acceptances() if acceptances is None else acceptances
        own = {(a.body, a.procedure): a for a in rows if a.country == answers.country}
        return cls(answers, frozenset(country.memberships if country else ()), own)

    @property
    def un_bodies(self) -> tuple[str, ...]:
        groups = body_groups()
        return tuple(b for b in self.answers.bodies if groups.get(b) in ("un", "treaty_body"))

    @property
    def treaty_bodies(self) -> tuple[str, ...]:
        return tuple(b for b in self.answers.bodies if body_groups().get(b) == "treaty_body")

    @property
    def regional_only(self) -> bool:
        return bool(self.answers.bodies) and not self.un_bodies

    def engaged(self, bodies: Iterable[str]) -> bool:
        return bool(set(bodies) & set(self.answers.bodies))

    @property
    def un_link(self) -> str:
        """Whether the reprisal is linked to the UN: unknown when no body was named."""
        if not self.answers.bodies:
            return UNKNOWN
        return MET if self.un_bodies else UNMET

    @property
    def inter_american(self) -> bool:
        return bool(self.memberships & IA_MEMBERSHIPS)

    @property
    def african_charter(self) -> bool:
        return "african_charter" in self.memberships

    @property
    def state_perpetrator(self) -> str:
        perpetrators = set(self.answers.perpetrators) - {"unknown"}
        if not perpetrators:
            return UNKNOWN
        return MET if perpetrators & STATE_PERPETRATORS else UNMET

    def consent(self, purpose: str) -> str:
        consents = self.answers.consents
        if consents is None:
            return UNKNOWN
        return MET if purpose in consents else UNMET


# --- Which avenues apply ---------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One place to send a submission: an avenue, possibly for one body (a treaty body)."""

    body: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]


Avenue = Mapping[str, Any]
AvenueRule = Callable[[Situation, Avenue, Mapping[str, Avenue]], list[Target]]


def clean_addresses(addresses: Iterable[str]) -> tuple[str, ...]:
    """E-mail addresses only, with the handbook's wrong domains corrected (HB §3.3 slip)."""
    cleaned = []
    for address in addresses or ():
        address = address.strip()
        local, _, domain = address.rpartition("@")
        domain = WRONG_DOMAINS.get(domain.lower(), domain)
        address = f"{local}@{domain}"
        if EMAIL_RE.match(address) and address not in cleaned:
            cleaned.append(address)
    return tuple(cleaned)


def _default_target(avenue: Avenue, body: str | None = None) -> Target:
    return Target(
        body if body is not None else avenue.get("body"),
        clean_addresses(avenue.get("to") or ()),
        clean_addresses(avenue.get("cc") or ()),
    )


def _when(predicate: Callable[[Situation], bool]) -> AvenueRule:
    def rule(s: Situation, avenue: Avenue, _all: Mapping[str, Avenue]) -> list[Target]:
        return [_default_target(avenue)] if predicate(s) else []

    return rule


def _un_scope(s: Situation) -> bool:
    # HB §3.4: the senior official (and the SG report) cover the whole UN, not regional bodies.
    return s.un_link != UNMET


def _per_treaty_body(s: Situation, avenue: Avenue, all_: Mapping[str, Avenue]) -> list[Target]:
    # HB §3.1: each committee through its own secretariat address.
    addresses = dict(all_.get("tb_focal_point", {}).get("addresses_by_body") or {})
    addresses |= avenue.get("addresses_by_body") or {}
    served = set(avenue.get("bodies") or ())
    return [
        Target(body, clean_addresses([addresses.get(body, "")]), ())
        for body in s.treaty_bodies
        if body in served
    ]


def _generic(s: Situation, avenue: Avenue, _all: Mapping[str, Avenue]) -> list[Target]:
    """An avenue added by an administrator: applies to its bodies, or to all if it names none."""
    bodies = avenue.get("bodies") or ()
    return [_default_target(avenue)] if not bodies or s.engaged(bodies) else []


AVENUE_RULES: dict[str, AvenueRule] = {
    "senior_official": _when(_un_scope),
    "sg_report": _when(_un_scope),
    # HB §3.5.3: follow-up on a case already in a report.
    "sg_report_follow_up": _when(lambda s: s.answers.previous_citation is not None),
    "sr_defenders": _when(_un_scope),
    "tb_focal_point": _per_treaty_body,
    "tb_individual_communication": _per_treaty_body,
    # HB §3.1: CERD urgent action for a racial or ethnic dimension, whatever the body.
    "cerd_urgent_action": _when(lambda s: s.answers.racial_or_ethnic_dimension),
    # HB §3.2-3.3: the President for the Council, the UPR and the Special Procedures.
    "hrc_president": _when(lambda s: s.engaged(HRC_BODIES)),
    "sp_mandate_holder": _when(lambda s: s.engaged({"special_procedures"})),
    # HB §4.1: the IACHR, by the State's (former) OAS or Convention ties.
    "iachr_request_information": _when(lambda s: s.inter_american and s.engaged(IA_BODIES)),
    "iachr_press_release": _when(lambda s: s.inter_american and s.engaged(IA_BODIES)),
    # HB §4.1.2: precautionary measures only for serious, urgent, irreparable situations.
    "iachr_precautionary_measures": _when(lambda s: s.inter_american and s.answers.urgent),
    "iachr_hearing": _when(lambda s: s.inter_american and s.engaged(IA_BODIES)),
    # HB §4.2: the African Commission for States parties to the African Charter.
    "achpr_focal_point": _when(lambda s: s.african_charter and s.engaged(AF_BODIES)),
    "achpr_communication": _when(
        lambda s: s.african_charter and (s.engaged(AF_BODIES) or s.answers.urgent)
    ),
    "embassy": _when(lambda s: True),
    "state_advocacy": _when(lambda s: bool(s.un_bodies) or s.answers.previous_citation is not None),
    # HB ch.6: imminent threat or targeted violence (and digital attacks: help lines).
    "emergency_support": _when(
        lambda s: (
            s.answers.urgent
            or bool(set(s.answers.reprisal_types) & (VIOLENT_TYPES | DIGITAL_TYPES))
        )
    ),
    "national_steps": _when(lambda s: True),
}


# --- Conditions ------------------------------------------------------------------------------

ConditionRule = Callable[[Situation, Target], str]


def _always(status: str) -> ConditionRule:
    return lambda s, t: status


def _remedies(s: Situation, t: Target) -> str:
    return {"yes": MET, "no": UNMET}.get(s.answers.domestic_remedies_exhausted, UNKNOWN)


def _remedies_or_reasons(s: Situation, t: Target) -> str:
    # HB §4.2.2: not exhausted is acceptable when the reasons are explained, so "no" stays open.
    return MET if s.answers.domestic_remedies_exhausted == "yes" else UNKNOWN


def _cited(s: Situation, t: Target) -> str:
    citation = s.answers.previous_citation
    if citation is None:
        return UNMET
    return MET if citation.paragraph is not None else UNKNOWN


def _national_first(s: Situation, t: Target) -> str:
    # HB §4.1.2: waived when the State itself is behind the threats.
    return MET if s.state_perpetrator == MET else UNKNOWN


def _authorities_not_involved(s: Situation, t: Target) -> str:
    return {MET: UNMET, UNMET: MET}.get(s.state_perpetrator, UNKNOWN)


CONDITION_RULES: dict[str, ConditionRule] = {
    "un_cooperation": lambda s, t: s.un_link,
    "not_regional_only": lambda s, t: s.un_link,
    "no_exhaustion": _always(MET),
    "parallel_allowed": _always(MET),
    "explicit_consent_report": lambda s, t: s.consent("include_in_sg_report"),
    "consent_required": lambda s, t: s.consent("share_within_un"),
    "consent_naming": _always(UNKNOWN),
    "cite_report": _cited,
    "tb_cooperation": lambda s, t: MET if t.body in s.answers.bodies else UNMET,
    "cescr_no_guidelines": _always(NOTE),
    "ratified": _always(UNKNOWN),
    "competence": _always(UNKNOWN),
    "exhausted": _remedies,
    "racial_dimension": lambda s, t: MET if s.answers.racial_or_ethnic_dimension else UNMET,
    "hrc_cooperation": lambda s, t: MET if s.engaged(HRC_BODIES) else UNMET,
    "en_fr": _always(NOTE),
    "sp_cooperation": lambda s, t: MET if s.engaged({"special_procedures"}) else UNMET,
    "oas_state": lambda s, t: MET if s.inter_american else UNMET,
    "ia_cooperation": lambda s, t: MET if s.engaged(IA_BODIES) else UNMET,
    "serious_urgent": lambda s, t: MET if s.answers.urgent else UNMET,
    "national_first": _national_first,
    "identity_to_state": _always(NOTE),
    "hearing_participant": _always(UNKNOWN),
    "charter_state": lambda s, t: MET if s.african_charter else UNMET,
    "af_cooperation": lambda s, t: MET if s.engaged(AF_BODIES) else UNMET,
    "in_writing": _always(NOTE),
    "exhausted_or_reasons": _remedies_or_reasons,
    "seen_at_embassy": _always(NOTE),
    "embassy_limits": _always(NOTE),
    "choose_states": _always(NOTE),
    "own_criteria": _always(UNKNOWN),
    "private_or_public": _always(NOTE),
    "authorities_involved": _authorities_not_involved,
}


def condition_status(slug: str, situation: Situation, target: Target) -> str:
    """met, unmet, unknown, or note (a caution rather than a requirement)."""
    rule = CONDITION_RULES.get(slug)
    return rule(situation, target) if rule else UNKNOWN


# --- Treaty acceptance (HB §3.1; data in treaties.json) ------------------------------------------

ACCEPTANCE_STATUS = {"accepted": MET, "not_accepted": UNMET}


def treaty_conditions(avenue: str) -> dict[str, Mapping[str, Any]]:
    """Condition slug -> {procedure, body?, text?} for the conditions judged from treaty data."""
    return {c["condition"]: c for c in reference.treaties()["conditions"] if c["avenue"] == avenue}


def treaty_procedure(body: str, procedure: str) -> Mapping[str, Any]:
    """The procedure's description in treaties.json (instrument, legal basis, `follows`)."""
    for entry in reference.treaties()["bodies"]:
        if entry["body"] == body:
            return entry["procedures"].get(procedure) or {}
    return {}


def acceptance(s: Situation, body: str, procedure: str) -> tuple[str, reference.Acceptance | None]:
    """met / unmet / unknown for the State and procedure, and the record it rests on.

    A procedure that `follows` another (CERD early warning, CED urgent action) is open to every
    State party, so it is judged from the party record.
    """
    stored = treaty_procedure(body, procedure).get("follows") or procedure
    record = s.acceptances.get((body, stored))
    return ACCEPTANCE_STATUS.get(record.status if record else "", UNKNOWN), record


def treaty_evidence(
    s: Situation, body: str, procedure: str, status: str, record: Any, language: str
) -> Message:
    """What the status rests on: the State, the instrument, the source and its date."""
    spec = treaty_procedure(body, procedure)
    instrument = localized(spec.get("instrument"), language) or procedure
    where = localized(reference.treaties().get("where_to_check"), language)
    country = reference.countries().get(s.answers.country or "")
    if country is None:
        return Message(
            gettext_noop(
                "No State was given: check whether it has accepted %(instrument)s in %(where)s."
            ),
            {"instrument": instrument, "where": where},
        )
    params = {
        "state": country.name.get(language) or country.name["en"],
        "instrument": instrument,
        "source": record.source if record else "",
        "date": record.last_verified if record else "",
        "where": where,
    }
    if status == MET:
        msgid = gettext_noop(
            "%(state)s, %(instrument)s: recorded as accepted. Source: %(source)s; "
            "last verified %(date)s."
        )
    elif status == UNMET:
        msgid = gettext_noop(
            "%(state)s, %(instrument)s: recorded as not accepted. Source: %(source)s; "
            "last verified %(date)s."
        )
    else:
        msgid = gettext_noop(
            "%(state)s, %(instrument)s: not verified. Check %(where)s before relying on it."
        )
    return Message(msgid, params)


def _treaty_condition(
    s: Situation, spec: Mapping[str, Any], target: Target, language: str
) -> tuple[str, Message | None]:
    body = spec.get("body") or target.body or ""
    status, record = acceptance(s, body, spec["procedure"])
    return status, treaty_evidence(s, body, spec["procedure"], status, record, language)


# --- Priority --------------------------------------------------------------------------------

# Lower comes first. HB §3.4: the senior official is the first UN door for any UN-linked case;
# the body engaged is the next; publicity and long procedures come later.
BASE_WEIGHT = {
    "emergency_support": 60,
    "iachr_precautionary_measures": 5,
    "senior_official": 10,
    "hrc_president": 12,
    "tb_focal_point": 12,
    "sp_mandate_holder": 13,
    "cerd_urgent_action": 14,
    "iachr_request_information": 15,
    "achpr_focal_point": 15,
    "sr_defenders": 20,
    "sg_report_follow_up": 22,
    "sg_report": 24,
    "achpr_communication": 25,
    "iachr_press_release": 30,
    "iachr_hearing": 35,
    "tb_individual_communication": 40,
    "embassy": 45,
    "state_advocacy": 50,
    "national_steps": 55,
}


def weight(slug: str, situation: Situation, conditions: list[Condition]) -> int:
    """The avenue's sort weight for this situation (lower first)."""
    base = BASE_WEIGHT.get(slug, 58)
    answers = situation.answers
    if answers.urgent and slug == "emergency_support":
        return 0  # HB ch.6: physical safety first
    if answers.urgent and slug in ("embassy", "achpr_communication"):
        base -= 15
    if answers.in_geneva and slug == "hrc_president":
        base -= 1  # HB §3.2: a meeting while still in Geneva
    if any(c.status == UNMET for c in conditions):
        base += 20
    return base


# --- Result ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    slug: str
    text: str
    status: str
    note: Message | None = None
    # What the status rests on (treaty data: State, source, last-verified date).
    evidence: Message | None = None

    def full_text(self, translate: Callable[[str], str] = str) -> str:
        """The condition with what its status rests on, in the language `translate` gives."""
        if self.evidence is None:
            return self.text
        return f"{self.text} {self.evidence.render(translate)}"


@dataclass(frozen=True)
class Item:
    slug: str
    text: str


@dataclass(frozen=True)
class Recommendation:
    """One avenue that applies, with everything the person needs to use it."""

    avenue: str
    name: str
    body: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    priority: int
    summary: str
    conditions: tuple[Condition, ...]
    include: tuple[Item, ...]
    next_steps: str
    timing: str
    publicity_note: str
    address_note: str
    hb: str
    source: str
    last_verified: str
    notes: tuple[Message, ...]
    languages: tuple[str, ...] | None


@dataclass(frozen=True)
class Routing:
    avenues: tuple[Recommendation, ...]
    warnings: tuple[Message, ...]

    def slugs(self) -> list[str]:
        return [r.avenue for r in self.avenues]

    def get(self, slug: str, body: str | None = None) -> Recommendation | None:
        for r in self.avenues:
            if r.avenue == slug and (body is None or r.body == body):
                return r
        return None


def localized(value: Any, language: str) -> str:
    """The text of a {en, fr, es} object in a language, falling back to English."""
    if not value:
        return ""
    if isinstance(value, str):
        return value
    return value.get(language) or value.get("en") or ""


def route(
    answers: Answers,
    avenues: Iterable[Avenue] | None = None,
    *,
    language: str = "en",
    today: datetime.date | None = None,
    acceptances: Iterable[reference.Acceptance] | None = None,
) -> Routing:
    """The avenues that apply to the answers, most useful first, and warnings.

    `avenues` and `acceptances` default to the shipped files; the web layer passes the
    administrators' copies.
    """
    data = list(avenues if avenues is not None else reference.avenues())
    by_slug = {a["slug"]: a for a in data}
    situation = Situation.of(answers, acceptances)
    today = today or datetime.date.today()
    found: list[tuple[int, int, Recommendation]] = []
    for order, avenue in enumerate(data):
        if avenue.get("deprecated"):
            continue
        rule = AVENUE_RULES.get(avenue["slug"], _generic)
        for target in rule(situation, avenue, by_slug):
            rec = _recommend(situation, avenue, target, language, today)
            found.append((weight(avenue["slug"], situation, list(rec.conditions)), order, rec))
    found.sort(key=lambda item: (item[0], item[1]))
    ranked = tuple(_with_priority(rec, rank) for rank, (_w, _o, rec) in enumerate(found, start=1))
    return Routing(ranked, tuple(warnings_for(situation, ranked, language)))


def recommend(
    answers: Answers,
    slug: str,
    avenues: Iterable[Avenue] | None = None,
    *,
    body: str | None = None,
    language: str = "en",
    today: datetime.date | None = None,
    acceptances: Iterable[reference.Acceptance] | None = None,
) -> Recommendation:
    """One avenue for these answers even if the rules would not list it (e.g. to draft for it).

    Raises KeyError for an unknown avenue slug.
    """
    data = list(avenues if avenues is not None else reference.avenues())
    by_slug = {a["slug"]: a for a in data}
    avenue = by_slug[slug]
    situation = Situation.of(answers, acceptances)
    targets = AVENUE_RULES.get(slug, _generic)(situation, avenue, by_slug)
    target = next((t for t in targets if body in (None, t.body)), None)
    if target is None and body and body_groups().get(body) == "treaty_body":
        addresses = by_slug.get("tb_focal_point", {}).get("addresses_by_body") or {}
        target = Target(body, clean_addresses([addresses.get(body, "")]), ())
    target = target or _default_target(avenue)
    return _recommend(situation, avenue, target, language, today or datetime.date.today())


def _with_priority(rec: Recommendation, rank: int) -> Recommendation:
    return replace(rec, priority=rank)


def _recommend(
    s: Situation, avenue: Avenue, target: Target, language: str, today: datetime.date
) -> Recommendation:
    conditions = []
    treaty = treaty_conditions(avenue["slug"])
    raws = list(avenue.get("conditions") or ())
    present = {raw["slug"] for raw in raws}
    # Conditions the treaty data adds to an avenue (e.g. CERD acts on States parties).
    raws += [
        {"slug": c["condition"], "text": c["text"]}
        for c in treaty.values()
        if c.get("text") and c["condition"] not in present
    ]
    for raw in raws:
        if raw["slug"] == "cescr_no_guidelines" and target.body != "tb_cescr":
            continue  # HB §3.1: only CESCR lacks the San José Guidelines
        evidence = None
        if raw["slug"] in treaty:
            status, evidence = _treaty_condition(s, treaty[raw["slug"]], target, language)
        else:
            status = condition_status(raw["slug"], s, target)
        conditions.append(
            Condition(
                raw["slug"],
                localized(raw.get("text"), language),
                status,
                _why(raw, s, status),
                evidence,
            )
        )
    timing = localized(avenue.get("timing"), language)
    return Recommendation(
        avenue=avenue["slug"],
        name=localized(avenue.get("name"), language),
        body=target.body,
        to=target.to,
        cc=target.cc,
        priority=0,
        summary=localized(avenue.get("summary"), language),
        conditions=tuple(conditions),
        include=tuple(
            Item(i["slug"], localized(i.get("text"), language)) for i in avenue.get("include") or ()
        ),
        next_steps=localized(avenue.get("next_steps"), language),
        timing=timing,
        publicity_note=localized(avenue.get("publicity_note"), language),
        address_note=localized(avenue.get("address_note"), language),
        hb=avenue.get("hb") or "",
        source=avenue.get("source") or "",
        last_verified=str(avenue.get("last_verified") or ""),
        notes=tuple(notes_for(avenue, s, target, today)),
        languages=tuple(avenue["languages"]) if avenue.get("languages") else None,
    )


def _why(raw: Mapping[str, Any], s: Situation, status: str = UNKNOWN) -> Message | None:
    slug = raw["slug"]
    if slug in ("ratified", "competence") and status == UNMET:
        # HB §3.1 "You can also": the other doors stay open when a complaint is not possible.
        return Message(
            gettext_noop(
                "The committee cannot take an individual complaint about this State. The "
                "committee's focal point on reprisals, the senior official and the Reprisals "
                "Report remain open (HB §3.1, §3.4, §3.5)."
            )
        )
    if slug == "exhausted" and s.answers.domestic_remedies_exhausted == "no":
        return Message(
            gettext_noop(
                "Not yet exhausted. The committee may still accept the complaint if remedies "
                "are unreasonably prolonged, unavailable or plainly ineffective (HB §3.1)."
            )
        )
    if slug == "exhausted_or_reasons" and s.answers.domestic_remedies_exhausted == "no":
        return Message(
            gettext_noop("Explain in the communication why domestic remedies could not be used.")
        )
    if slug == "national_first" and s.state_perpetrator == MET:
        return Message(
            gettext_noop(
                "The State is said to be behind the reprisal, so going to national authorities "
                "first is not expected (HB §4.1.2)."
            )
        )
    return None


def notes_for(avenue: Avenue, s: Situation, target: Target, today: datetime.date) -> list[Message]:
    """Advice specific to this situation, on top of the avenue's own texts."""
    slug = avenue["slug"]
    notes: list[Message] = []
    if slug == "hrc_president" and s.answers.in_geneva:
        notes.append(
            Message(
                gettext_noop(
                    "You are in Geneva, or about to travel home after a session: ask the "
                    "President's office for a meeting before you leave (HB §3.2)."
                )
            )
        )
    if slug in ("sg_report", "sg_report_follow_up"):
        notes.append(
            Message(
                gettext_noop(
                    "Ask the person for explicit consent to appear in this report, even if they "
                    "agreed to an earlier step such as a letter (HB §3.5.1)."
                )
            )
        )
        notes.extend(cycle_notes(avenue.get("cycle"), today))
    if slug == "sg_report_follow_up" and s.answers.previous_citation:
        notes.append(
            Message(
                gettext_noop("Name the case by its citation, %(citation)s (HB §3.5.3)."),
                {"citation": str(s.answers.previous_citation)},
            )
        )
    if slug == "state_advocacy":
        notes.extend(cycle_notes(None, today, dialogue_only=True))
    if slug.startswith("iachr_") and s.memberships & IA_LEFT:
        notes.append(
            Message(
                gettext_noop(
                    "This State left the OAS or denounced the American Convention; the "
                    "Inter-American Commission still acts on it (HB §4.1)."
                )
            )
        )
    if slug == "senior_official" and s.treaty_bodies:
        notes.append(
            Message(
                gettext_noop(
                    "The committee you engaged with is the first responder; the senior official "
                    "can act alongside it (HB §3.4)."
                )
            )
        )
    return notes


def cycle_notes(
    cycle: Mapping[str, Any] | None, today: datetime.date, *, dialogue_only: bool = False
) -> list[Message]:
    """The Reprisals Report's yearly call and the September dialogue (HB §3.5; data per year)."""
    dialogue = Message(
        gettext_noop(
            "The report is presented at the Human Rights Council's September session, followed "
            "by an interactive dialogue where States can raise cases (HB §3.5.2)."
        )
    )
    if dialogue_only:
        return [dialogue]
    row = next((y for y in (cycle or {}).get("years") or () if y.get("year") == today.year), None)
    if row and row.get("call_for_submissions"):
        params = {"year": str(today.year), "date": str(row["call_for_submissions"])}
        if row.get("deadline"):
            params["deadline"] = str(row["deadline"])
            call = Message(
                gettext_noop(
                    "The %(year)s call for submissions came on %(date)s; the deadline is "
                    "%(deadline)s. Submissions are also accepted at any time."
                ),
                params,
            )
        else:
            call = Message(
                gettext_noop(
                    "The %(year)s call for submissions came on %(date)s. Submissions are also "
                    "accepted at any time."
                ),
                params,
            )
    else:
        call = Message(
            gettext_noop(
                "Submissions are accepted at any time; the yearly call usually comes each spring, "
                "around mid-April (in some years May). Check the date for %(year)s."
            ),
            {"year": str(today.year)},
        )
    return [call, dialogue]


def warnings_for(
    s: Situation, ranked: Iterable[Recommendation], language: str = "en"
) -> list[Message]:
    """Cautions about the answers as a whole."""
    answers = s.answers
    slugs = {r.avenue for r in ranked}
    warnings = [
        Message(
            gettext_noop(
                "Publicity can protect and can expose. Decide with the person concerned what may "
                "be shared, with whom and under which name, for each step (HB §2.1, §3.3)."
            )
        )
    ]
    if answers.country is None:
        warnings.append(
            Message(
                gettext_noop(
                    "No State was given, so the regional commissions could not be assessed."
                )
            )
        )
    if not answers.bodies:
        warnings.append(
            Message(
                gettext_noop(
                    "No body was selected: the UN avenues are listed on the assumption that the "
                    "reprisal is linked to the UN; check that link."
                )
            )
        )
    if s.regional_only:
        warnings.append(
            Message(
                gettext_noop(
                    "The senior official on reprisals does not take cases linked only to "
                    "regional bodies (HB §3.4)."
                )
            )
        )
    if s.engaged(IA_BODIES) and answers.country and not s.inter_american:
        warnings.append(
            Message(
                gettext_noop(
                    "The Inter-American Commission covers States of the Americas that are or "
                    "were in the OAS; the State given is not one of them (HB §4.1)."
                )
            )
        )
    if s.engaged(AF_BODIES) and answers.country and not s.african_charter:
        warnings.append(
            Message(
                gettext_noop(
                    "The African Commission covers States parties to the African Charter; the "
                    "State given is not one of them (HB §4.2)."
                )
            )
        )
    beyond = [b for b in answers.bodies if b in ("coe", "echr", "osce")]
    if beyond:
        warnings.append(
            Message(
                gettext_noop(
                    "The handbook gives no avenue for %(bodies)s; contact that body's own "
                    "secretariat."
                ),
                {"bodies": ", ".join(beyond)},
            )
        )
    if answers.previous_citation and answers.previous_citation.paragraph is None:
        warnings.append(
            Message(
                gettext_noop(
                    "The earlier report citation has no paragraph number; add it so OHCHR can "
                    "find the case (HB §3.5.3)."
                )
            )
        )
    if "disappearance_kidnapping" in answers.reprisal_types and answers.country:
        warnings.extend(ced_urgent_action(s, language))
    if answers.urgent and "emergency_support" in slugs:
        warnings.append(
            Message(
                gettext_noop(
                    "None of these bodies gives physical protection. If the danger is immediate, "
                    "contact an organisation offering emergency support first (HB ch.3, ch.6)."
                )
            )
        )
    return warnings


def ced_urgent_action(s: Situation, language: str) -> list[Message]:
    """ICPED art. 30: a disappearance in a State party can go to CED's urgent action procedure."""
    status, record = acceptance(s, "tb_ced", "urgent_action")
    if status == UNMET:
        return []
    evidence = treaty_evidence(s, "tb_ced", "urgent_action", status, record, language)
    head = (
        gettext_noop(
            "For a disappearance, the Committee on Enforced Disappearances can ask the State to "
            "search for the person (urgent action, art. 30 of the Convention on Enforced "
            "Disappearance), through its secretariat. It expects the disappearance to have been "
            "reported to the competent national authorities where that is possible."
        )
        if status == MET
        else gettext_noop(
            "For a disappearance, the Committee on Enforced Disappearances has an urgent action "
            "procedure (art. 30 of the Convention on Enforced Disappearance) if the State is a "
            "party to that Convention."
        )
    )
    return [Message(head), evidence]


# --- Interchange (amparo route --json) ---------------------------------------------------------


def as_json(routing: Routing, translate: Callable[[str], str] = str) -> dict[str, Any]:
    """The routing in the form `amparo route --json` prints (issue 5 §5)."""
    return {
        "avenues": [
            {
                "avenue": r.avenue,
                "body": r.body,
                "to": list(r.to),
                "cc": list(r.cc),
                "priority": r.priority,
                "conditions": [
                    {"condition": c.slug, "text": c.full_text(translate), "status": c.status}
                    | ({"note": c.note.render(translate)} if c.note else {})
                    for c in r.conditions
                ],
                "include": [i.text for i in r.include],
                "next_steps": " ".join(
                    [r.next_steps, *(n.render(translate) for n in r.notes)]
                ).strip(),
                "source": r.source,
            }
            for r in routing.avenues
        ],
        "warnings": [w.render(translate) for w in routing.warnings],
    }
