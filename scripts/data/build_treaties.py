"""Build amparo/data/treaties.json from a transcription of the world-politics-datalab CSVs.

Each CSV row was classified: P = state party flag 1 and status "state party"; N = flag 0 and
status "no action" / "signatory"; X = the row contradicts itself (flag vs status) or is
missing; D = party flag 1 but the note records a denunciation.
"""
import json, sys
from pathlib import Path

TODAY = "2026-11-30"
REPO = "world-politics-datalab/humanrights-treaties-ratification-status"
MEMBERS = """AF AL DZ AD AO AG AR AM AU AT AZ BS BH BD BB BY BE BZ BJ BT BO BA BW BR BN BG BF BI KH CM CA CV CF TD CL CN CO KM CG CR HR CU CY CZ CD DK DJ DM DO TP EC EG SV GQ ER EE ET FJ FI FR GA GM GE DE GH GR GD GT GN GW GY HT HN HU IS IN ID IR IQ IE IL IT CI JM JP JO KZ KE KI KW KG LA LV LB LS LR LY LI LT LU MG MW MY MV ML MT MH MR MU MX FM MD MC MN ME MA MZ MM NA NR NP NL NZ NI NE NG KP MK NO OM PK PW PA PG PY PE PH PL PT QA RO RU RW WS SM ST SA SN RS SC SL SG SK SI SB SO ZA KR SS ES LK KN LC VC SD SR SZ SE CH SY TJ TZ TH TG TO TT TN TR TM TV UG UA AE GB US UY UZ VU VE VN YE ZM ZW""".split()

# file -> (default for rows not listed, {code: class}), commit
FILES = {
    "iccpr": ("a183f270e05f35af5c78641e6b1dc8cca688ff5c", "P", {"N": "BT BN CN KM CU KI MY FM MM NR OM PW SA SG SS KN LC TO AE"}),
    "iccpr_op1": ("a183f270e05f35af5c78641e6b1dc8cca688ff5c", "P", {
        "N": "AF AG BS BH BD BZ BT BW BN BI KH CN KM CU DM TP EG ER ET FJ GA GD HT IN ID IR IQ IL JP JO KE KI KW LA LB LR MY MH MR FM MC MN MZ MM NR NE NG KP OM PK PW PG QA RW WS SA SG SB SS KN LC SD SZ CH SY TZ TH TO TV AE GB US VU VN YE ZW",
        "X": "KZ RS", "D": "JM TT"}),
    "icescr_op": ("a183f270e05f35af5c78641e6b1dc8cca688ff5c", "N", {"P": "AR AM BE BO BA CV CF CR EC SV FI FR GA HN IT LU MV MN ME NE PT SM SK ES UY VE"}),
    "icerd": ("a183f270e05f35af5c78641e6b1dc8cca688ff5c", "P", {"N": "BT KI MY FM MM NR KP PW WS SS TV VU", "X": "BN"}),
    "op_cedaw": ("79a507a78b4fbad58c1108f245ebe2cc53000bdc", "P", {
        "N": "AF DZ BS BH BB BT BN BI TD CN KM CG CU CD DJ DM EG SV ER EE ET FJ GM GD GN GY HT HN IN ID IR IQ IL JM JP JO KE KI KW LA LV LB LR MG MW MY MR FM MD MM NR NI KP OM PK PW PG QA WS SA SL SG SO LC VC SD SR SZ SY TZ TG TO TT TV UG AE US UZ VN YE",
        "X": "ZW"}),
    "cat": ("a183f270e05f35af5c78641e6b1dc8cca688ff5c", "P", {"N": "BB BT BN DM HT IN IR JM MY FM MM KP PW PG SG SB LC TO TT TV ZW", "X": "TZ"}),
    "op_crc_ic": ("a5cb5f071db21b9a50365126894c560c1cf43ff2", "N", {
        "P": "AL AD AR AM BJ BO BA CL CR HR CY CZ DK SV FI FR GE DE IE IT LI LU MV MH MC MN ME PA PY PE PT WS SM SC SK SI ES CH TH TN TR UA UY",
        "X": "BE BR EC GA"}),
    "icmw": ("a183f270e05f35af5c78641e6b1dc8cca688ff5c", "N", {"P": "AL DZ AR AZ BD BZ BJ BO BA BF CV TD CL CO CG TP EC EG SV FJ GM GH GT GN GW GY HN ID JM KG LS LY MG ML MR MX MA MZ NI NE NG PY PE PH RW ST SN SC LK VC SY TJ TG TR UG UY VE"}),
    "op_crpd": ("a183f270e05f35af5c78641e6b1dc8cca688ff5c", "N", {"P": "AF AD AO AR AU AT AZ BD BE BJ BO BA BR BF BI CA CF CL CG CR HR CY CZ CD DK DJ DM DO EC SV EE FI FR GA GM GE DE GH GR GT GN GW HT HN HU IT LV LT LU ML MT MR MX MC MN ME MA MZ NA NP NZ NI NE NG MK PW PA PY PE PT RO SM ST SA RS SK SI SB ZA ES LC VC SD SZ SE SY TH TG TN TR TM UG UA GB UY VE ZW"}),
    "cped": ("a183f270e05f35af5c78641e6b1dc8cca688ff5c", "N", {"P": "AL AR AM AT BE BZ BJ BO BA BR BF KH CF CL CO CR HR CU CZ DK DM EC FJ FR GA GM DE GR HN IQ IT JP KZ LS LT LU MW ML MT MR MX MN ME MA NL NE NG NO OM PA PY PE PT WS SN RS SC SK SI ES LK SD CH TG TN UA UY ZM"}),
    "opcat": ("a183f270e05f35af5c78641e6b1dc8cca688ff5c", "N", {"P": "AF AL AR AM AU AT AZ BZ BJ BO BA BR BG BF BI KH CV CF CL CR HR CY CZ CD DK EC EE FI FR GA GE DE GH GR GT HN HU IS IT KZ KG LV LB LR LI LT LU MG MV ML MT MR MU MX MN ME MA MZ NR NL NZ NI NE NG MK NO PA PY PE PH PL PT RO RW SN RS SI ZA SS ES LK SE CH TG TN TR UA GB UY"}),
}


