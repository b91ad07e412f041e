"""A reproducible, plainly fictional demo register shaped like the figures of HB §1.2.

Every name, contact detail, place and note here is invented: person names are built from a fixed
list of made-up syllables, contacts are ``demo-only +00 000 …``, notes say "Demo note". Report
symbols follow the pattern of the Secretary-General's reports (A/HRC/<session>/<n>) but the
paragraphs point at nothing real. The same seed always gives the same register.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from amparo.accounts.audit import record_event
from amparo.cases.interchange import ImportResult, write_rows
from amparo.cases.models import Action, Engagement, Entry, Incident
from amparo.core import reference
from amparo.core.interchange import Confidential, Row, RowValidator

REF_PREFIX = "DEMO-"
# Entries beyond this many get public coding only (no subjects, incidents, actions): enough
# for staff pages to look real, and fast when --count is large for benchmarks.
DETAILED = 1000
YEARS = range(2010, 2025)

# HB §1.2: 988 entries, 588 named, 279 unnamed, 93 general situations, 28 preemptive statements.
KINDS = {"named": 588, "unnamed": 279, "general_situation": 93, "preemptive_statement": 28}
# HB §1.2: named cases 56 % male, 29 % female, 14 % organisations (the rest: groups).
NAMED_SUBJECTS = {("individual", "male"): 56, ("individual", "female"): 29}
NAMED_SUBJECTS |= {("organisation", ""): 14, ("group", ""): 1}
UNNAMED_SUBJECTS = {("group", ""): 50, ("individual", "male"): 14, ("individual", "female"): 11}
UNNAMED_SUBJECTS |= {("individual", "unknown"): 10, ("organisation", ""): 15}
# HB §1.2 regions; WEOG "under 1 %".
REGIONS = {
    "mena": 29,
    "asia_pacific": 24,
    "latin_america_caribbean": 19,
    "sub_saharan_africa": 19,
    "eastern_europe_central_asia": 9,
    "weog": 0.5,
}
# HB §1.2 top countries, entries out of 988.
TOP_COUNTRIES = {"VEN": 74, "CHN": 72, "BHR": 72, "VNM": 55, "GTM": 54, "EGY": 51, "NIC": 48}
TOP_COUNTRIES |= {"ISR": 45}
TOTAL_988 = 988
# HB §1.2 contact points (the remainder: other).
CONTACT_POINTS = {
    "un_meeting_abroad": 30,
    "remote_information": 26,
    "un_meeting_in_country": 22,
    "case_raised_by_un": 5,
    "other": 17,
}
# HB §1.2 bodies; treaty bodies 15 % split among the committees; the rest spread over others.
BODIES = {
    "hrc": 24,
    "special_procedures": 22,
    "ohchr": 12,
    "peace_operation": 10,
    "high_commissioner": 5,
    "security_council": 2,
    "tb_ccpr": 4,
    "tb_cat": 3,
    "tb_cedaw": 2,
    "tb_cerd": 2,
    "tb_crc": 1.5,
    "tb_cescr": 1,
    "tb_cmw": 0.5,
    "tb_crpd": 0.5,
    "tb_ced": 0.25,
    "tb_spt": 0.25,
    "upr": 4,
    "investigation": 2,
    "general_assembly": 1,
    "un_agency_other": 1,
    "regional": 2,  # the region's own system, when it has one
}
REGIONAL_BODY = {"latin_america_caribbean": "iachr", "sub_saharan_africa": "achpr"}
# HB §1.2 reprisal types among named cases (share of cases holding each); the rest rarer.
REPRISAL_SHARES = {
    "threats_intimidation": 0.40,
    "criminal_proceedings": 0.28,
    "defamation": 0.27,
    "detention": 0.24,
    "physical_attack": 0.18,
    "travel_restriction": 0.16,
    "family_targeted": 0.14,
    "surveillance": 0.13,
    "online_harassment": 0.12,
    "property_raid": 0.11,
    "administrative_reprisal": 0.05,
    "detention_conditions": 0.04,
    "professional_reprisal": 0.04,
    "access_denied_un_expert": 0.03,
    "expulsion_visa_denied": 0.03,
    "disappearance_kidnapping": 0.02,
    "access_denied_un_premises": 0.02,
    "killing": 0.008,
}
# HB §1.2: the theme is unclear for about 40 % of cases.
THEMES = {
    "unclear": 40,
    "civil_political": 18,
    "accountability": 12,
    "womens_rights": 5,
    "minorities_racism": 5,
    "economic_social": 5,
    "environment": 4,
    "indigenous_peoples": 4,
    "religious_freedom": 3,
    "lgbtiq": 2,
    "childrens_rights": 1,
    "other": 1,
}
PERPETRATORS = {
    "state": 80,
    "state_affiliated": 7,
    "non_state_armed_group": 3,
    "non_state_business": 2,
    "non_state_media": 2,
    "non_state_community": 1,
    "non_state_criminal_group": 1,
    "unknown": 4,
}
STATUSES = {"open": 40, "follow_up_due": 25, "resolved": 15, "closed": 20}
CONSENT_SHARES = {
    "publish_in_portal": 0.85,
    "include_in_sg_report": 0.9,
    "share_within_un": 0.7,
    "raise_with_state": 0.55,
    "share_with_partner_ngo": 0.3,
}

# Invented syllables: no real person is named by the demo (checked by a test for a few names).
SYLLABLES = (
    "ta rel vos ka mir dor sel vek lun qor zim fen oda nav tel kes yor pim bax ul "
    "eth var sor lem dru kai nes tov rim asq ozu "
).split()
ORG_WORDS = ("Collective", "Network", "Circle", "Assembly", "Coalition", "Forum")

# Title pieces, in our own words.
PROFESSIONS = {
    "civil_political": ("Human rights lawyer", "Journalist", "Opposition activist", "Blogger"),
    "accountability": ("Relative of a disappeared person", "Victims' advocate", "Lawyer"),
    "womens_rights": ("Woman human rights defender", "Women's rights activist"),
    "minorities_racism": ("Minority rights advocate", "Community leader"),
    "economic_social": ("Trade unionist", "Housing rights campaigner"),
    "environment": ("Environmental defender", "Land rights activist"),
    "indigenous_peoples": ("Indigenous leader", "Indigenous land defender"),
    "religious_freedom": ("Religious freedom advocate", "Faith community leader"),
    "lgbtiq": ("LGBTIQ rights activist",),
    "childrens_rights": ("Children's rights advocate",),
    "other": ("Human rights defender", "Academic"),
    "unclear": ("Human rights defender", "Civil society activist", "Researcher"),
}
GROUPS = ("Several defenders", "A group of activists", "Members of a civil society coalition")
GROUPS += ("Relatives of detainees", "Participants in a UN consultation")
ORGANISATIONS = ("Human rights organisation", "Legal aid centre", "Women's rights group")
ORGANISATIONS += ("Independent media outlet", "Environmental NGO")
HARM = {
    "threats_intimidation": "threatened",
    "criminal_proceedings": "charged",
    "defamation": "publicly smeared",
    "detention": "detained",
    "physical_attack": "assaulted",
    "travel_restriction": "barred from travelling",
    "family_targeted": "targeted through relatives",
    "surveillance": "put under surveillance",
    "online_harassment": "harassed online",
    "property_raid": "subjected to a raid",
    "administrative_reprisal": "hit by administrative sanctions",
    "detention_conditions": "denied medical care in detention",
    "professional_reprisal": "dismissed from work",
    "access_denied_un_expert": "prevented from meeting a UN expert",
    "expulsion_visa_denied": "refused a visa",
    "disappearance_kidnapping": "abducted",
    "access_denied_un_premises": "kept out of UN premises",
    "killing": "killed",
}
# The harm a title names first: the gravest the entry holds.
SEVERITY = (
    "killing",
    "disappearance_kidnapping",
    "physical_attack",
    "detention",
    "detention_conditions",
    "criminal_proceedings",
    "expulsion_visa_denied",
    "travel_restriction",
    "property_raid",
    "family_targeted",
    "administrative_reprisal",
    "professional_reprisal",
    "threats_intimidation",
    "surveillance",
    "defamation",
    "online_harassment",
    "access_denied_un_expert",
    "access_denied_un_premises",
    "other",
)
ACTIVITY = {
    "hrc": "addressing the Human Rights Council",
    "special_procedures": "briefing a Special Rapporteur",
    "ohchr": "meeting UN human rights staff",
    "peace_operation": "speaking with the UN mission",
    "high_commissioner": "meeting the High Commissioner",
    "security_council": "briefing the Security Council",
    "upr": "taking part in the Universal Periodic Review",
    "investigation": "testifying to a UN inquiry",
    "general_assembly": "speaking at the General Assembly",
    "un_agency_other": "working with a UN agency",
    "iachr": "attending an Inter-American Commission hearing",
    "achpr": "engaging with the African Commission",
}
SITUATIONS = (
    "new law restricts contact with UN mechanisms",
    "travel bans keep activists from UN sessions",
    "officials stigmatise groups that work with the UN",
    "foreign funding rules hamper cooperation with the UN",
    "pattern of intimidation around UN reviews",
)
AFTERMATH = (
    "The authorities have not answered the allegations.",
    "The case was raised with the government, which denied any link to UN cooperation.",
    "Follow-up information was sent for the next annual report.",
    "The government replied that the measures were lawful.",
    "The person concerned asked that details stay confidential.",
)
WHO = {
    "individual": ("the person concerned", "was"),
    "organisation": ("the organisation and its staff", "were"),
    "group": ("the group's members", "were"),
    "": ("the people concerned", "were"),
}
AVENUES = ("senior_official", "sg_report", "sr_defenders", "hrc_president", "sg_report_follow_up")


def report_symbol(year: int, number: int) -> str:
    """A symbol in the pattern of the annual report presented at the September session."""
    return f"A/HRC/{18 + 3 * (year - 2011)}/{number}"


def fictional_name(rng: random.Random, parts: int = 2) -> str:
    """An invented two-syllable given name and family name, e.g. 'Tarel Vosk'."""
    words = ("".join(rng.choice(SYLLABLES) for _ in range(parts)) for _ in range(2))
    return " ".join(word.capitalize() for word in words)


class Weighted:
    """Keys drawn with fixed weights; cumulative weights computed once (drawn millions of times)."""

    def __init__(self, weights: dict[Any, float]) -> None:
        self.keys = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))

    def pick(self, rng: random.Random) -> Any:
        return rng.choices(self.keys, cum_weights=self.cumulative)[0]


W_KINDS, W_STATUSES, W_THEMES = Weighted(KINDS), Weighted(STATUSES), Weighted(THEMES)
W_KNOWN_THEMES = Weighted({k: v for k, v in THEMES.items() if k != "unclear"})
W_NAMED_SUBJECTS, W_UNNAMED_SUBJECTS = Weighted(NAMED_SUBJECTS), Weighted(UNNAMED_SUBJECTS)
W_CONTACT_POINTS, W_BODIES = Weighted(CONTACT_POINTS), Weighted(BODIES)
W_PERPETRATORS, W_REPRISALS = Weighted(PERPETRATORS), Weighted(REPRISAL_SHARES)


@dataclass
class DemoResult:
    entries: int = 0
    subjects: int = 0
    engagements: int = 0
    incidents: int = 0
    actions: int = 0
    consents: int = 0
    counts: dict[str, int] = field(default_factory=dict)


class DemoBuilder:
    """Draws demo entries from the figures above with one seeded random generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.reports = {year: self.rng.randint(20, 70) for year in YEARS}
        self.countries = self._country_weights()

    def _country_weights(self) -> Weighted:
        by_region: dict[str, list[str]] = {}
        for code, country in sorted(reference.countries().items()):
            by_region.setdefault(country.region, []).append(code)
        weights: dict[str, float] = {}
        for region, share in REGIONS.items():
            top = {
                c: n / TOTAL_988 * 100 for c, n in TOP_COUNTRIES.items() if c in by_region[region]
            }
            others = [c for c in by_region[region] if c not in top]
            rest = max(share - sum(top.values()), 0.0)
            weights |= top | {code: rest / len(others) for code in others}
        return Weighted(weights)

    def record(self, number: int) -> tuple[dict[str, Any], Confidential | None]:
        """The raw interchange record of entry ``number`` and, for detailed ones, its identities."""
        rng = self.rng
        kind = W_KINDS.pick(rng)
        country = self.countries.pick(rng)
        region = reference.countries()[country].region
        year = rng.choices(list(YEARS), weights=[10 + i for i in range(len(YEARS))])[0]
        subject_kind, gender = "", ""
        if kind == "named":
            subject_kind, gender = W_NAMED_SUBJECTS.pick(rng)
        elif kind == "unnamed":
            subject_kind, gender = W_UNNAMED_SUBJECTS.pick(rng)
        personal = kind in ("named", "unnamed")
        themes = self._themes() if personal else []
        bodies = self._bodies(region, kind)
        types = self._reprisal_types(kind)
        record = {
            "ref": f"{REF_PREFIX}{number:06d}",
            "kind": kind,
            "title": self._title(kind, subject_kind, themes, types, bodies, country),
            "subject_kind": subject_kind,
            "gender": gender,
            "country": country,
            "region": "",
            "themes": themes,
            "contact_points": [W_CONTACT_POINTS.pick(rng)] if personal else [],
            "bodies": bodies,
            "reprisal_types": types,
            "perpetrators": self._perpetrators() if kind != "preemptive_statement" else [],
            "year": year,
            "citations": self._citations(year),
            "status": W_STATUSES.pick(rng),
            "consent": self._consent() if personal else [],
            "published": rng.random() < 0.8,
            "summary": self._summary(kind, subject_kind, year, types, bodies, country),
        }
        confidential = self._confidential(kind, subject_kind) if number <= DETAILED else None
        return record, confidential

    def _themes(self) -> list[str]:
        first = W_THEMES.pick(self.rng)
        if first != "unclear" and self.rng.random() < 0.2:
            second = W_KNOWN_THEMES.pick(self.rng)
            return list(dict.fromkeys([first, second]))
        return [first]

    def _bodies(self, region: str, kind: str) -> list[str]:
        if kind == "preemptive_statement":
            return [self.rng.choice(("special_procedures", "high_commissioner", "ohchr"))]
        chosen = []
        for _ in range(2 if self.rng.random() < 0.2 else 1):
            body = W_BODIES.pick(self.rng)
            chosen.append(REGIONAL_BODY.get(region, "upr") if body == "regional" else body)
        return list(dict.fromkeys(chosen))

    def _reprisal_types(self, kind: str) -> list[str]:
        rng = self.rng
        if kind == "preemptive_statement":
            return []
        if kind == "general_situation":
            options = (
                "travel_restriction",
                "administrative_reprisal",
                "defamation",
                "surveillance",
            )
            return rng.sample(options, rng.randint(1, 2))
        types = [t for t, share in REPRISAL_SHARES.items() if rng.random() < share]
        return types or [W_REPRISALS.pick(rng)]  # at least one, drawn with the same weights

    def _perpetrators(self) -> list[str]:
        first = W_PERPETRATORS.pick(self.rng)
        if first == "state" and self.rng.random() < 0.1:
            return ["state", "state_affiliated"]
        return [first]

    def _citations(self, year: int) -> list[str]:
        rng = self.rng
        annex = " annex I" if year >= 2018 else ""
        cited = [f"{report_symbol(year, self.reports[year])}{annex} para {rng.randint(5, 140)}"]
        if year < YEARS[-1] and rng.random() < 0.25:
            later = rng.randint(year + 1, YEARS[-1])
            annex = " annex II" if later >= 2018 else ""
            symbol = report_symbol(later, self.reports[later])
            cited.append(f"{symbol}{annex} para {rng.randint(5, 140)}")
        return cited

    def _consent(self) -> list[str]:
        return [p for p, share in CONSENT_SHARES.items() if self.rng.random() < share]

    def _title(
        self,
        kind: str,
        subject_kind: str,
        themes: list[str],
        types: list[str],
        bodies: list[str],
        country: str,
    ) -> str:
        rng = self.rng
        name = reference.countries()[country].un_short_name
        if kind == "general_situation":
            return f"{name}: {rng.choice(SITUATIONS)}"
        if kind == "preemptive_statement":
            return f"UN experts warn against reprisals ahead of a visit to {name}"
        if subject_kind == "organisation":
            who = rng.choice(ORGANISATIONS)
        elif subject_kind == "group":
            who = rng.choice(GROUPS)
        else:
            who = rng.choice(PROFESSIONS[themes[0] if themes else "unclear"])
        if kind == "unnamed" and subject_kind == "individual":
            who = f"Unnamed {who[0].lower()}{who[1:]}"
        harm = HARM.get(min(types, key=SEVERITY.index), "targeted") if types else "targeted"
        activity = ACTIVITY.get(bodies[0], "reporting to a UN treaty body") if bodies else ""
        return f"{who} {harm} after {activity}"

    def _summary(
        self,
        kind: str,
        subject_kind: str,
        year: int,
        types: list[str],
        bodies: list[str],
        country: str,
    ) -> str:
        rng = self.rng
        name = reference.countries()[country].un_short_name
        if kind == "preemptive_statement":
            return (
                f"In {year}, UN experts publicly reminded {name} that people who cooperate "
                "with the UN must be protected from any reprisal."
            )
        if kind == "general_situation":
            return (
                f"Reports from {year} describe measures in {name} that discourage civil society "
                f"from cooperating with the UN. {rng.choice(AFTERMATH[:4])}"
            )
        harms = [HARM[t] for t in sorted(types, key=SEVERITY.index)[:3] if t in HARM]
        said = " and ".join([", ".join(harms[:-1]), harms[-1]] if len(harms) > 1 else harms)
        who, verb = WHO.get(subject_kind, WHO[""])
        activity = ACTIVITY.get(bodies[0], "reporting to a UN treaty body")
        return (
            f"In {year}, {who} in {name} {verb} reportedly {said or 'targeted'} after "
            f"{activity}. {rng.choice(AFTERMATH)}"
        )

    def _confidential(self, kind: str, subject_kind: str) -> Confidential | None:
        rng = self.rng
        if kind not in ("named", "unnamed") or (kind == "unnamed" and rng.random() < 0.5):
            return Confidential(notes="Demo note: no real person or case.")
        if subject_kind == "organisation":
            name = f"{fictional_name(rng, 1)} {rng.choice(ORG_WORDS)}"
        else:
            name = fictional_name(rng)
        aliases = [fictional_name(rng, 1)] if rng.random() < 0.2 else []
        contact = f"demo-only +00 000 {rng.randint(1000, 9999)}"
        subject = {"name": name, "aliases": aliases, "contact": contact}
        return Confidential(subjects=[subject], notes="Demo note: no real person or case.")


