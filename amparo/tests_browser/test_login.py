"""Signing in with a password and a second factor, in a real browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from amparo.accounts.models import AuditEvent
from amparo.tests_browser.fixtures import (
    CODE_LABEL,
    enrol_authenticator,
    make_staff,
    next_step_code,
    submit_password,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_enrols_an_authenticator_then_asks_for_its_code_at_next_sign_in(
    open_page, request_log, live_server
):
    user = make_staff("bruna_browser")
    page = open_page()

    submit_password(page, user.username)
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    page.get_by_label(CODE_LABEL).fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not right")).to_be_visible()

    secret = enrol_authenticator(page)
    assert page.locator("ul.codes li").count() == 10
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url(f"{live_server.url}/cases/")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    page.goto("/cases/")
    assert "/accounts/login/" in page.url  # signed out means signed out

    submit_password(page, user.username)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    assert page.locator("#totp-secret").count() == 0  # the key is never shown again
    page.get_by_label(CODE_LABEL).fill(next_step_code(secret))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{live_server.url}/cases/")

    actions = set(AuditEvent.objects.filter(actor=user).values_list("action", flat=True))
    assert {"two_factor.enrolled", "login.two_factor_ok"} <= actions
    assert any(url.endswith("/static/amparo/amparo.css") for url in request_log.urls)


def test_it_holds_a_password_only_session_at_the_code_step(open_page, live_server):
    user = make_staff("pablo_password_only")
    page = open_page(javascript=False)

    submit_password(page, user.username)
    page.goto("/cases/")

    assert page.url == f"{live_server.url}/accounts/two-factor/"
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
