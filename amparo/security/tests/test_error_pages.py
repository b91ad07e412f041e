"""Error pages are plain and translated, never a trace or a value from the request."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_an_unknown_page_is_a_plain_404(client):
    response = client.get("/no-such-page/?name=CANARY-404-Ana")
    assert response.status_code == 404
    assert b"There is no page at this address." in response.content
    assert b"CANARY-404-Ana" not in response.content and b"Traceback" not in response.content


def test_a_forbidden_page_is_a_plain_403(viewer_client):
    response = viewer_client.get("/accounts/audit/")
    assert response.status_code == 403
    assert b"You do not have access to this page." in response.content
