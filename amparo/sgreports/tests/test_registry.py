"""The report registry: shipped with sources and a verified flag, shown plainly, editable in the
admin with history, and never overwriting an administrator's edit on upgrade."""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse

from amparo.sgreports import services
from amparo.sgreports.models import Report
from conftest import signed_in

pytestmark = pytest.mark.django_db


def shipped() -> list[dict]:
    return json.loads(services.REGISTRY_FILE.read_text(encoding="utf-8"))["reports"]


def test_every_shipped_row_has_sources_a_check_date_and_an_honest_verified_flag():
    for row in shipped():
        assert row["last_verified"] and isinstance(row["verified"], bool), row["year"]
        if row["symbol"]:
            assert row["sources"], row["symbol"]
        if not row["verified"]:
            assert "NOT VERIFIED" in row["note"] or not row["symbol"], row["year"]
        # Every value a verified row holds is backed by a source naming that field.
        backed = {f for s in row["sources"] for f in s["fields"]}
        filled = {k for k in ("reporting_period_start", "call_for_submissions") if row[k]}
        filled |= {"interactive_dialogue"} if row["interactive_dialogue"] else set()
        if row["verified"]:
            assert filled <= backed, row["symbol"]


def test_the_layout_eras_follow_the_2017_change():
    for row in shipped():
        assert row["layout_era"] == ("body" if row["year"] <= 2016 else "annexes"), row["year"]


def test_the_migration_loads_sources_and_flags_into_the_database():
    report = Report.objects.get(symbol="A/HRC/39/41")
    assert report.verified and report.interactive_dialogue == datetime.date(2018, 9, 19)
    assert "[call_for_submissions, reporting_period_start, reporting_period_end]" in report.source
    assert not Report.objects.get(symbol="A/HRC/54/61").verified


def test_the_registry_page_says_which_rows_are_not_verified(viewer_client):
    page = viewer_client.get(reverse("sgreports:index")).content.decode()
    row = page[page.index("<td>A/HRC/54/61</td>") :].split("</tr>")[0]
    assert "not verified" in row and "NOT VERIFIED" in row
    row = page[page.index("<td>A/HRC/39/41</td>") :].split("</tr>")[0]
    assert "<strong>not verified</strong>" not in row


def test_an_admin_edits_a_row_without_code_and_the_shipped_data_never_overwrites_it(
    admin_user,
):
    report = Report.objects.get(symbol="A/HRC/48/28")
    client = signed_in(admin_user)
    url = reverse("admin:sgreports_report_change", args=[report.pk])
    assert client.get(url).status_code == 200
    form = {
        "symbol": report.symbol,
        "year": report.year,
        "hrc_session": report.hrc_session,
        "layout_era": report.layout_era,
        "reporting_period_start": "2020-05-01",
        "reporting_period_end": "2021-04-30",
        "call_for_submissions": "2021-05-03",
        "interactive_dialogue": "",
        "verified": "on",
        "last_verified": "2026-12-01",
        "source": "[call_for_submissions] OHCHR call for submissions 2021",
        "note": "Checked by hand.",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content[:2000]
    report.refresh_from_db()
    assert report.call_for_submissions == datetime.date(2021, 5, 3)
    assert report.history.filter(history_user=admin_user).exists()
    # An upgrade reloads the shipped registry: the administrator's edit stays.
    services.load_registry()
    report.refresh_from_db()
    assert report.call_for_submissions == datetime.date(2021, 5, 3)


def test_reloading_refreshes_rows_nobody_edited_and_adds_missing_ones():
    Report.objects.filter(symbol="A/HRC/42/30").delete()
    untouched = Report.objects.get(symbol="A/HRC/45/36")
    Report.objects.filter(pk=untouched.pk).update(call_for_submissions=None, source="old")
    assert services.load_registry() == 2
    assert Report.objects.get(symbol="A/HRC/45/36").call_for_submissions == datetime.date(
        2020, 5, 1
    )
    assert Report.objects.filter(symbol="A/HRC/42/30").exists()
    assert services.load_registry() == 0
