"""The anonymous assessment wizard, through HTTP: steps, back, privacy, outputs."""

from __future__ import annotations

import datetime
import html
import logging
import re

import pytest
from django.apps import apps
from django.test import Client

from amparo.assessments import state as state_module

pytestmark = pytest.mark.django_db

MARKER = "Zq7-marker-threat-from-the-mayor"
TOKEN = re.compile(r'name="state" value="([^"]+)"')


def token_of(response) -> str:
    return html.unescape(TOKEN.search(response.content.decode()).group(1))


def post(client: Client, response, step: str, go: str = "next", **data):
    return client.post(
        "/assess/step/", {"state": token_of(response), "step": step, "go": go, **data}
    )


def walk(client: Client, *, custom: str = MARKER) -> list:
    """Every page of a whole assessment, from the first step to the summary."""
    pages = [client.get("/assess/")]
    pages.append(
        post(
            client,
            pages[-1],
            "context",
            country="COL",
            activities=["sending_information"],
            perpetrators=["state", "non_state_media"],
        )
    )
    pages.append(
        post(client, pages[-1], "threats", threats=["surveillance", "detention"], custom1=custom)
    )
    pages.append(
        post(
            client,
            pages[-1],
            "rating",
            **{
                "probability-surveillance": "very_high",
                "impact-surveillance": "high",
                "probability-detention": "low",
                "impact-detention": "very_high",
                "probability-custom1": "low",
                "impact-custom1": "low",
            },
        )
    )
    pages.append(
        post(client, pages[-1], "domains", **{"vuln-digital": "on", "cap-legal": "on",
                                               "note-digital": f"{custom} phone"})
    )  # fmt: skip
    pages.append(post(client, pages[-1], "result"))
    reassess = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    pages.append(
        post(
            client,
            pages[-1],
            "plan",
            **{
                "measures-surveillance": ["encrypted_channels"],
                "measures-detention": ["know_rights_in_detention"],
                "own-surveillance": f"{custom}: new phone",
                "inform_who": "My sister",
                "inform_what": "Call the lawyer",
                "contacts": "Lawyer: +00 000",
                "reassess_on": reassess,
            },
        )
    )
    return pages


def row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_an_anonymous_assessment_leaves_no_row_no_cookie_and_no_log_line(caplog):
    client = Client()
    before = row_counts()
    with caplog.at_level(logging.DEBUG):
        pages = walk(client)
        token = token_of(pages[-1])
        pages.append(client.post("/assess/plan.pdf", {"state": token}))
        pages.append(
            client.post(
                "/assess/save/",
                {
                    "state": token,
                    "passphrase": "long enough pass",
                    "passphrase_again": "long enough pass",
                },
            )
        )
        pages.append(client.get("/assess/exit/"))
    assert row_counts() == before
    for response in pages:
        assert response.status_code in (200, 302)
        assert "Set-Cookie" not in response.headers and not response.cookies
        assert "no-store" in response.headers["Cache-Control"]
    assert not client.cookies
    assert MARKER not in caplog.text
    assert all(MARKER not in (r.getMessage() + str(r.args)) for r in caplog.records)
    assert MARKER not in token  # the state travels encrypted


def test_each_step_shows_progress_and_the_next_one(anonymous_client):
    pages = walk(anonymous_client)
    titles = ["Step 1 of 7", "Step 2 of 7", "Step 3 of 7", "Step 4 of 7", "Step 5 of 7",
              "Step 6 of 7", "Step 7 of 7"]  # fmt: skip
    for page, title in zip(pages, titles, strict=True):
        assert page.status_code == 200
        assert title in page.content.decode()
        assert 'aria-current="step"' in page.content.decode()
        assert 'href="/assess/exit/" rel="noreferrer"' in page.content.decode()


def test_the_threats_step_shows_the_countrys_record_and_the_handbooks_order(
    anonymous_client, colombia_record
):
    pages = walk(anonymous_client)
    text = pages[1].content.decode()
    assert "5 public entries" in text
    assert "No record does not mean no risk." in text
    assert text.index("Threats or intimidation") < text.index("Defamation or smear campaign")
    assert "Entries by year" in text and "2021" in text


