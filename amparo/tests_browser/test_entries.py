"""Creating an entry and recording consent, in a real browser with JavaScript turned off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from amparo.accounts.models import AuditEvent, Role
from amparo.cases.models import Consent, Entry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_CONSENT_WARNING = "stays off the public portal"


def test_it_creates_an_entry_and_records_consent_to_publish_without_javascript(signed_in_page):
    page = signed_in_page(role=Role.COORDINATOR, javascript=False)

    page.get_by_role("link", name="New entry").first.click()
    page.get_by_label("Kind of entry").select_option(label="Named person or organisation")
    page.get_by_label("Public title").fill("Lawyer questioned after a UPR submission")
    page.get_by_label("Public summary").fill("Questioned twice about her report to the review.")
    page.get_by_role("combobox", name="Country").select_option(label="Viet Nam")
    page.get_by_label("Year").fill("2024")
    page.get_by_label("Universal Periodic Review", exact=True).check()
    page.get_by_label("Detention or imprisonment", exact=True).check()
    page.get_by_label("Confidential notes").fill("Met her lawyer in a safe place.")
    page.get_by_label("Published", exact=True).check()
    page.get_by_role("button", name="Save").click()

    entry = Entry.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(entry.ref)
    expect(page.get_by_text(NO_CONSENT_WARNING).first).to_be_visible()
    assert entry.country == "VNM" and entry.published and not entry.is_public
    assert entry.terms_of("body") == ["upr"]
    assert entry.notes == "Met her lawyer in a safe place."

    page.get_by_role("link", name="Record consent").click()
    page.get_by_label("Purpose").select_option(label="Publish the case in Amparo's public portal")
    page.get_by_label("Given by").select_option(label="The person concerned")
    page.get_by_label("How it was given").select_option(label="In person")
    page.get_by_label("Limits").fill("Initials only, no city.")
    page.get_by_role("button", name="Save").click()

    consents = page.locator("#consents")
    expect(
        consents.get_by_role("cell", name="Publish the case in Amparo's public portal")
    ).to_be_visible()
    expect(consents.get_by_text("Active", exact=True)).to_be_visible()
    expect(page.get_by_text(NO_CONSENT_WARNING)).to_have_count(0)
    expect(page.get_by_text("Initials only, no city.")).to_be_visible()

    consent = Consent.objects.get(entry=entry)
    assert (consent.purpose, consent.given_by, consent.method) == (
        "publish_in_portal",
        "person",
        "in_person",
    )
    assert Entry.objects.public().filter(pk=entry.pk).exists()
    actions = list(
        AuditEvent.objects.filter(object_id=str(entry.pk)).values_list("action", "fields")
    )
    assert ("consent.record", []) in actions
    assert not any(
        "Initials" in str(fields) or "safe place" in str(fields) for _, fields in actions
    )


def test_it_shows_what_is_wrong_and_saves_nothing_when_the_form_is_incomplete(signed_in_page):
    page = signed_in_page(role=Role.DOCUMENTER, javascript=False)

    page.goto("/cases/new/")
    page.get_by_label("Public title").fill("Activist barred from travel")
    page.get_by_role("button", name="Save").click()

    expect(page.locator("#field-kind .errorlist")).to_be_visible()
    expect(page.locator("#field-country .errorlist")).to_be_visible()
    expect(page.get_by_label("Public title")).to_have_value("Activist barred from travel")
    assert Entry.objects.count() == 0
