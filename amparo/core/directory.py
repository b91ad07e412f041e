"""The support directory (HB ch.5 diplomatic missions, ch.6 NGOs) as plain Python."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from amparo.core.reference import DATA_DIR


@cache
def directory() -> dict[str, Any]:
    """The whole of amparo/data/directory.json."""
    return json.loads((DATA_DIR / "directory.json").read_text(encoding="utf-8"))


def need_slugs() -> tuple[str, ...]:
    return tuple(n["slug"] for n in directory()["needs"])


def audience_slugs() -> tuple[str, ...]:
    return tuple(a["slug"] for a in directory()["audiences"])


def filtered(*, need: str = "", kind: str = "") -> dict[str, Any]:
    """Missions and NGOs offering `need` (all when empty); `kind` is `missions`, `ngos` or ''.

    Unknown filter values raise ValueError naming the allowed values.
    """
    if need and need not in need_slugs():
        raise ValueError(f"need: {need!r} is not one of: {', '.join(need_slugs())}")
    if kind not in ("", "missions", "ngos"):
        raise ValueError(f"kind: {kind!r} is not one of: missions, ngos")
    data = directory()

    def keep(items: list[dict[str, Any]], section: str) -> list[dict[str, Any]]:
        if kind and kind != section:
            return []
        return [i for i in items if not need or need in i["help"]]

    return {
        "missions": keep(data["missions"]["items"], "missions"),
        "ngos": keep(data["ngos"]["items"], "ngos"),
    }
