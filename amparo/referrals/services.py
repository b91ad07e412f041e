"""Submission drafts (issue 5 §3) and recording a sent submission as an action (§4).

Consent gates (REFERENCE §5). A draft carries a subject's name or confidential details only when
active (not withdrawn) consent is recorded for the purpose that sending it serves:

- ``share_within_un``: the UN avenues whose office receives the case (senior official, Special
  Rapporteur on defenders, treaty bodies, CERD, the HRC President, Special Procedures);
- ``include_in_sg_report``: the Reprisals Report and its follow-up (HB §3.5.1: consent to an
  earlier step never counts);
- ``raise_with_state``: the regional commissions (the State learns the identity, HB §4.1.2),
  embassies, other States' advocacy and national steps, which all take the case to a State;
- ``share_with_partner_ngo``: emergency support from NGOs (HB ch.6).

Otherwise the draft says "[name withheld: no consent recorded for <purpose>]". A Reprisals
Report draft cannot be marked ready, nor recorded as sent, without consent to inclusion.
Amparo never sends mail: the .eml file opens in the user's own mail client.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from amparo.accounts.audit import record_event
from amparo.cases import services as case_services
from amparo.cases.access import can_see_confidential
from amparo.cases.models import Action, Entry
from amparo.core import reference
from amparo.core.citations import Citation, CitationError, format_citation, parse_citation
from amparo.core.referral import Answers, Recommendation, recommend
from amparo.referrals.queries import avenue_data, treaty_acceptances

PDF_STYLE = Path(__file__).resolve().parent / "static" / "referrals" / "draft-pdf.css"
UN_AVENUES = (
    "senior_official",
    "sr_defenders",
    "tb_focal_point",
    "tb_individual_communication",
    "cerd_urgent_action",
    "hrc_president",
    "sp_mandate_holder",
)
REPORT_AVENUES = ("sg_report", "sg_report_follow_up")


def consent_purpose(avenue: str) -> str:
    """The consent purpose (REFERENCE §5) that sending to this avenue serves (see module doc)."""
    if avenue in REPORT_AVENUES:
        return "include_in_sg_report"
    if avenue in UN_AVENUES:
        return "share_within_un"
    if avenue == "emergency_support":
        return "share_with_partner_ngo"
    return "raise_with_state"


# Days until a follow-up reminder: the State's 15 days to answer (HB §4.1.1, §4.2.2) plus a
# week; otherwise a month.
REMINDER_DAYS = {"iachr_request_information": 22, "achpr_communication": 22}
DEFAULT_REMINDER_DAYS = 30


class SubmissionNotReady(ValidationError):
    """A draft that may not be marked ready or recorded as sent; the message says why."""


@dataclass
class Section:
    slug: str
    prompt: str
    text: str

    @property
    def missing(self) -> bool:
        return not self.text.strip()


@dataclass
class Draft:
    """Everything a submission to one avenue needs, and what is still missing."""

    avenue: str
    avenue_name: str
    body: str | None
    language: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    opening: str
    sections: list[Section]
    closing: str
    hb: str
    purpose: str
    blockers: list[str] = field(default_factory=list)
    cautions: list[str] = field(default_factory=list)
    ready: bool = False
    # The avenue's conditions as routed (met, not met, to check), shown with the checklist.
    conditions: tuple[Any, ...] = ()

    @property
    def missing(self) -> list[Section]:
        return [s for s in self.sections if s.missing]

    def as_text(self) -> str:
        """The draft as plain text, headed by its addresses."""
        with translation.override(self.language):
            # Outside the f-strings: xgettext does not read calls inside them.
            to, cc, subject = _("To"), _("Cc"), _("Subject")
            no_address = _("(see the address note)")
            lines = [f"{to}: {', '.join(self.to) or no_address}"]
            if self.cc:
                lines.append(f"{cc}: {', '.join(self.cc)}")
            lines += [f"{subject}: {self.subject}", "", self.message_body()]
        return "\n".join(lines)

    def message_body(self) -> str:
        with translation.override(self.language):
            parts = []
            if not self.ready:
                parts.append(_("[DRAFT: not marked ready to send]"))
            parts.append(self.opening)
            for number, section in enumerate(self.sections, start=1):
                text = section.text or _("[missing: to be completed]")
                parts.append(f"{number}. {section.prompt}\n{text}")
            parts.append(self.closing)
        return "\n\n".join(parts) + "\n"

    def as_eml(self) -> bytes:
        """An RFC 5322 message for the user's own mail client; Amparo never sends it."""
        message = EmailMessage(policy=SMTP)
        if self.to:
            message["To"] = ", ".join(self.to)
        if self.cc:
            message["Cc"] = ", ".join(self.cc)
        message["Subject"] = self.subject
        message["X-Unsent"] = "1"  # mail clients open it as a draft to edit and send
        message["Content-Language"] = self.language
        message.set_content(self.message_body())
        return message.as_bytes()

    def as_pdf(self) -> bytes:
        """The draft as a PDF (WeasyPrint), fetching nothing from any network."""
        from weasyprint import CSS, HTML

        with translation.override(self.language):
            html = render_to_string("referrals/draft_pdf.html", {"draft": self})
        style = CSS(filename=str(PDF_STYLE), url_fetcher=_refuse_fetch)
        return HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(stylesheets=[style])


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the draft PDF loads no external resource ({url.split(':')[0]})")


