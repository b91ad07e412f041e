"""iCalendar (RFC 5545) text written by hand: CRLF line ends, lines folded at 75 octets."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from amparo.sgreports.queries import CalendarEvent


def escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, never splitting a character."""
    pieces, current, size = [], "", 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def calendar(events: Iterable[CalendarEvent], now: datetime.datetime) -> str:
    """A VCALENDAR of all-day events."""
    stamp = now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Amparo//Reprisals Report tracker//EN",
        "CALSCALE:GREGORIAN",
        "X-WR-CALNAME:Amparo",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{event.day + datetime.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape(event.description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