def test_a_country_without_records_still_warns_that_risk_remains(anonymous_client):
    text = walk(anonymous_client)[1].content.decode()
    assert "Amparo holds no public entry for this country." in text
    assert "No record does not mean no risk." in text


def test_the_result_places_every_threat_in_the_matrix_and_lists_must_address_first(
    anonymous_client,
):
    text = walk(anonymous_client)[4].content.decode()
    matrix = text[text.index('class="risk-matrix"') : text.index("</table>")]
    for name in ("Surveillance", "Detention or imprisonment", MARKER):
        assert name in matrix
    risks = text[text.index('class="risk-list"') :]
    assert risks.index("Surveillance") < risks.index("Detention") < risks.index(MARKER)


def test_the_summary_holds_the_chosen_measures_emergency_contacts_and_reassess_date(
    anonymous_client,
):
    text = walk(anonymous_client)[-1].content.decode()
    assert "Protect your communications" in text
    assert "Learn your rights if you are arrested" in text
    assert "Front Line Defenders" in text
    assert "My sister" in text and "Call the lawyer" in text
    assert (datetime.date.today() + datetime.timedelta(days=30)).isoformat() in text


def test_back_returns_to_the_previous_step_with_the_answers_kept(anonymous_client):
    pages = walk(anonymous_client)
    back = post(anonymous_client, pages[2], "rating", go="back")
    text = back.content.decode()
    assert "Step 2 of 7" in text
    assert 'value="surveillance" id="id_threats_' in text
    assert re.search(r'value="surveillance"[^>]*checked', text)
    assert MARKER in text


def test_missing_answers_are_named_and_nothing_moves_on(anonymous_client):
    start = anonymous_client.get("/assess/")
    page = post(anonymous_client, start, "context", country="")
    text = page.content.decode()
    assert "Step 1 of 7" in text and "This field is required." in text
    assert "Choose at least one" in text


def test_a_threat_left_unrated_is_named(anonymous_client):
    pages = walk(anonymous_client)
    page = post(anonymous_client, pages[2], "rating", **{"probability-surveillance": "high"})
    assert "Step 3 of 7" in page.content.decode()
    assert "Choose a level." in page.content.decode()


def test_the_language_can_change_mid_way_without_a_cookie(anonymous_client):
    pages = walk(anonymous_client)
    page = post(anonymous_client, pages[1], "threats", go="lang-fr")
    text = page.content.decode()
    assert '<html lang="fr"' in text
    assert "Diffamation ou campagne de dénigrement" in text  # reference data in French
    assert "Comment les médias" in text  # the handbook's questions, in our French words
    assert page.headers["Content-Language"] == "fr"
    assert not page.cookies


def test_a_tampered_or_expired_state_is_refused_plainly(anonymous_client, monkeypatch):
    start = anonymous_client.get("/assess/")
    forged = anonymous_client.post("/assess/step/", {"state": "v1:kx:AAAA", "step": "context"})
    assert forged.status_code == 400 and "could not be read" in forged.content.decode()
    later = state_module.time.time() + state_module.STATE_MAX_AGE + 5
    monkeypatch.setattr(state_module.time, "time", lambda: later)
    expired = post(anonymous_client, start, "context")
    assert expired.status_code == 400 and "expired" in expired.content.decode()


def test_a_refused_state_is_audited_for_staff_only(anonymous_client, documenter):
    """ASVS 16.3.3: refused input is recorded, but an anonymous visitor still leaves no row."""
    from amparo.accounts.models import AuditEvent
    from conftest import signed_in

    anonymous_client.post("/assess/step/", {"state": "v1:kx:AAAA", "step": "context"})
    assert not AuditEvent.objects.exists()
    staff = signed_in(documenter)
    assert staff.post("/assess/step/", {"state": "v1:kx:AAAA"}).status_code == 400
    event = AuditEvent.objects.get(action="assessment.state_refused")
    assert event.actor == documenter and event.detail == {"reason": "state"}


def test_answers_never_travel_in_urls(anonymous_client):
    for page in walk(anonymous_client):
        for form in re.findall(r"<form[^>]*>", page.content.decode()):
            if "set_language" in form:
                continue
            assert 'method="post"' in form, form


