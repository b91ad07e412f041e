"""Writes the synthetic labelled Reprisals Reports used by benchmarks/sgreport_accuracy.py.

Every name is invented. Each case is written once as structured data; the report text and the
label file are both produced from it, in the two real layouts: cases in the body under country
headings (until 2016) and annex I / annex II (from 2017). Run: python make_corpus.py
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (country heading, iso, kind, names, text, reprisal types, bodies, earlier citations)
CASES = [
    (
        "Viet Nam",
        "VNM",
        "named",
        ["Tran Minh Khoa"],
        "Mr. Tran Minh Khoa, a land rights defender who travelled to Geneva to attend the session of the Human Rights Council, was arrested on his return and charged with abusing democratic freedoms.",
        ["detention", "criminal_proceedings"],
        ["hrc"],
        ["VNM-1"],
    ),
    (
        "Venezuela (Bolivarian Republic of)",
        "VEN",
        "named",
        ["Carolina Ibarra Suárez"],
        "Ms. Carolina Ibarra Suárez, a lawyer who submitted information to the Committee against Torture, was labelled a traitor on state television and received threats by telephone.",
        ["defamation", "threats_intimidation"],
        ["tb_cat"],
        ["VEN-1"],
    ),
    (
        "Bahrain",
        "BHR",
        "named",
        ["Hussain Al-Mahroos"],
        "Mr. Hussain Al-Mahroos was prevented from boarding a flight to Geneva where he intended to participate in the universal periodic review of Bahrain. His passport was confiscated.",
        ["travel_restriction"],
        ["upr"],
        ["BHR-1"],
    ),
    (
        "Egypt",
        "EGY",
        "named",
        ["Observatory for Justice and Memory"],
        "The Observatory for Justice and Memory, which provided information to the Working Group on Arbitrary Detention, had its office raided and its accounts frozen.",
        ["property_raid", "administrative_reprisal"],
        ["special_procedures"],
        ["EGY-1"],
    ),
    (
        "China",
        "CHN",
        "unnamed",
        [],
        "A woman human rights defender who met with the delegation during the visit of the Special Rapporteur was followed by plain-clothes officers and her family members were questioned.",
        ["surveillance", "family_targeted"],
        ["special_procedures"],
        [],
    ),
    (
        "Myanmar",
        "MMR",
        "general_situation",
        [],
        "The new law on the registration of associations requires prior approval for any contact with the United Nations and has created a climate of fear among civil society.",
        [],
        [],
        [],
    ),
    (
        "Burundi",
        "BDI",
        "preemptive_statement",
        [],
        "Ahead of the visit of the commission of inquiry, the High Commissioner called on the authorities to refrain from any act of intimidation against those who cooperate.",
        [],
        ["investigation"],
        [],
    ),
    (
        "Guatemala",
        "GTM",
        "named",
        ["Rosalía Tzul Cac"],
        "Ms. Rosalía Tzul Cac, an indigenous leader who spoke at the Permanent Forum side event in New York, was physically attacked near her home and later subjected to an online smear campaign.",
        ["physical_attack", "online_harassment", "defamation"],
        [],
        [],
    ),
    (
        "Iran (Islamic Republic of)",
        "IRN",
        "named",
        ["Farhad Rostami"],
        "Mr. Farhad Rostami, whose case was raised in an urgent appeal by special procedures, was sentenced to six years in prison and placed in solitary confinement.",
        ["criminal_proceedings", "detention", "detention_conditions"],
        ["special_procedures"],
        [],
    ),
    (
        "Democratic Republic of the Congo",
        "COD",
        "named",
        ["Jean-Baptiste Mukendi"],
        "Mr. Jean-Baptiste Mukendi, who shared information with the United Nations Organization Stabilization Mission in the Democratic Republic of the Congo (MONUSCO), was abducted by armed men and his whereabouts remain unknown.",
        ["disappearance_kidnapping"],
        ["peace_operation"],
        [],
    ),
    (
        "Nicaragua",
        "NIC",
        "named",
        ["Colectivo Memoria Viva"],
        "El Colectivo Memoria Viva, que presentó información al Consejo de Derechos Humanos, fue disuelto por decreto y sus integrantes fueron hostigados.",
        ["administrative_reprisal", "threats_intimidation"],
        ["hrc"],
        [],
    ),
    (
        "Cameroun",
        "CMR",
        "named",
        ["Awa Nkemdirim"],
        "Mme Awa Nkemdirim, qui a transmis des informations au Comité pour l'élimination de la discrimination à l'égard des femmes, a été arrêtée et inculpée de terrorisme.",
        ["detention", "criminal_proceedings"],
        ["tb_cedaw"],
        [],
    ),
]
FOLLOW_UPS = [
    (
        "Bahrain",
        "BHR",
        "named",
        ["Hussain Almahroos"],
        "The Secretary-General previously reported on the case of Mr. Hussain Almahroos ({cite}). He remains subject to a travel ban.",
        ["travel_restriction"],
        [],
        ["BHR-1"],
    ),
    (
        "Viet Nam",
        "VNM",
        "named",
        ["Tran Minh Khoa"],
        "The Secretary-General previously reported on Mr. Tran Minh Khoa ({cite}). In 2023 he was sentenced to five years and remains in detention.",
        ["criminal_proceedings", "detention"],
        [],
        ["VNM-1"],
    ),
    (
        "Egypt",
        "EGY",
        "named",
        ["Observatory for Justice and Memory"],
        "Further to the information on the Observatory for Justice and Memory ({cite}), its director was summoned for questioning.",
        ["criminal_proceedings"],
        [],
        ["EGY-1"],
    ),
    (
        "Venezuela (Bolivarian Republic of)",
        "VEN",
        "named",
        ["Carolina Ibarra-Suarez"],
        "Ms. Carolina Ibarra-Suarez ({cite}) reported that she continued to receive threats after her submission.",
        ["threats_intimidation"],
        [],
        ["VEN-1"],
    ),
]
# Entries already in Amparo (invented): ref key -> (country, stored name, earlier citation or None).
EXISTING = {
    "BHR-1": ("BHR", "Hussain al Mahroos", "A/HRC/90/10 annex I para 4"),
    "VNM-1": ("VNM", "Tran Minh Khoa", "A/HRC/90/10 annex I para 2"),
    "EGY-1": ("EGY", "Observatory for Justice & Memory", None),
    "VEN-1": ("VEN", "Carolina Ibarra Suárez", None),
    "IRN-9": ("IRN", "Farzad Rostampour", None),
}
INTRO = [
    "The present report is submitted pursuant to Human Rights Council resolution 12/2.",
    "It covers information received during the period under review.",
]
CLOSING = ["The Secretary-General calls on all States to prevent and address reprisals."]


def _cite(key: str) -> str:
    country, _name, citation = EXISTING[key]
    return citation.replace(" annex I para ", ", annex I, para. ") if citation else "A/HRC/90/10"


def _wrap(number: int, text: str) -> list[str]:
    words, lines, line = text.split(), [], f"{number}."
    for word in words:
        if len(line) + len(word) > 92:
            lines.append(line)
            line = word
        else:
            line += " " + word
    return [*lines, line]


def _write(name: str, symbol: str, era: str, cases: list, follow: list) -> None:
    lines = [symbol, "", "I. Introduction"]
    labels = []
    number = 0
    for text in INTRO:
        number += 1
        lines += _wrap(number, text)
        labels.append({"annex": None, "paragraph": number, "country": None})

    def section(annex: str | None, items: list) -> None:
        nonlocal number
        heading = None
        for country, iso, kind, names, text, types, bodies, links in items:
            if country != heading:
                lines.append(country)
                heading = country
            number += 1
            cites = [_cite(k) for k in links if EXISTING[k][2]] if "{cite}" in text else []
            body = text.replace("{cite}", "; ".join(cites) if cites else "see the previous report")
            lines.extend(_wrap(number, body))
            lines.append(f"GE.24-{10000 + number}")
            earlier = [EXISTING[k][2] for k in links if EXISTING[k][2]] if cites else []
            labels.append(
                {
                    "annex": annex,
                    "paragraph": number,
                    "country": iso,
                    "kind": kind,
                    "names": names,
                    "reprisal_types": types,
                    "bodies": bodies,
                    "citations": earlier,
                    "match": links[0] if links else None,
                }
            )

    if era == "body":
        lines.append("II. Information received")
        section(None, cases)
        lines.append("III. Follow-up to cases included in previous reports")
        section(None, follow)
        lines.append("IV. Conclusions and recommendations")
        for text in CLOSING:
            number += 1
            lines += _wrap(number, text)
            labels.append({"annex": None, "paragraph": number, "country": None})
    else:
        lines.append("II. Conclusions and recommendations")
        for text in CLOSING:
            number += 1
            lines += _wrap(number, text)
            labels.append({"annex": None, "paragraph": number, "country": None})
        for annex, items in (("I", cases), ("II", follow)):
            lines += [
                "",
                f"Annex {annex}",
                "Information on cases" if annex == "I" else "Follow-up information",
            ]
            number = 0
            section(annex, items)
    (HERE / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (HERE / f"{name}.labels.json").write_text(
        json.dumps(
            {"symbol": symbol, "era": era, "paragraphs": labels}, ensure_ascii=False, indent=1
        )
        + "\n",
        encoding="utf-8",
    )


def main() -> None:
    _write("report_2015_body", "A/HRC/91/20", "body", CASES[:6], FOLLOW_UPS[:2])
    _write("report_2016_body", "A/HRC/92/30", "body", CASES[6:], FOLLOW_UPS[2:])
    _write("report_2023_annexes", "A/HRC/93/40", "annexes", CASES[::2], FOLLOW_UPS[::2])
    _write("report_2024_annexes", "A/HRC/94/50", "annexes", CASES[1::2], FOLLOW_UPS[1::2])
    (HERE / "existing_entries.json").write_text(
        json.dumps(
            {k: {"country": c, "name": n, "citation": cit} for k, (c, n, cit) in EXISTING.items()},
            ensure_ascii=False,
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
