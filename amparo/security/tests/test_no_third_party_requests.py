"""No template or static file makes the browser fetch anything from another host."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]
SCANNED = [PACKAGE / "templates", PACKAGE / "static"]
TEXT_SUFFIXES = {".html", ".txt", ".css", ".js", ".svg", ".xml", ".json", ".webmanifest"}

# A URL in a place the browser loads or follows: an attribute, a CSS url() or @import, or a
# fetch in a script. Protocol-relative //host counts; plain text (an e-mail address) does not.
REMOTE = re.compile(
    r"""(?ix)
    (?:\b(?:src|href|action|poster|data|srcset|formaction|content)\s*=\s*["']?\s*
      | url\(\s*["']?
      | @import\s+["']
      | \bfetch\(\s*["'])
    (?:[a-z][a-z0-9+.-]*:)?//[^\s"')]+
    """
)
ALLOWED = ("http://www.w3.org/",)  # XML namespaces name, they are never fetched


def is_licence(path: Path) -> bool:
    return path.name.upper().startswith(("LICENSE", "LICENCE", "COPYING", "NOTICE"))


def scanned_files() -> list[Path]:
    files = []
    for root in SCANNED:
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in TEXT_SUFFIXES and not is_licence(path):
                files.append(path)
    return files


def remote_references(text: str) -> list[str]:
    found = []
    for match in REMOTE.finditer(text):
        url = match.group(0)
        if "xmlns" in text[max(0, match.start() - 10) : match.start() + 6]:
            continue
        if any(allowed in url for allowed in ALLOWED) and "xmlns" in url:
            continue
        found.append(url)
    return found


def test_there_are_files_to_scan():
    names = {p.name for p in scanned_files()}
    assert {"base.html", "amparo.css"} <= names


@pytest.mark.parametrize("path", scanned_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_file_loads_nothing_from_another_host(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    text = re.sub(r"""xmlns(:\w+)?=["']http://www\.w3\.org/[^"']*["']""", "", text)
    assert remote_references(text) == []


@pytest.mark.parametrize(
    ("snippet", "remote"),
    [
        ('<script src="https://cdn.example.org/x.js"></script>', True),
        ('<link href="//fonts.example.com/css" rel="stylesheet">', True),
        ("body { background: url('https://img.example.org/a.png') }", True),
        ("@import 'http://example.org/a.css';", True),
        ('<a href="/cases/">x</a>', False),
        ("<p>Write to ohchr-reprisals@un.org or see https://www.ohchr.org in print.</p>", False),
        ("<img src=\"{% static 'amparo/favicon.svg' %}\">", False),
    ],
)
def test_the_scanner_tells_remote_from_local(snippet, remote):
    assert bool(remote_references(snippet)) is remote
