"""A staff member's open sessions: listed on their security page, ended on demand.

Sessions live in the database (django.contrib.sessions); a user's are found by decoding the
unexpired ones, which is cheap for the number of staff an organisation has.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.sessions.models import Session
from django.utils import timezone

from amparo.accounts.middleware import SEEN_KEY, STARTED_KEY, VERIFIED_KEY
from amparo.accounts.models import User


@dataclass(frozen=True)
class OpenSession:
    """What the user may see of one of their sessions (never its key)."""

    started: datetime.datetime | None
    last_seen: datetime.datetime | None
    verified: bool
    current: bool


def _time(value: object) -> datetime.datetime | None:
    if not isinstance(value, int):
        return None
    return datetime.datetime.fromtimestamp(value, tz=datetime.UTC)


def _sessions(user: User) -> list[tuple[Session, dict]]:
    found = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if data.get("_auth_user_id") == str(user.pk):
            found.append((session, data))
    return found


def open_sessions(user: User, current_key: str | None) -> list[OpenSession]:
    """The user's unexpired sessions, the current one first, then the most recent."""
    listed = [
        OpenSession(
            started=_time(data.get(STARTED_KEY)),
            last_seen=_time(data.get(SEEN_KEY)),
            verified=bool(data.get(VERIFIED_KEY)),
            current=session.session_key == current_key,
        )
        for session, data in _sessions(user)
    ]
    epoch = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return sorted(listed, key=lambda s: (not s.current, -(s.last_seen or epoch).timestamp()))


def end_sessions(user: User, keep: str | None = None) -> int:
    """End every unexpired session of ``user`` but ``keep``; returns how many ended."""
    ended = 0
    for session, _data in _sessions(user):
        if session.session_key != keep:
            session.delete()
            ended += 1
    return ended
