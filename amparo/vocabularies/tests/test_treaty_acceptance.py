"""Treaty acceptance records (HB §3.1): loaded on migrate, editable in the admin with history."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from amparo.core import reference
from amparo.vocabularies.models import TreatyAcceptance
from amparo.vocabularies.services import load_reference_data
from conftest import signed_in

pytestmark = pytest.mark.django_db


def test_migrating_loads_every_shipped_record_with_its_source_and_date():
    assert TreatyAcceptance.objects.count() == len(reference.treaty_acceptances())
    row = TreatyAcceptance.objects.get(
        country_id="COL", body="tb_ccpr", procedure="individual_communication"
    )
    assert row.status == "accepted"
    assert "hr_status_iccpr_op1.csv" in row.source
    assert row.last_verified == datetime.date(2026, 11, 30)
    assert row.history.count() == 1


def test_loading_again_keeps_an_edit_and_reset_restores_the_file():
    row = TreatyAcceptance.objects.get(
        country_id="FRA", body="tb_cat", procedure="individual_communication"
    )
    row.status, row.source = "accepted", "UNTC IV-9, checked by an administrator"
    row.save()
    assert load_reference_data()["treaty_acceptances"] == 0
    row.refresh_from_db()
    assert row.status == "accepted"
    call_command("load_reference", "--reset")
    row.refresh_from_db()
    assert row.status == "unknown"
    assert row.history.count() == 3


def test_a_missing_row_is_added_back_without_touching_the_others():
    TreatyAcceptance.objects.filter(country_id="KEN", body="tb_ccpr").delete()
    assert load_reference_data()["treaty_acceptances"] == 2
    assert TreatyAcceptance.objects.count() == len(reference.treaty_acceptances())


def test_an_administrator_edits_a_record_in_the_admin_and_history_keeps_it(admin_user):
    client = signed_in(admin_user)
    row = TreatyAcceptance.objects.get(
        country_id="FRA", body="tb_cat", procedure="individual_communication"
    )
    listing = client.get("/admin/vocabularies/treatyacceptance/?status__exact=unknown&q=FRA")
    assert listing.status_code == 200
    url = f"/admin/vocabularies/treatyacceptance/{row.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "status": "accepted",
            "source": "UN Treaty Collection IV-9, declaration under art. 22",
            "last_verified": "2027-01-05",
            "note": "",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.last_verified) == ("accepted", datetime.date(2027, 1, 5))
    assert row.country_id == "FRA" and row.procedure == "individual_communication"
    assert row.history.count() == 2
    assert client.get(f"{url.removesuffix('change/')}history/").status_code == 200