def classify(name):
    commit, default, lists = FILES[name]
    table = {code: default for code in MEMBERS}
    for cls, codes in lists.items():
        for code in codes.split():
            assert code in table, (name, code)
            table[code] = cls
    return table


def L(en, fr, es):
    return {"en": en, "fr": fr, "es": es}


def source_entry(name):
    commit = FILES[name][0]
    return {
        "title": f"{REPO}, hr_status_{name}.csv (commit {commit[:7]})",
        "url": f"https://github.com/{REPO}/blob/{commit}/hr_status_{name}.csv",
        "commit": commit,
        "based_on": "United Nations Treaty Collection, chapter IV (Human Rights)",
        "read_on": TODAY,
    }


# body -> procedure -> (source file or None, derivation)
BODIES = [
    ("tb_ccpr", "ICCPR", L("International Covenant on Civil and Political Rights", "Pacte international relatif aux droits civils et politiques", "Pacto Internacional de Derechos Civiles y Políticos"),
     {"party": ("iccpr", "file"), "individual_communication": ("iccpr_op1", "file")},
     L("the first Optional Protocol to the ICCPR", "le premier Protocole facultatif se rapportant au Pacte international relatif aux droits civils et politiques", "el primer Protocolo Facultativo del Pacto Internacional de Derechos Civiles y Políticos"), "OP1-ICCPR art. 1"),
    ("tb_cescr", "ICESCR", L("International Covenant on Economic, Social and Cultural Rights", "Pacte international relatif aux droits économiques, sociaux et culturels", "Pacto Internacional de Derechos Económicos, Sociales y Culturales"),
     {"party": ("icescr_op", "from_protocol"), "individual_communication": ("icescr_op", "file")},
     L("the Optional Protocol to the ICESCR", "le Protocole facultatif se rapportant au Pacte international relatif aux droits économiques, sociaux et culturels", "el Protocolo Facultativo del Pacto Internacional de Derechos Económicos, Sociales y Culturales"), "OP-ICESCR art. 1-2"),
    ("tb_cerd", "ICERD", L("International Convention on the Elimination of All Forms of Racial Discrimination", "Convention internationale sur l'élimination de toutes les formes de discrimination raciale", "Convención Internacional sobre la Eliminación de todas las Formas de Discriminación Racial"),
     {"party": ("icerd", "file"), "individual_communication": ("icerd", "declaration")},
     L("the declaration under article 14 of ICERD", "la déclaration prévue à l'article 14 de la Convention sur l'élimination de la discrimination raciale", "la declaración prevista en el artículo 14 de la Convención sobre la Eliminación de la Discriminación Racial"), "ICERD art. 14"),
    ("tb_cedaw", "CEDAW", L("Convention on the Elimination of All Forms of Discrimination against Women", "Convention sur l'élimination de toutes les formes de discrimination à l'égard des femmes", "Convención sobre la Eliminación de Todas las Formas de Discriminación contra la Mujer"),
     {"party": ("op_cedaw", "from_protocol"), "individual_communication": ("op_cedaw", "file")},
     L("the Optional Protocol to CEDAW", "le Protocole facultatif à la Convention sur l'élimination de la discrimination à l'égard des femmes", "el Protocolo Facultativo de la Convención sobre la Eliminación de la Discriminación contra la Mujer"), "OP-CEDAW art. 1-2"),
    ("tb_cat", "CAT", L("Convention against Torture and Other Cruel, Inhuman or Degrading Treatment or Punishment", "Convention contre la torture et autres peines ou traitements cruels, inhumains ou dégradants", "Convención contra la Tortura y Otros Tratos o Penas Crueles, Inhumanos o Degradantes"),
     {"party": ("cat", "file"), "individual_communication": ("cat", "declaration")},
     L("the declaration under article 22 of the Convention against Torture", "la déclaration prévue à l'article 22 de la Convention contre la torture", "la declaración prevista en el artículo 22 de la Convención contra la Tortura"), "CAT art. 22"),
    ("tb_crc", "CRC", L("Convention on the Rights of the Child", "Convention relative aux droits de l'enfant", "Convención sobre los Derechos del Niño"),
     {"party": ("op_crc_ic", "from_protocol"), "individual_communication": ("op_crc_ic", "file")},
     L("the Optional Protocol to the CRC on a communications procedure", "le Protocole facultatif à la Convention relative aux droits de l'enfant établissant une procédure de présentation de communications", "el Protocolo Facultativo de la Convención sobre los Derechos del Niño relativo a un procedimiento de comunicaciones"), "OP3-CRC art. 5"),
    ("tb_cmw", "ICMW", L("International Convention on the Protection of the Rights of All Migrant Workers and Members of Their Families", "Convention internationale sur la protection des droits de tous les travailleurs migrants et des membres de leur famille", "Convención Internacional sobre la Protección de los Derechos de Todos los Trabajadores Migratorios y de sus Familiares"),
     {"party": ("icmw", "file"), "individual_communication": ("icmw", "declaration")},
     L("the declaration under article 77 of the Migrant Workers Convention", "la déclaration prévue à l'article 77 de la Convention sur les travailleurs migrants", "la declaración prevista en el artículo 77 de la Convención sobre los Trabajadores Migratorios"), "ICMW art. 77"),
    ("tb_crpd", "CRPD", L("Convention on the Rights of Persons with Disabilities", "Convention relative aux droits des personnes handicapées", "Convención sobre los Derechos de las Personas con Discapacidad"),
     {"party": ("op_crpd", "from_protocol"), "individual_communication": ("op_crpd", "file")},
     L("the Optional Protocol to the CRPD", "le Protocole facultatif se rapportant à la Convention relative aux droits des personnes handicapées", "el Protocolo Facultativo de la Convención sobre los Derechos de las Personas con Discapacidad"), "OP-CRPD art. 1"),
    ("tb_ced", "ICPED", L("International Convention for the Protection of All Persons from Enforced Disappearance", "Convention internationale pour la protection de toutes les personnes contre les disparitions forcées", "Convención Internacional para la Protección de Todas las Personas contra las Desapariciones Forzadas"),
     {"party": ("cped", "file"), "individual_communication": ("cped", "declaration")},
     L("the declaration under article 31 of the Convention on Enforced Disappearance", "la déclaration prévue à l'article 31 de la Convention sur les disparitions forcées", "la declaración prevista en el artículo 31 de la Convención sobre las Desapariciones Forzadas"), "ICPED art. 31"),
    ("tb_spt", "OPCAT", L("Optional Protocol to the Convention against Torture", "Protocole facultatif se rapportant à la Convention contre la torture", "Protocolo Facultativo de la Convención contra la Tortura"),
     {"party": ("opcat", "file")}, None, None),
]

