"""Reads for the referral tools: avenue data (administrators' copy first), directory, due actions."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import DatabaseError
from django.db.models import QuerySet

from amparo.cases.access import entries_for_user
from amparo.cases.models import Action
from amparo.core import directory as directory_data
from amparo.core import reference

# Avenue fields the database keeps in their own columns; the rest lives in `guidance`.
AVENUE_COLUMNS = ("body", "bodies", "to", "cc", "addresses_by_body", "source")


def avenue_data() -> list[dict[str, Any]]:
    """The avenues in the shape of avenues.json, from the administrators' copy when loaded.

    Anyone may call it; avenues hold no personal data. Falls back to the shipped file when the
    database copy is empty or not migrated yet (e.g. `amparo route` before `amparo migrate`).
    """
    from amparo.vocabularies.models import Avenue

    try:
        rows = list(Avenue.objects.all())
    except DatabaseError:
        return reference.avenues()
    if not rows:
        return reference.avenues()
    order = {a["slug"]: i for i, a in enumerate(reference.avenues())}
    rows.sort(key=lambda row: (order.get(row.slug, len(order)), row.slug))
    return [_as_dict(row) for row in rows]


def _as_dict(row: Any) -> dict[str, Any]:
    data = dict(row.guidance or {})
    data.update({name: getattr(row, name) for name in AVENUE_COLUMNS})
    data["slug"] = row.slug
    data["name"] = {"en": row.name_en, "fr": row.name_fr, "es": row.name_es}
    data["hb"] = row.handbook_section
    data["last_verified"] = row.last_verified.isoformat() if row.last_verified else ""
    return data


def treaty_acceptances(country: str | None) -> list[reference.Acceptance]:
    """The State's treaty acceptance records (HB §3.1), from the administrators' copy when loaded.

    Anyone may call it; the records are public facts about States. Falls back to the shipped
    file when the table is empty or not migrated yet, like `avenue_data`.
    """
    from amparo.vocabularies.models import TreatyAcceptance

    if not country:
        return []
    try:
        rows = list(TreatyAcceptance.objects.filter(country_id=country))
    except DatabaseError:
        rows = []
    if not rows:
        return [a for a in reference.treaty_acceptances() if a.country == country]
    return [
        reference.Acceptance(
            country=row.country_id,
            body=row.body,
            procedure=row.procedure,
            status=row.status,
            source=row.source,
            last_verified=row.last_verified.isoformat() if row.last_verified else "",
            note=row.note,
        )
        for row in rows
    ]


def avenue_by_slug(slug: str) -> dict[str, Any] | None:
    """One avenue in the avenues.json shape, or None."""
    return next((a for a in avenue_data() if a["slug"] == slug), None)


def support_directory(need: str = "", kind: str = "") -> dict[str, Any]:
    """The support directory (HB ch.5-6), filtered by need and kind; public data."""
    return directory_data.filtered(need=need, kind=kind)


def actions_due(user: Any, today: datetime.date | None = None) -> QuerySet[Action]:
    """Actions whose follow-up date has come, on entries this staff member may open."""
    today = today or datetime.date.today()
    return (
        Action.objects.filter(reminder_on__lte=today, entry__in=entries_for_user(user))
        .select_related("entry")
        .order_by("reminder_on", "entry__ref")
    )
