"""The navigator, drafts and `amparo route` judge treaty conditions from the database (HB §3.1)."""

from __future__ import annotations

import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from amparo.vocabularies.models import TreatyAcceptance

pytestmark = pytest.mark.django_db

ANSWERS = {
    "country": "KEN",
    "bodies": ["tb_ccpr"],
    "domestic_remedies_exhausted": "yes",
    "language": "en",
}
EDITED_SOURCE = "OHCHR status of ratification, checked by an administrator"


def accept_op1_for_kenya() -> None:
    TreatyAcceptance.objects.filter(
        country_id="KEN", body="tb_ccpr", procedure="individual_communication"
    ).update(status="accepted", source=EDITED_SOURCE, last_verified=datetime.date(2027, 1, 5))


def test_results_show_the_recorded_status_with_its_source_and_the_edit_takes_effect():
    page = Client().post("/help/avenues/", ANSWERS).content.decode()
    assert "recorded as not accepted" in page
    assert "hr_status_iccpr_op1.csv" in page
    assert "the senior official and the Reprisals Report remain open" in page
    accept_op1_for_kenya()
    page = Client().post("/help/avenues/", ANSWERS).content.decode()
    assert "recorded as accepted" in page and EDITED_SOURCE in page and "2027-01-05" in page


def test_results_in_french_translate_the_status_sentence():
    page = Client().post("/help/avenues/", {**ANSWERS, "language": "fr"}).content.decode()
    assert "Kenya" in page
    assert "enregistré comme non accepté" in page


def test_the_draft_checklist_shows_the_treaty_conditions():
    fields = {**ANSWERS, "avenue": "tb_individual_communication", "body": "tb_ccpr"}
    page = Client().post("/help/draft/", fields).content.decode()
    assert "Checklist" in page and "Not met" in page
    assert "hr_status_iccpr_op1.csv" in page


def test_route_json_reads_the_edited_record(tmp_path):
    path = tmp_path / "situation.json"
    path.write_text(json.dumps({k: v for k, v in ANSWERS.items() if k != "language"}))

    def competence() -> dict:
        out = StringIO()
        call_command("route", "--json", str(path), stdout=out)
        avenue = next(
            a
            for a in json.loads(out.getvalue())["avenues"]
            if a["avenue"] == "tb_individual_communication"
        )
        return next(c for c in avenue["conditions"] if c["condition"] == "competence")

    before = competence()
    assert before["status"] == "unmet" and "hr_status_iccpr_op1.csv" in before["text"]
    accept_op1_for_kenya()
    after = competence()
    assert after["status"] == "met" and EDITED_SOURCE in after["text"]
