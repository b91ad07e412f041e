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
