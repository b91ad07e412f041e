"""The steps of the anonymous assessment: what each asks, how answers enter the state, and
what each page shows. The state is a plain dict (see state.py); nothing here touches storage.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from amparo.assessments import forms
from amparo.core import reference, risk

STEPS = ("context", "threats", "rating", "domains", "result", "plan", "done")
STEP_TITLES = {
    "context": _("Context"),
    "threats": _("Threats"),
    "rating": _("Probability and impact"),
    "domains": _("Vulnerabilities and capacities"),
    "result": _("Your risks"),
    "plan": _("Your plan"),
    "done": _("Summary"),
}
REASSESS_AFTER_DAYS = 90
LANGUAGE_CODES = ("en", "fr", "es")


# --- Keeping a state sound, whatever came back from the browser or a file -------------------


def _slugs(values: Any, vocabulary: str) -> list[str]:
    allowed = reference.slugs(vocabulary)
    return [v for v in values if v in allowed] if isinstance(values, list) else []


def _text(value: Any, limit: int = forms.TEXT_LIMIT) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _threat(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or raw.get("threat") not in reference.slugs("reprisal_type"):
        return None
    item = {
        "id": _text(raw.get("id"), 40) or raw["threat"],
        "threat": raw["threat"],
        "label": _text(raw.get("label"), 200),
    }
    for axis in ("probability", "impact"):
        if raw.get(axis) in risk.WEIGHTS:
            item[axis] = raw[axis]
    return item


def clean_state(raw: dict[str, Any]) -> dict[str, Any]:
    """Drop anything unknown from a state, so every later step can trust it."""
    country = raw.get("country")
    plan = raw.get("plan") if isinstance(raw.get("plan"), dict) else {}
    notes = raw.get("domain_notes") if isinstance(raw.get("domain_notes"), dict) else {}
    threats = [t for t in map(_threat, raw.get("threats") or []) if t]
    return {
        "v": 1,
        "lang": raw.get("lang") if raw.get("lang") in LANGUAGE_CODES else "en",
        "country": country if country in reference.countries() else "",
        "activities": _slugs(raw.get("activities"), "activity"),
        "perpetrators": _slugs(raw.get("perpetrators"), "perpetrator"),
        "threats": list({t["id"]: t for t in threats}.values()),
        "vulnerabilities": _slugs(raw.get("vulnerabilities"), "domain"),
        "capacities": _slugs(raw.get("capacities"), "domain"),
        "domain_notes": {d: _text(notes.get(d)) for d in reference.slugs("domain") if notes.get(d)},
        "plan": _clean_plan(plan),
    }


def _clean_plan(plan: dict[str, Any]) -> dict[str, Any]:
    measures = plan.get("measures") if isinstance(plan.get("measures"), dict) else {}
    own = plan.get("own") if isinstance(plan.get("own"), dict) else {}
    known = {m["slug"] for m in risk.measures()}
    cleaned: dict[str, Any] = {
        "measures": {
            _text(k, 40): [m for m in v if m in known]
            for k, v in measures.items()
            if isinstance(v, list)
        },
        "own": {_text(k, 40): _text(v) for k, v in own.items()},
    }
    for key in ("inform_who", "inform_what", "contacts"):
        cleaned[key] = _text(plan.get(key))
    try:
        cleaned["reassess_on"] = datetime.date.fromisoformat(
            plan.get("reassess_on", "")
        ).isoformat()
    except (TypeError, ValueError):
        cleaned["reassess_on"] = ""
    return cleaned


def reached(state: dict[str, Any]) -> str:
    """The furthest step a state can open (a loaded file may not have every answer)."""
    if not state["country"] or not state["perpetrators"]:
        return "context"
    if not state["threats"]:
        return "threats"
    if any("probability" not in t or "impact" not in t for t in state["threats"]):
        return "rating"
    return "result"


# --- Scored risks as the pages show them ---------------------------------------------------


LEVEL_LABELS = {
    "low": _("Low"),
    "medium": _("Medium"),
    "high": _("High"),
    "very_high": _("Very high"),
}


@dataclass(frozen=True)
class ScoredRisk:
    threat_id: str
    risk: risk.Risk
    name: str
    probability_label: str
    impact_label: str

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.risk.level])

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") or attr == "risk":
            raise AttributeError(attr)
        return getattr(self.risk, attr)


def threat_name(item: dict[str, Any], language: str) -> str:
    return item.get("label") or reference.label("reprisal_type", item["threat"], language)


def scored_risks(state: dict[str, Any], language: str) -> list[ScoredRisk]:
    """The rated threats as risks: must-address first, then by score (HB §2.2.2)."""
    rated = [t for t in state["threats"] if "probability" in t and "impact" in t]
    by_key = {(t["threat"], t["label"]): t for t in rated}
    ratings = [
        risk.ThreatRating(t["threat"], t["probability"], t["impact"], t["label"]) for t in rated
    ]
    risks = risk.assess(ratings, state["vulnerabilities"], state["capacities"])
    scored = []
    for r in risks:
        item = by_key[(r.threat, r.label)]
        scored.append(
            ScoredRisk(
                threat_id=item["id"],
                risk=r,
                name=threat_name(item, language),
                probability_label=reference.label("probability", r.probability, language),
                impact_label=reference.label("impact", r.impact, language),
            )
        )
    return sorted(scored, key=lambda s: not s.must_address)


def matrix_rows(risks: list[ScoredRisk]) -> list[dict[str, Any]]:
    """The impact x probability grid with each risk in its cell (HB §2.2.2)."""
    language = forms.lang()
    cells: dict[tuple[str, str], list[ScoredRisk]] = {}
    for item in risks:
        cells.setdefault((item.impact, item.probability), []).append(item)
    return [
        {
            "impact": impact,
            "label": reference.label("impact", impact, language),
            "cells": [
                {
                    "probability": p,
                    "risks": cells.get((impact, p), []),
                    "must_address": risk.must_address(p, impact),
                }
                for p in reference.slugs("probability")
            ],
        }
        for impact in reversed(reference.slugs("impact"))
    ]


# --- Form data in and out -------------------------------------------------------------------


def initial(step: str, state: dict[str, Any]) -> dict[str, Any]:
    """What a step's form shows when reopened."""
    if step == "context":
        return {k: state[k] for k in ("country", "activities", "perpetrators")}
    if step == "threats":
        chosen = [t["threat"] for t in state["threats"] if not t["label"]]
        customs = [t["label"] for t in state["threats"] if t["label"]]
        data: dict[str, Any] = {"threats": chosen}
        data.update({f"custom{i}": c for i, c in enumerate(customs, start=1)})
        return data
    if step == "rating":
        return {
            f"{axis}-{t['id']}": t[axis]
            for t in state["threats"]
            for axis in ("probability", "impact")
            if axis in t
        }
    if step == "domains":
        data = {f"vuln-{d}": True for d in state["vulnerabilities"]}
        data.update({f"cap-{d}": True for d in state["capacities"]})
        data.update({f"note-{d}": n for d, n in state["domain_notes"].items()})
        return data
    if step == "plan":
        return _plan_initial(state)
    return {}