def _recommendation(
    answers: Answers, avenue: str, body: str | None, language: str
) -> Recommendation:
    """The avenue as routed for these answers, even where the rules would not list it."""
    data = avenue_data()
    try:
        return recommend(
            answers,
            avenue,
            data,
            body=body,
            language=language,
            acceptances=treaty_acceptances(answers.country),
        )
    except KeyError:
        slugs = ", ".join(a["slug"] for a in data)
        raise ValidationError({"avenue": f"{avenue!r} is not one of: {slugs}"}) from None


def build_submission(
    avenue: str,
    *,
    language: str,
    answers: Answers,
    parts: dict[str, str] | None = None,
    body: str | None = None,
    entry: Entry | None = None,
    user: Any = None,
    declared_consents: frozenset[str] = frozenset(),
    mark_ready: bool = False,
    citation: Citation | str | None = None,
) -> Draft:
    """A draft for one avenue from the navigator's answers, or from a case entry (staff).

    Anonymous callers pass the answers and the text typed per element (`parts`) and may declare
    consent to the report. Staff pass `entry` and `user` (the entry already fetched through
    cases.access): facts come from the register, names and details only under recorded consent,
    and building records an audit event naming the confidential fields used. Raises
    SubmissionNotReady if `mark_ready` is asked while a consent gate is closed.

    `citation` is the earlier report paragraph a follow-up cites (HB §3.5.3); by default the
    entry's citation in the latest registered Reprisals Report, else `answers.previous_citation`.
    """
    language = language if language in ("en", "fr", "es") else "en"
    parts = dict(parts or {})
    cited = _previous_citation(answers, entry, citation)
    answers = dataclasses.replace(answers, previous_citation=cited)
    purpose = consent_purpose(avenue)
    consents = active_consents(entry) if entry is not None else declared_consents
    with translation.override(language):
        rec = _recommendation(answers, avenue, body, language)
        facts, used = (
            _entry_facts(entry, user, purpose, consents)
            if entry is not None
            else _answer_facts(answers)
        )
        if entry is not None and cited is not None:
            facts["citation"] = str(cited)
        sections = [
            Section(item.slug, item.text, _join(facts.get(item.slug, ""), parts.get(item.slug, "")))
            for item in rec.include
        ]
        draft = Draft(
            avenue=avenue,
            avenue_name=rec.name,
            body=rec.body,
            language=language,
            to=rec.to,
            cc=rec.cc,
            subject=_subject(rec, answers, entry),
            opening=_opening(rec),
            sections=sections,
            closing=_("Thank you for your attention. Please confirm receipt of this message."),
            hb=rec.hb,
            purpose=purpose,
        )
        draft.blockers = _blockers(draft, consents, answers, entry)
        draft.cautions = _cautions(draft, rec, entry, purpose)
        draft.conditions = rec.conditions
    if mark_ready:
        if draft.blockers:
            raise SubmissionNotReady(" ".join(draft.blockers))
        draft.ready = True
    if entry is not None:
        record_event(
            "submission.draft",
            actor=user,
            obj=entry,
            fields=sorted(used),
            detail={"avenue": avenue, "language": language},
        )
    return draft


def _join(*texts: str) -> str:
    return "\n".join(t for t in texts if t and t.strip())


def active_consents(entry: Entry) -> frozenset[str]:
    """Purposes with active consent on the entry (withdrawn consent never counts)."""
    return frozenset(case_services.active_consent_purposes(entry))