NOTES = {
    "inconsistent": "The dataset row contradicts itself (party flag, year and status disagree) or is missing; left unknown.",
    "denounced": "The dataset marks the State as party but notes that it denounced the Protocol; recorded as not accepted.",
    "party_from_protocol": "Derived: a State party to the Optional Protocol must be a party to the treaty.",
    "protocol_only": "The dataset used covers the Optional Protocol only; ratification of the treaty itself is not recorded here.",
    "declaration_needs_party": "Derived: a State that is not a party to the treaty cannot have made the declaration.",
    "declaration_not_found": "No citable list of these declarations was available offline; check the UN Treaty Collection.",
    "not_member": "Not in the dataset used (it covers UN Member States only).",
    "doubted": "The dataset lists the State as a signatory only; Amparo doubts this row (see amparo/data/README.md) and leaves it unknown.",
}
DOUBTS = {("RS", "iccpr_op1"): "doubted"}


def status_for(cls):
    return {"P": "accepted", "N": "not_accepted", "D": "not_accepted"}.get(cls, "unknown")


def main(out):
    countries = json.loads(Path("amparo/data/countries.json").read_text())["countries"]
    alpha2 = {c["alpha2"]: c["code"] for c in countries}
    alpha2["TP"] = "TLS"
    missing = [m for m in MEMBERS if m not in alpha2]
    assert not missing, missing
    assert len(MEMBERS) == 193 == len(set(MEMBERS)), len(MEMBERS)
    tables = {name: classify(name) for name in FILES}
    by_code = {alpha2[m]: m for m in MEMBERS}
    records = []
    for country in sorted(c["code"] for c in countries):
        iso2 = by_code.get(country)
        for body, _abbr, _name, procedures, _inst, _basis in BODIES:
            for procedure, (name, how) in procedures.items():
                rec = {"country": country, "body": body, "procedure": procedure}
                if iso2 is None:
                    rec |= {"status": "unknown", "source": "none", "note": "not_member"}
                else:
                    cls = tables[name][iso2]
                    if how == "file":
                        status, note = status_for(cls), {"X": "inconsistent", "D": "denounced"}.get(cls, "")
                        if (iso2, name) in DOUBTS:
                            status, note = "unknown", DOUBTS[(iso2, name)]
                    elif how == "from_protocol":
                        status = "accepted" if cls == "P" else "unknown"
                        note = "party_from_protocol" if cls == "P" else "protocol_only"
                    else:  # declaration: only the treaty's own party status is known
                        if cls == "N":
                            status, note = "not_accepted", "declaration_needs_party"
                        else:
                            status, note = "unknown", "declaration_not_found" if cls == "P" else "inconsistent"
                    rec |= {"status": status, "source": f"wpdl:{name}", "note": note}
                rec["last_verified"] = TODAY
                records.append(rec)
    data = {
        "source": "Per-State records: the CSV files of the GitHub repository " + REPO + " (each file and commit named in `sources`), themselves extracted from the United Nations Treaty Collection, chapter IV. Procedures and their legal basis: the treaty texts. Handbook: ISHR Reprisals Handbook 2025 §3.1.",
        "last_verified": TODAY,
        "statuses": ["accepted", "not_accepted", "unknown"],
        "where_to_check": L(
            "the State's entry in the UN Treaty Collection (chapter IV, Human Rights) or OHCHR's status of ratification by country",
            "la fiche de l'État dans la Collection des traités des Nations Unies (chapitre IV, droits de l'homme) ou l'état des ratifications par pays publié par le HCDH",
            "la ficha del Estado en la Colección de Tratados de las Naciones Unidas (capítulo IV, derechos humanos) o el estado de ratificación por país del ACNUDH"),
        "notes": NOTES,
        "sources": {"none": {"title": "no citable source found offline", "url": "", "read_on": TODAY}}
        | {f"wpdl:{name}": source_entry(name) for name in FILES},
        "bodies": [],
        "conditions": [
            {"avenue": "tb_individual_communication", "condition": "ratified", "procedure": "party", "hb": "§3.1"},
            {"avenue": "tb_individual_communication", "condition": "competence", "procedure": "individual_communication", "hb": "§3.1"},
            {"avenue": "cerd_urgent_action", "condition": "cerd_state_party", "procedure": "early_warning", "body": "tb_cerd", "hb": "§3.1",
             "text": L("The State is a party to ICERD: the Committee's early warning and urgent action procedure concerns States parties.",
                       "L'État est partie à la Convention sur l'élimination de la discrimination raciale : la procédure d'alerte rapide et d'intervention d'urgence du Comité vise les États parties.",
                       "El Estado es parte en la Convención sobre la Eliminación de la Discriminación Racial: el procedimiento de alerta temprana y acción urgente del Comité se refiere a los Estados partes.")},
        ],
        "acceptances": records,
    }
    for body, abbr, name, procedures, instrument, basis in BODIES:
        entry = {"body": body, "treaty": abbr, "name": name, "procedures": {
            "party": {"instrument": {k: v for k, v in name.items()}, "basis": abbr, "stored": True}}}
        if instrument:
            entry["procedures"]["individual_communication"] = {"instrument": instrument, "basis": basis, "stored": True}
        data["bodies"].append(entry)
    extra = {
        "tb_cerd": {"early_warning": {"instrument": L("the CERD early warning and urgent action procedure", "la procédure d'alerte rapide et d'intervention d'urgence du CERD", "el procedimiento de alerta temprana y acción urgente del CERD"), "basis": "ICERD art. 9(1); HB §3.1", "follows": "party"}},
        "tb_ced": {"urgent_action": {"instrument": L("the CED urgent action procedure (article 30)", "la procédure d'action urgente du CED (article 30)", "el procedimiento de acción urgente del CED (artículo 30)"), "basis": "ICPED art. 30", "follows": "party"}},
        "tb_cmw": {},
    }
    for entry in data["bodies"]:
        entry["procedures"] |= extra.get(entry["body"], {})
    cmw = next(b for b in data["bodies"] if b["body"] == "tb_cmw")
    cmw["procedures"]["individual_communication"]["note"] = L(
        "Article 77 applies only once ten States parties have made the declaration (art. 77(8)).",
        "L'article 77 ne s'applique qu'une fois que dix États parties ont fait la déclaration (art. 77, par. 8).",
        "El artículo 77 solo se aplica cuando diez Estados partes han hecho la declaración (art. 77, párr. 8).")
    write(data, out)
    counts = {}
    for r in records:
        counts[(r["body"], r["procedure"], r["status"])] = counts.get((r["body"], r["procedure"], r["status"]), 0) + 1
    for k in sorted(counts):
        print(k, counts[k])


def write(data, out):
    """2-space JSON, one acceptance record per line (readable diffs)."""
    head = {k: v for k, v in data.items() if k != "acceptances"}
    text = json.dumps(head, indent=2, ensure_ascii=False)
    lines = ",\n".join("    " + json.dumps(r, ensure_ascii=False) for r in data["acceptances"])
    text = text[:-2] + ',\n  "acceptances": [\n' + lines + "\n  ]\n}\n"
    json.loads(text)
    Path(out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
