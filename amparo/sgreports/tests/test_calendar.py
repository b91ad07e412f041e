"""The calendar feed: a download for the signed-in user, and a secret subscription address
(stored hashed, shown once, revocable, audited) that carries nothing confidential."""

from __future__ import annotations

import datetime
import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from amparo.accounts.models import AuditEvent
from amparo.cases import services as cases
from amparo.sgreports.calendar import fold
from amparo.sgreports.models import CalendarFeedToken

pytestmark = pytest.mark.django_db

SUBSCRIBE = "sgreports:calendar_subscription"
SECRET_TITLE = "Threats after the Geneva session"
SECRET_NAME = "Yusra Benhaddou"
SECRET_REFERENCE = "OHCHR-REF-4471"


@pytest.fixture
def reminded(reports, documenter, make_case):
    """An entry with a named subject and a sent action whose reminder is due."""
    entry = make_case(names=(SECRET_NAME,), title=SECRET_TITLE)
    cases.add_action(
        documenter,
        entry,
        {
            "avenue": "senior_official",
            "taken_on": datetime.date(2024, 1, 5),
            "reference": SECRET_REFERENCE,
            "notes": "Spoke to her brother",
            "reminder_on": datetime.date(2024, 2, 1),
        },
    )
    return entry


def subscribe(client: Client) -> str:
    """Create a feed address on the settings page; returns the address shown (once)."""
    page = client.post(reverse(SUBSCRIBE), {"action": "create"}).content.decode()
    return html.unescape(re.search(r'id="feed-url" [^>]*value="([^"]+)"', page)[1])


def feed_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_the_download_holds_the_call_and_reminders(reminded, documenter_client):
    response = documenter_client.get(reverse("sgreports:calendar"))
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert "DTSTART;VALUE=DATE:20240201" in body and reminded.ref in body
    assert "DTSTART;VALUE=DATE:20240415" in body  # no recorded 2024 call: the usual mid-April
    assert "DTSTART;VALUE=DATE:20200501" in body  # the recorded 2020 deadline
    assert "SUMMARY:HRC interactive dialogue on A/HRC/57/60" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_a_calendar_app_subscribes_with_the_secret_address_and_no_session(
    reminded, documenter_client
):
    url = subscribe(documenter_client)
    response = Client().get(feed_path(url))
    body = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert "DTSTART;VALUE=DATE:20240201" in body and f"Follow up {reminded.ref}" in body
    assert not response.cookies
    assert CalendarFeedToken.objects.get().last_used_at is not None


def test_the_feed_carries_no_confidential_data(reminded, documenter_client):
    body = Client().get(feed_path(subscribe(documenter_client))).content.decode()
    unfolded = body.replace("\r\n ", "")
    for secret in (SECRET_TITLE, SECRET_NAME, SECRET_REFERENCE, "brother"):
        assert secret not in unfolded


def test_the_secret_is_shown_once_and_stored_only_as_a_hash(reminded, documenter_client):
    secret = parse_qs(urlsplit(subscribe(documenter_client)).query)["token"][0]
    again = documenter_client.get(reverse(SUBSCRIBE)).content.decode()
    assert secret not in again and "You have an active address" in again
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM sgreports_calendarfeedtoken")
        stored = repr(cursor.fetchall())
    assert secret not in stored
    event = AuditEvent.objects.get(action="sgreport.feed_token_create")
    assert secret not in repr(event.__dict__)


def test_revoking_or_replacing_the_address_stops_the_old_one(reminded, documenter_client):
    first = feed_path(subscribe(documenter_client))
    second = feed_path(subscribe(documenter_client))
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    documenter_client.post(reverse(SUBSCRIBE), {"action": "revoke"})
    assert Client().get(second).status_code == 404
    # Audited: two creations, and two revocations (the replaced address, then the second).
    assert AuditEvent.objects.filter(action="sgreport.feed_token_create").count() == 2
    assert AuditEvent.objects.filter(action="sgreport.feed_token_revoke").count() == 2


def test_a_missing_or_wrong_secret_finds_nothing(reminded, documenter_client):
    subscribe(documenter_client)
    feed = reverse("sgreports:calendar_subscribed")
    assert Client().get(feed).status_code == 404
    assert Client().get(feed + "?token=not-the-secret").status_code == 404


def test_a_deactivated_users_address_stops_working(reminded, documenter, documenter_client):
    url = feed_path(subscribe(documenter_client))
    documenter.is_active = False
    documenter.save()
    assert Client().get(url).status_code == 404


def test_the_feed_shows_only_the_reminders_of_entries_the_owner_may_open(
    reminded, documenter, outsider_client, make_case
):
    hidden = make_case(restricted=True)  # names its creator only, not the outsider
    cases.add_action(
        documenter,
        hidden,
        {
            "avenue": "senior_official",
            "taken_on": datetime.date(2024, 1, 5),
            "reminder_on": datetime.date(2024, 3, 1),
        },
    )
    body = Client().get(feed_path(subscribe(outsider_client))).content.decode()
    assert "Reprisals Report: call for submissions" in body
    assert reminded.ref in body and hidden.ref not in body


@override_settings(LANGUAGE_CODE="fr")
def test_event_titles_are_in_the_instances_language(reminded, documenter_client):
    body = Client().get(feed_path(subscribe(documenter_client))).content.decode()
    assert "appel à contributions 2024" in body.replace("\r\n ", "")
    assert f"Suivi de {reminded.ref}" in body.replace("\r\n ", "")


def test_long_calendar_lines_are_folded_without_splitting_characters():
    line = "SUMMARY:" + "é" * 80
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line