def _plan_initial(state: dict[str, Any]) -> dict[str, Any]:
    plan = state["plan"]
    default_date = datetime.date.today() + datetime.timedelta(days=REASSESS_AFTER_DAYS)
    data: dict[str, Any] = {
        "inform_who": plan.get("inform_who", ""),
        "inform_what": plan.get("inform_what", ""),
        "contacts": plan.get("contacts", ""),
        "reassess_on": plan.get("reassess_on") or default_date.isoformat(),
    }
    for item in scored_risks(state, state["lang"]):
        chosen = plan.get("measures", {}).get(item.threat_id)
        data[f"measures-{item.threat_id}"] = item.measures if chosen is None else chosen
        data[f"own-{item.threat_id}"] = plan.get("own", {}).get(item.threat_id, "")
    return data


def make_form(step: str, state: dict[str, Any], data: Any = None) -> forms.StepForm | None:
    """The step's form, bound to posted data or filled from the state."""
    kwargs: dict[str, Any] = (
        {"data": data} if data is not None else {"initial": initial(step, state)}
    )
    if step == "context":
        return forms.ContextForm(**kwargs)
    if step == "threats":
        return forms.ThreatsForm(**kwargs)
    if step == "rating":
        return forms.RatingForm(threats=state["threats"], **kwargs)
    if step == "domains":
        return forms.DomainsForm(**kwargs)
    if step == "plan":
        return forms.PlanForm(risks=scored_risks(state, state["lang"]), **kwargs)
    return None


def apply(step: str, state: dict[str, Any], data: dict[str, Any]) -> None:
    """Merge a valid step's answers into the state."""
    if step == "context":
        state.update({k: data[k] for k in ("country", "activities", "perpetrators")})
    elif step == "threats":
        _apply_threats(state, data)
    elif step == "rating":
        for t in state["threats"]:
            t["probability"] = data[f"probability-{t['id']}"]
            t["impact"] = data[f"impact-{t['id']}"]
    elif step == "domains":
        domains = reference.slugs("domain")
        state["vulnerabilities"] = [d for d in domains if data.get(f"vuln-{d}")]
        state["capacities"] = [d for d in domains if data.get(f"cap-{d}")]
        state["domain_notes"] = {d: data[f"note-{d}"] for d in domains if data.get(f"note-{d}")}
    elif step == "plan":
        _apply_plan(state, data)


def _apply_threats(state: dict[str, Any], data: dict[str, Any]) -> None:
    previous = {t["id"]: t for t in state["threats"]}
    by_label = {t["label"]: t for t in state["threats"] if t["label"]}
    threats = [
        previous.get(slug, {"id": slug, "threat": slug, "label": ""}) for slug in data["threats"]
    ]
    used = {t["id"] for t in threats}
    for label in dict.fromkeys(data["customs"]):
        item = by_label.get(label)
        if item is None:
            n = 1
            while f"custom{n}" in used or f"custom{n}" in previous:
                n += 1
            item = {"id": f"custom{n}", "threat": risk.CUSTOM_THREAT, "label": label}
        used.add(item["id"])
        threats.append(item)
    state["threats"] = threats


