"""Password rules (ASVS 6.1.2, 6.2.4 to 6.2.9, 6.2.11) and re-authentication (7.5.1).

Through the account page's password form, the one place staff choose a password (the admin
runs the same validators): common and context-specific passwords are refused with a reason;
long passphrases with spaces and any script are accepted and kept whole; no composition rule.
"""

from __future__ import annotations

import lxml.html
import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from amparo.accounts.models import AuditEvent, RecoveryCode
from amparo.accounts.tests.conftest import enrol
from conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def change(client: Client, new: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/accounts/security/",
        {
            "action": "password",
            "old_password": PASSWORD,
            "new_password1": new,
            "new_password2": new,
        },
    )


def errors(response) -> str:  # type: ignore[no-untyped-def]
    doc = lxml.html.document_fromstring(response.content.decode())
    return " ".join(doc.xpath("//ul[contains(@class,'errorlist')]//text()"))


@pytest.mark.parametrize("common", ["q1w2e3r4t5y6", "1qaz2wsx3edc", "qwerty123456", "startfinding"])
def test_a_common_password_of_twelve_or_more_is_refused_with_its_reason(documenter, common):
    """6.2.4: Django's list of 20,000 common passwords, even past the minimum length."""
    assert len(common) >= 12
    response = change(signed_in(documenter), common)
    assert response.status_code == 200 and "too common" in errors(response)
    documenter.refresh_from_db()
    assert documenter.check_password(PASSWORD)


@pytest.mark.parametrize(
    "word",
    ["Amparo rocks every day", "my dora_documenter phrase", "Red Cedar Legal Aid forever"],
)
def test_context_words_are_refused(documenter, word, settings):
    """6.1.2, 6.2.11: the product, the username and the organisation (when set)."""
    settings.AMPARO_ORGANISATION_NAME = "Cedar Legal"
    response = change(signed_in(documenter), word.replace(" ", "-") if "Cedar" in word else word)
    assert response.status_code == 200
    assert "name of this service, of your organisation or your username" in errors(response)
    documenter.refresh_from_db()
    assert documenter.check_password(PASSWORD)


def test_context_words_ignore_case_accents_and_punctuation(documenter):
    for variant in ("A.M.P.A.R.O. is my shelter", "ÁMPARO-2026 shelter!!", "dora documenter 77x"):
        with pytest.raises(ValidationError) as refused:
            validate_password(variant, documenter)
        assert "password_context_word" in [e.code for e in refused.value.error_list], variant


@pytest.mark.parametrize(
    "passphrase",
    [
        "correct horse battery staple " * 3,  # 87 characters with spaces
        "mañana   llueve en   Bogotá y en Ginebra también, dijo ella " * 2,
        "ठंडी चाय और पुरानी किताबें हमेशा साथ रहती हैं " + "x" * 20,
        "日本語のとても長いパスフレーズは問題なく使えるはずです" * 3,
        "z" * 7 + " lowercase only no digits no symbols at all",  # no composition rule (6.2.5)
    ],
)
def test_long_passphrases_of_any_script_are_accepted_whole(documenter, passphrase):
    """6.2.5, 6.2.8, 6.2.9: at least 64 characters, spaces and Unicode, verified exactly."""
    client = signed_in(documenter)
    response = change(client, passphrase)
    assert response.status_code == 302, errors(response)
    documenter.refresh_from_db()
    assert documenter.check_password(passphrase)
    # Verified exactly as typed: not truncated, not trimmed, not case-folded.
    assert not documenter.check_password(passphrase[:-1])
    assert not documenter.check_password(passphrase + " ")
    assert not documenter.check_password(" " + passphrase)
    assert not documenter.check_password(passphrase.upper()) or passphrase.upper() == passphrase
    fresh = Client()
    signed = fresh.post(
        "/accounts/login/", {"username": documenter.username, "password": passphrase}
    )
    assert signed.status_code == 302 and signed.url == "/accounts/two-factor/"


def test_a_128_character_password_signs_in_and_one_character_less_does_not(documenter):
    long = "".join(f"{i:02d} word " for i in range(16))[:128]
    assert len(long) == 128
    assert change(signed_in(documenter), long).status_code == 302
    ok = Client().post("/accounts/login/", {"username": documenter.username, "password": long})
    assert ok.status_code == 302
    short = Client().post(
        "/accounts/login/", {"username": documenter.username, "password": long[:-1]}
    )
    assert short.status_code == 200


def test_password_fields_are_password_inputs_that_allow_paste_and_managers(documenter, client):
    """6.2.6, 6.2.7: type=password, no autocomplete=off, no paste blocking, no maxlength."""
    pages = [client.get("/accounts/login/"), signed_in(documenter).get("/accounts/security/")]
    fields = 0
    for page in pages:
        doc = lxml.html.document_fromstring(page.content.decode())
        for field in doc.xpath("//input[contains(@name,'password')]"):
            assert field.get("type") == "password", field.get("name")
            assert field.get("autocomplete") in {"current-password", "new-password"}, field.attrib
            assert field.get("maxlength") is None, field.attrib
            assert not [a for a in field.attrib if a.startswith("on")], field.attrib
            fields += 1
        html = page.content.decode()
        assert "onpaste" not in html and "oncopy" not in html
    assert fields >= 5  # sign-in, current, two new, session and recovery-code confirmations


def test_new_recovery_codes_need_the_password_again(documenter):
    """7.5.1: replacing a factor asks for the current password; a wrong one changes nothing."""
    client = Client()
    old_codes = enrol(client, documenter)
    assert len(old_codes) == 10
    hashes = set(RecoveryCode.objects.filter(user=documenter).values_list("code_hash", flat=True))
    for data in ({}, {"codes-password": "not my password"}):
        refused = client.post("/accounts/security/", {"action": "recovery_codes", **data})
        assert refused.status_code == 200
        assert not lxml.html.document_fromstring(refused.content.decode()).xpath(
            "//ul[@class='codes']"
        )
        now = set(RecoveryCode.objects.filter(user=documenter).values_list("code_hash", flat=True))
        assert now == hashes
    assert not AuditEvent.objects.filter(action="two_factor.recovery_codes_reissued").exists()
    issued = client.post(
        "/accounts/security/", {"action": "recovery_codes", "codes-password": PASSWORD}
    )
    assert issued.status_code == 200
    codes = lxml.html.document_fromstring(issued.content.decode()).xpath(
        "//ul[@class='codes']//code/text()"
    )
    assert len(codes) == 10 and not set(codes) & set(old_codes)
    assert AuditEvent.objects.filter(action="two_factor.recovery_codes_reissued").count() == 1