def test_quick_exit_leaves_for_a_neutral_site_without_a_referrer(anonymous_client):
    response = anonymous_client.get("/assess/exit/")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://www.wikipedia.org/"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_plan_downloads_as_a_pdf(anonymous_client):
    token = token_of(walk(anonymous_client)[-1])
    response = anonymous_client.post("/assess/plan.pdf", {"state": token})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_pdf_fetches_no_resource(monkeypatch):
    from amparo.assessments import outputs

    asked = []
    monkeypatch.setattr(outputs, "refuse_fetch", lambda url, *a, **k: asked.append(url))
    state = state_module.empty_state()
    assert outputs.plan_pdf({**state, "country": "COL"}).startswith(b"%PDF")
    assert asked == []


def test_the_plan_saves_to_an_encrypted_file_that_loads_back(anonymous_client):
    token = token_of(walk(anonymous_client)[-1])
    saved = anonymous_client.post(
        "/assess/save/",
        {
            "state": token,
            "passphrase": "correct horse battery",
            "passphrase_again": "correct horse battery",
        },
    )
    assert saved.status_code == 200
    assert saved.headers["Content-Disposition"].startswith("attachment;")
    assert MARKER.encode() not in saved.content and b"surveillance" not in saved.content

    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("plan.amparo", saved.content)
    wrong = anonymous_client.post(
        "/assess/load/", {"plan_file": upload, "passphrase": "wrong one!"}
    )
    assert "does not open the file" in wrong.content.decode()
    upload = SimpleUploadedFile("plan.amparo", saved.content)
    loaded = anonymous_client.post(
        "/assess/load/", {"plan_file": upload, "passphrase": "correct horse battery"}
    )
    text = loaded.content.decode()
    assert "Step 5 of 7" in text and MARKER in text
    plan = post(anonymous_client, loaded, "result")
    assert "My sister" in plan.content.decode()


def test_saving_needs_a_long_enough_passphrase_typed_twice(anonymous_client):
    token = token_of(walk(anonymous_client)[-1])
    short = anonymous_client.post(
        "/assess/save/", {"state": token, "passphrase": "short", "passphrase_again": "short"}
    )
    assert short.headers["Content-Type"].startswith("text/html")
    assert "at least 10 characters" in short.content.decode()
    differ = anonymous_client.post(
        "/assess/save/",
        {"state": token, "passphrase": "long enough one", "passphrase_again": "long enough two"},
    )
    assert "The two passphrases differ." in differ.content.decode()


def test_a_file_that_is_not_a_plan_is_refused(anonymous_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("plan.amparo", b"hello")
    page = anonymous_client.post("/assess/load/", {"plan_file": upload, "passphrase": "whatever"})
    assert page.status_code == 200
    assert "not a plan file saved by Amparo" in page.content.decode()


def test_a_step_cannot_be_skipped_by_editing_the_form(anonymous_client):
    start = anonymous_client.get("/assess/")
    page = post(anonymous_client, start, "plan", go="next")
    assert "Step 1 of 7" in page.content.decode()


def test_a_state_sealed_for_the_wizard_opens_only_as_wizard_state():
    token = state_module.seal({"x": 1})
    assert state_module.unseal(token) == {"x": 1}
    from amparo.security.keys import keyring

    with pytest.raises(Exception):  # noqa: B017 - any failure: another purpose's key binding
        keyring().decrypt(token, aad="entry.notes")


def test_without_pdf_support_the_plan_is_not_lost(anonymous_client, monkeypatch):
    from amparo.assessments import outputs

    def unavailable(state):
        raise outputs.PdfUnavailable("OSError")

    monkeypatch.setattr("amparo.assessments.views.plan_pdf", unavailable)
    token = token_of(walk(anonymous_client)[-1])
    page = anonymous_client.post("/assess/plan.pdf", {"state": token})
    assert page.status_code == 503
    back = post(anonymous_client, page, "done")
    assert "Step 7 of 7" in back.content.decode() and MARKER in back.content.decode()


def test_switching_language_keeps_unfinished_answers_without_scolding(anonymous_client):
    start = anonymous_client.get("/assess/")
    page = post(anonymous_client, start, "context", go="lang-es", country="COL")
    text = page.content.decode()
    assert '<html lang="es"' in text and "Paso 1 de 7" in text
    assert re.search(r'<option value="COL" selected>', text)
    assert "Este campo es obligatorio." not in text and "error-summary" not in text