def _apply_plan(state: dict[str, Any], data: dict[str, Any]) -> None:
    ids = [t["id"] for t in state["threats"]]
    state["plan"] = {
        "measures": {i: data.get(f"measures-{i}", []) for i in ids if f"measures-{i}" in data},
        "own": {i: data[f"own-{i}"] for i in ids if data.get(f"own-{i}")},
        "inform_who": data["inform_who"],
        "inform_what": data["inform_what"],
        "contacts": data["contacts"],
        "reassess_on": data["reassess_on"].isoformat(),
    }


# --- What each page shows beyond its form ---------------------------------------------------


def page_context(step: str, state: dict[str, Any], record: dict[str, Any] | None) -> dict[str, Any]:
    """Template context for a step (record: the country's public record, for the threats step)."""
    language = state["lang"]
    context: dict[str, Any] = {}
    if step == "context":
        context["questions"] = question_groups(["state", "non_state", "unknown"], language)
    if step == "threats":
        context["suggested"] = risk.suggested_threats(state["perpetrators"])
        context["questions"] = question_groups(risk.groups_of(state["perpetrators"]), language)
        context["record"] = record
        context["record_types"] = [
            (reference.label("reprisal_type", slug, language), n)
            for slug, n in (record or {}).get("reprisal_type_counts", [])
        ]
        context["country_name"] = country_name(state["country"], language)
    if step == "rating":
        context["definitions"] = definitions(language)
    if step in ("result", "plan", "done"):
        risks = scored_risks(state, language)
        context["risks"] = risks
        context["matrix"] = matrix_rows(risks)
        context["probabilities"] = [
            reference.label("probability", p, language) for p in reference.slugs("probability")
        ]
    if step in ("plan", "done"):
        context["emergency"] = emergency_support(language)
    if step == "done":
        context["plan_items"] = plan_items(state, context["risks"], language)
        context["country_name"] = country_name(state["country"], language)
    return context


def threat_choices(form: Any, suggested: list[str]) -> dict[str, Any]:
    """The threat checkboxes split into the handbook's suggestions (in its order) and the rest."""
    by_value = {choice.data["value"]: choice for choice in form["threats"]}
    return {
        "suggested_choices": [by_value[s] for s in suggested if s in by_value],
        "other_choices": [c for v, c in by_value.items() if v not in suggested],
    }


def question_groups(groups: list[str], language: str) -> list[dict[str, Any]]:
    names = {
        "state": _("State and State-affiliated actors"),
        "non_state": _("Non-State actors (media, business, armed or criminal groups, community)"),
        "unknown": _("Actors you cannot identify"),
    }
    questions = risk.perpetrator_questions()
    return [
        {"name": names[g], "questions": [risk.text(q["text"], language) for q in questions[g]]}
        for g in groups
    ]


def definitions(language: str) -> list[dict[str, Any]]:
    vocab = reference.vocabularies()
    return [
        {
            "axis": vocab[axis]["label"].get(language) or vocab[axis]["label"]["en"],
            "terms": [
                (
                    t["label"].get(language) or t["label"]["en"],
                    risk.text(t["description"], language),
                )
                for t in vocab[axis]["terms"]
            ],
        }
        for axis in ("probability", "impact")
    ]


def emergency_support(language: str) -> dict[str, Any]:
    """The emergency-support avenue (HB ch.6) with its organisations."""
    avenue = next(a for a in reference.avenues() if a["slug"] == "emergency_support")
    return {
        "summary": risk.text(avenue["summary"], language),
        "include": [risk.text(i["text"], language) for i in avenue["include"]],
        "publicity_note": risk.text(avenue["publicity_note"], language),
        "organisations": avenue["organisations"],
        "last_verified": avenue["last_verified"],
        "hb": avenue["hb"],
    }


def plan_items(
    state: dict[str, Any], risks: list[ScoredRisk], language: str
) -> list[dict[str, Any]]:
    """Each risk with the measures the user kept (all suggested ones until they choose)."""
    plan = state["plan"]
    items = []
    for item in risks:
        slugs = plan.get("measures", {}).get(item.threat_id, item.measures)
        chosen = [risk.measure(m) for m in slugs]
        items.append(
            {
                "risk": item,
                "measures": bool(chosen),
                "prevention": [
                    risk.text(m["text"], language) for m in chosen if m["kind"] == "prevention"
                ],
                "protection": [
                    risk.text(m["text"], language) for m in chosen if m["kind"] == "protection"
                ],
                "own": plan.get("own", {}).get(item.threat_id, ""),
            }
        )
    return items


def country_name(code: str, language: str) -> str:
    country = reference.countries().get(code)
    return (country.name.get(language) or country.un_short_name) if country else ""