def build_rows(count: int, seed: int) -> Iterator[Row]:
    """The demo rows one by one, validated exactly as an import would validate them."""
    builder = DemoBuilder(seed)
    validator = RowValidator()
    for number in range(1, count + 1):
        record, confidential = builder.record(number)
        row, problems = validator.validate(record, number)
        if row is None:
            raise ValueError(f"demo record {number} is invalid: {problems[0]}")
        row.confidential = confidential
        yield row


@transaction.atomic
def load_demo(count: int = 1000, seed: int = 42, *, actor: Any = None) -> DemoResult:
    """Load the demo register; refuses if demo refs are already present. For ``amparo demo``."""
    if Entry.objects.filter(ref__startswith=REF_PREFIX).exists():
        raise ValueError("demo data is already loaded (entries with refs DEMO-… exist)")
    consent_rng = random.Random(seed + 1)  # apart from the entries' generator, so the first
    detail_rng = random.Random(seed + 2)  # entries are the same whatever the count
    consent = {
        "given_by": lambda row: "person" if row.kind == "named" else "legal_representative",
        "method": lambda row: consent_rng.choice(("in_person", "written", "secure_message")),
        "given_on": lambda row: (
            datetime.date(row.year or 2020, 1, 1)
            + datetime.timedelta(days=consent_rng.randint(0, 300))
        ),
        "source": "staff",
    }
    detailed: list[Row] = []

    def rows() -> Iterator[Row]:
        for row in build_rows(count, seed):
            if len(detailed) < DETAILED:
                detailed.append(row)
            yield row

    written = write_rows(rows(), actor=actor, result=ImportResult(), consent=consent)
    result = DemoResult(entries=written.entries, subjects=written.subjects)
    result.consents = written.consents
    _add_details(detailed, detail_rng, result)
    record_event(
        "demo.load",
        actor=actor,
        object_type="cases.entry",
        detail={"entries": result.entries, "seed": seed, "subjects": result.subjects},
    )
    return result


