"""Fixtures for the Reprisals Report tracker: registry rows, entries with subjects, a report."""

from __future__ import annotations

from typing import Any

import pytest

from amparo.cases import services as cases
from amparo.cases.models import Entry
from amparo.sgreports.models import Report

REPORT_TEXT = """A/HRC/99/10
Annex I
Information on alleged cases of intimidation and reprisals
Viet Nam
1. On 3 March 2023, Mr. Tarek Alfahrani, a human rights defender who travelled to Geneva to
attend the session of the Human Rights Council, was arrested on his return.
2. Members of the Centre for Rights and Justice were threatened after they submitted
information to the Committee against Torture.
Venezuela (Bolivarian Republic of)
3. A woman human rights defender who met with the delegation during the visit of the High
Commissioner was followed by unidentified men and received threats.
Annex II
Bahrain
4. The Secretary-General previously reported on the case of Ms. Noor Hamdan (A/HRC/98/20,
annex I, para. 7). She remains in detention.
"""


@pytest.fixture
def reports(db) -> dict[str, Report]:
    """Three invented reports in the registry, a year apart."""
    rows = {}
    for year, symbol in ((2022, "A/HRC/97/30"), (2023, "A/HRC/98/20"), (2024, "A/HRC/99/10")):
        rows[symbol] = Report.objects.create(symbol=symbol, year=year, layout_era="annexes")
    return rows


@pytest.fixture
def make_case(db, documenter):
    """An entry with named subjects and citations, opened through the services."""

    def make(
        country: str = "VNM", names: tuple[str, ...] = (), cites: tuple[str, ...] = (), **extra: Any
    ) -> Entry:
        data = {"kind": "named", "title": "A case", "country": country, "year": 2023}
        data.update(extra)
        entry = cases.open_entry(documenter, data)
        for name in names:
            cases.add_subject(documenter, entry, {"kind": "individual", "name": name})
        for text in cites:
            cases.add_citation(documenter, entry, text)
        return entry

    return make


def pdf_with_pages(pages: list[list[str]]) -> bytes:
    """A minimal PDF with one text layer (Helvetica) per page, built by hand: lines per page."""
    count = len(pages)
    page_ids = [3 + 2 * i for i in range(count)]
    font_id = 3 + 2 * count
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{' '.join(f'{i} 0 R' for i in page_ids)}] /Count {count} >>",
    ]
    for number, lines in enumerate(pages):
        stream = "BT /F1 11 Tf 50 750 Td 14 TL " + " ".join(f"({line}) '" for line in lines)
        stream += " ET"
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Contents {page_ids[number] + 1} 0 R /Resources << /Font << /F1 {font_id} 0 R >> >> >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


def report_pages(count: int) -> list[list[str]]:
    """An invented annex-layout report spread over `count` pages, one case paragraph each."""
    pages = [["Annex I", "Viet Nam"]]
    pages[0].append("1. Mr. Tarek Alfahrani was arrested after he travelled to Geneva.")
    for number in range(2, count + 1):
        pages.append([f"{number}. Members of a group were threatened after the UPR session."])
    return pages