def _subject(rec: Recommendation, answers: Answers, entry: Entry | None) -> str:
    country = reference.countries().get(answers.country or "")
    where = (
        country.name.get(translation.get_language() or "en", country.name["en"]) if country else ""
    )
    if rec.avenue == "sg_report_follow_up":
        citation = _citation_of(answers, entry)
        cited = str(citation) if citation else _("[report symbol and paragraph]")
        return _("Follow-up on a case in %(citation)s") % {"citation": cited} + (
            f" ({where})" if where else ""
        )
    subject = _("Allegation of intimidation or reprisal")
    return f"{subject}: {where}" if where else subject


def _opening(rec: Recommendation) -> str:
    return _(
        "I am writing to bring to your attention a case of intimidation or reprisal, for the "
        "attention of: %(name)s. The elements you ask for follow."
    ) % {"name": rec.name}


def _previous_citation(
    answers: Answers, entry: Entry | None, citation: Citation | str | None
) -> Citation | None:
    """The earlier report paragraph a draft cites: the one given, else the entry's latest
    Reprisals Report citation, else the navigator's answer."""
    if isinstance(citation, str):
        try:
            return parse_citation(citation)
        except CitationError as exc:
            raise ValidationError({"citation": str(exc)}) from None
    if citation is not None:
        return citation
    if entry is not None:
        from amparo.sgreports.queries import last_report_citation

        last = last_report_citation(entry)
        if last is not None:
            return last
    return answers.previous_citation


def _citation_of(answers: Answers, entry: Entry | None) -> Citation | None:
    if answers.previous_citation:
        return answers.previous_citation
    if entry is not None:
        last = entry.citations.order_by("-symbol", "-paragraph").first()
        if last is not None:
            return Citation(last.symbol, last.annex, last.paragraph)
    return None


def _labels(vocabulary: str, slugs: Any) -> str:
    language = translation.get_language() or "en"
    return ", ".join(reference.label(vocabulary, s, language[:2]) for s in slugs)


def _answer_facts(answers: Answers) -> tuple[dict[str, str], set[str]]:
    """Elements the navigator's answers already give (public coding only)."""
    facts: dict[str, str] = {}
    if answers.reprisal_types:
        facts["facts"] = _("What happened: %(types)s.") % {
            "types": _labels("reprisal_type", answers.reprisal_types)
        }
    if answers.perpetrators:
        facts["perpetrators"] = _labels("perpetrator", answers.perpetrators)
    if answers.bodies:
        link = _("Bodies the person engaged with: %(bodies)s.") % {
            "bodies": _labels("body", answers.bodies)
        }
        for slug in ("un_link", "tb_link", "hrc_link", "sp_link", "ia_link", "af_link"):
            facts[slug] = link
    if answers.previous_citation:
        facts["citation"] = str(answers.previous_citation)
        facts["un_documents"] = str(answers.previous_citation)
    if answers.urgent:
        facts["risk_urgency"] = _(
            "The situation is serious and urgent, with a risk of irreparable harm."
        )
    return facts, set()


def _withheld(kind: str, purpose: str) -> str:
    label = reference.label("consent_purpose", purpose, (translation.get_language() or "en")[:2])
    if kind == "name":
        return _("[name withheld: no consent recorded for %(purpose)s]") % {"purpose": label}
    return _("[details withheld: no consent recorded for %(purpose)s]") % {"purpose": label}