def _add_details(rows: list[Row], rng: random.Random, result: DemoResult) -> None:
    """Engagements, incidents and actions for the first entries, so staff pages look lived-in."""
    ids = dict(
        Entry.objects.filter(
            ref__in=[r.ref for r in rows if r.kind != "preemptive_statement"]
        ).values_list("ref", "id")
    )
    engagements, incidents, actions = [], [], []
    for row in rows:
        entry_id = ids.get(row.ref)
        if entry_id is None:
            continue
        year = row.year or 2020
        start = datetime.date(year - 1, 1, 1) + datetime.timedelta(days=rng.randint(0, 330))
        bodies = row.terms.get("body", [])
        contact = (row.terms.get("contact_point") or [""])[0]
        if bodies and rng.random() < 0.8:
            engagements.append(
                Engagement(
                    entry_id=entry_id,
                    body=bodies[0],
                    contact_point=contact,
                    date=start,
                    description="Demo note: engagement described here.",
                )
            )
        if row.terms.get("reprisal_type") and rng.random() < 0.85:
            incidents.append(
                Incident(
                    entry_id=entry_id,
                    date=start + datetime.timedelta(days=rng.randint(7, 60)),
                    place="Demo place",
                    reprisal_types=row.terms["reprisal_type"],
                    perpetrators=row.terms.get("perpetrator", []),
                    description="Demo note: what happened, in the documenter's words.",
                )
            )
        if rng.random() < 0.45:
            actions.append(_action(entry_id, row, start, rng))
    Engagement.objects.bulk_create(engagements)
    Incident.objects.bulk_create(incidents)
    Action.objects.bulk_create(actions)
    result.engagements, result.incidents = len(engagements), len(incidents)
    result.actions = len(actions)


def _action(entry_id: int, row: Row, start: datetime.date, rng: random.Random) -> Action:
    taken = start + datetime.timedelta(days=rng.randint(70, 200))
    replied = rng.random() < 0.4
    return Action(
        entry_id=entry_id,
        avenue=rng.choice(AVENUES),
        taken_on=taken,
        reference=f"DEMO-{rng.randint(100, 999)}",
        status="replied" if replied else rng.choice(("sent", "acknowledged")),
        reply="Demo note: acknowledgement received." if replied else "",
        replied_on=taken + datetime.timedelta(days=rng.randint(10, 90)) if replied else None,
        reminder_on=taken + datetime.timedelta(days=120) if row.status == "follow_up_due" else None,
        notes="Demo note",
    )
