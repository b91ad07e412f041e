"""The anonymous navigator and support directory over HTTP: no cookie, answers never in URLs."""

from __future__ import annotations

import pytest
from django.test import Client

NAVIGATOR = "/help/"
RESULTS = "/help/avenues/"
DRAFT = "/help/draft/"
DIRECTORY = "/help/support/"

ANSWERS = {
    "country": "VEN",
    "bodies": ["hrc", "tb_cat"],
    "reprisal_types": ["threats_intimidation"],
    "perpetrators": ["state"],
    "urgent": "on",
    "in_geneva": "on",
    "domestic_remedies_exhausted": "no",
    "previous_citation": "A/HRC/54/61 annex I para 80",
    "language": "en",
}


@pytest.fixture
def browser() -> Client:
    """An anonymous visitor whose client enforces CSRF checks like a real browser."""
    return Client(enforce_csrf_checks=True)


def test_navigator_page_sets_no_cookie(browser, db):
    response = browser.get(NAVIGATOR)
    assert response.status_code == 200
    assert response.cookies == {}
    assert b'method="post"' in response.content
    assert b"csrfmiddlewaretoken" not in response.content


def test_results_list_avenues_most_useful_first_with_addresses(browser, db):
    response = browser.post(RESULTS, ANSWERS)
    assert response.status_code == 200
    assert response.cookies == {}
    page = response.content.decode()
    assert page.index("NGOs offering emergency support") < page.index(
        "UN senior official on reprisals"
    )
    for address in (
        "ohchr-reprisals@un.org",
        "hrcpresidency@un.org",
        "ohchr-hrcngo@un.org",
        "ohchr-cat@un.org",
        "cidhmonitoreo@oas.org",
    ):
        assert address in page
    assert "unog.org" not in page
    assert "ask the President&#x27;s office for a meeting" in page  # HB §3.2
    assert "still acts on it" in page  # HB §4.1: Venezuela left the OAS
    assert "A/HRC/54/61 annex I para 80" in page  # HB §3.5.3
    assert "September" in page and "Do no harm" in page


def test_results_are_translated(browser, db):
    response = browser.post(RESULTS, {**ANSWERS, "language": "fr"})
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert "Haut responsable" in response.content.decode()


def test_results_never_accept_answers_in_the_url(browser, db):
    response = browser.get(RESULTS, {"country": "VEN"})
    assert response.status_code == 302
    assert response["Location"] == NAVIGATOR


def test_bad_answers_name_the_field_without_a_500(browser, db):
    response = browser.post(RESULTS, {**ANSWERS, "bodies": ["nonsense"], "previous_citation": "x"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "nonsense" in page
    assert "not a citation" in page


def test_anonymous_draft_has_a_checklist_and_downloads(browser, db):
    fields = {**ANSWERS, "avenue": "senior_official", "body": "ohchr"}
    page = browser.post(DRAFT, fields)
    assert page.status_code == 200 and page.cookies == {}
    text = page.content.decode()
    assert "Checklist" in text and "Missing" in text
    assert "ohchr-reprisals@un.org" in text
    filled = {**fields, "part_evidence": "Photos of the threatening messages", "format": "eml"}
    eml = browser.post(DRAFT, filled)
    assert eml["Content-Type"] == "message/rfc822"
    assert b"To: ohchr-reprisals@un.org" in eml.content
    assert b"Photos of the threatening messages" in eml.content
    pdf = browser.post(DRAFT, {**filled, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_anonymous_report_draft_cannot_be_marked_ready_without_declared_consent(browser, db):
    fields = {**ANSWERS, "avenue": "sg_report", "body": "ohchr", "mark_ready": "on"}
    refused = browser.post(DRAFT, fields).content.decode()
    assert "cannot be marked ready" in refused
    assert "not marked ready" in refused
    ready = browser.post(DRAFT, {**fields, "consent_confirmed": "on"}).content.decode()
    assert "ready to send" in ready and "not marked ready" not in ready


def test_directory_filters_by_need_with_the_embassy_caution(browser, db):
    response = browser.get(DIRECTORY, {"need": "safe_return"})
    assert response.status_code == 200 and response.cookies == {}
    page = response.content.decode()
    assert "Switzerland" in page and "Norway" not in page
    assert "Being seen going into or out of an embassy" in page  # HB §5.1
    everything = browser.get(DIRECTORY).content.decode()
    assert "Front Line Defenders" in everything and "Access Now" in everything
    assert 'href="https://' not in everything  # addresses as text, nothing to follow by accident


def test_directory_rejects_an_unknown_need_clearly(browser, db):
    response = browser.get(DIRECTORY, {"need": "teleportation"})
    assert response.status_code == 400
    assert "need" in response.content.decode()


def test_directory_in_spanish(browser, db):
    page = browser.get(DIRECTORY, {"lang": "es", "kind": "missions"}).content.decode()
    assert "Suiza" in page and "Front Line Defenders" not in page


def test_navigator_uses_the_administrators_copy_of_the_avenues(browser, db):
    from amparo.vocabularies.models import Avenue
    from amparo.vocabularies.services import load_reference_data

    load_reference_data()
    Avenue.objects.filter(slug="senior_official").update(to=["reprisals-new@un.org"])
    page = browser.post(RESULTS, ANSWERS).content.decode()
    assert "reprisals-new@un.org" in page
    assert "ohchr-hrcngo@un.org" in page  # the other avenues still read from the same copy