def _entry_facts(
    entry: Entry, user: Any, purpose: str, consents: frozenset[str]
) -> tuple[dict[str, str], set[str]]:
    """Elements drawn from the register; names and details only under consent for `purpose`."""
    allowed = purpose in consents and can_see_confidential(user, entry)
    used: set[str] = set()
    names = []
    for subject in entry.subjects.all():
        if allowed and subject.name:
            names.append(subject.name)
            used.add("subject.name")
        else:
            names.append(_withheld("name", purpose))
    incidents = []
    for incident in entry.incidents.all():
        line = [str(incident.date or _("date unknown"))]
        if incident.reprisal_types:
            line.append(_labels("reprisal_type", incident.reprisal_types))
        if allowed:
            line += [t for t in (incident.place, incident.description) if t]
            used |= (
                {"incident.place", "incident.description"}
                if (incident.place or incident.description)
                else set()
            )
        elif incident.place or incident.description:
            line.append(_withheld("details", purpose))
        incidents.append(" - ".join(line))
    engagements = []
    for engagement in entry.engagements.all():
        line = [_labels("body", [engagement.body]), str(engagement.date or "")]
        if allowed and engagement.description:
            line.append(engagement.description)
            used.add("engagement.description")
        elif engagement.description:
            line.append(_withheld("details", purpose))
        engagements.append(" - ".join(p for p in line if p))
    perpetrators = {p for i in entry.incidents.all() for p in i.perpetrators}
    citations = [format_citation(c.symbol, c.annex, c.paragraph) for c in entry.citations.all()]
    facts = {
        "facts": _join(
            _("Concerned: %(names)s") % {"names": "; ".join(names)} if names else "", *incidents
        ),
        "perpetrators": _labels("perpetrator", sorted(perpetrators)),
        "evidence": (
            _("%(count)s documents are kept on file and can be shared on request.")
            % {"count": entry.evidence.count()}
            if entry.evidence.exists()
            else ""
        ),
        "un_documents": "; ".join(citations),
        "citation": citations[-1] if citations else "",
        "other_bodies": "; ".join(f"{a.avenue} ({a.taken_on})" for a in entry.actions.all()),
    }
    for slug in ("un_link", "tb_link", "hrc_link", "sp_link", "ia_link", "af_link"):
        facts[slug] = "\n".join(engagements)
    consent_lines = [
        _("Consent recorded for: %(purpose)s.")
        % {
            "purpose": reference.label(
                "consent_purpose", p, (translation.get_language() or "en")[:2]
            )
        }
        for p in sorted(consents)
    ]
    for slug in ("consent_state_un", "consent_report", "consent_publicity"):
        facts[slug] = "\n".join(consent_lines)
    if "include_in_sg_report" not in consents:
        facts["consent_report"] = ""
    return facts, used


def _blockers(
    draft: Draft, consents: frozenset[str], answers: Answers, entry: Entry | None
) -> list[str]:
    blockers = []
    if draft.avenue in REPORT_AVENUES and "include_in_sg_report" not in consents:
        blockers.append(
            _(
                "No active consent to inclusion in the Reprisals Report is recorded; it is needed "
                "even if consent was given for an earlier step (HB §3.5.1)."
            )
        )
    if draft.avenue == "sg_report_follow_up":
        citation = _citation_of(answers, entry)
        if citation is None or citation.paragraph is None:
            blockers.append(
                _("A follow-up must cite the earlier report's symbol and paragraph (HB §3.5.3).")
            )
    return blockers


def _cautions(draft: Draft, rec: Recommendation, entry: Entry | None, purpose: str) -> list[str]:
    cautions = []
    if rec.languages and draft.language not in rec.languages:
        cautions.append(
            _("This office works in %(languages)s: send the draft in one of them if you can.")
            % {"languages": ", ".join(rec.languages)}
        )
    if not draft.to:
        cautions.append(rec.address_note or _("This avenue has no single e-mail address."))
    if (
        entry is not None
        and entry.consents.filter(purpose=purpose, withdrawn_on__isnull=True)
        .exclude(limits="")
        .exists()
    ):
        cautions.append(
            _(
                "The consent recorded for this purpose has limits: read them on the entry and edit the draft to respect them."
            )
        )
    return cautions


@transaction.atomic
def record_submission_as_action(
    actor: Any,
    entry: Entry,
    avenue: str,
    *,
    taken_on: datetime.date,
    reference_number: str = "",
    reminder_on: datetime.date | None = None,
) -> Action:
    """Record a submission the user sent as an action on the entry, with a follow-up date.

    Staff who may change the entry only (the caller fetched it with change=True). A Reprisals
    Report submission needs active consent to inclusion (HB §3.5.1).
    """
    if avenue in REPORT_AVENUES and "include_in_sg_report" not in active_consents(entry):
        raise SubmissionNotReady(
            {"avenue": _("No active consent to inclusion in the Reprisals Report is recorded.")}
        )
    days = REMINDER_DAYS.get(avenue, DEFAULT_REMINDER_DAYS)
    return case_services.add_action(
        actor,
        entry,
        {
            "avenue": avenue,
            "taken_on": taken_on,
            "reference": reference_number,
            "status": "sent",
            "reminder_on": reminder_on or taken_on + datetime.timedelta(days=days),
        },
    )
