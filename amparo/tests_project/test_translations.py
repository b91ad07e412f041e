"""French and Spanish catalogues: complete, compiled, in step with the source, and used by pages.

The source scan below is a light stand-in for ``makemessages``: Python files are read with
``ast`` (gettext calls with literal arguments), templates with regular expressions
({% translate %}, {% blocktranslate %} including ``count``/``context``/``trimmed``, and
``_("...")`` filter arguments). Messages built at run time from variables cannot be found
this way and are not checked here; ``make messages`` remains the authority.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

PACKAGE = Path(__file__).resolve().parent.parent
LOCALE = PACKAGE / "locale"
LANGUAGES = ("fr", "es")
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);", "es": "nplurals=2; plural=(n != 1);"}

GETTEXT_CALLS = {
    "_": ("msgid",),
    "gettext": ("msgid",),
    "gettext_lazy": ("msgid",),
    "gettext_noop": ("msgid",),
    "ngettext": ("msgid", "plural"),
    "ngettext_lazy": ("msgid", "plural"),
    "pgettext": ("context", "msgid"),
    "pgettext_lazy": ("context", "msgid"),
    "npgettext": ("context", "msgid", "plural"),
    "npgettext_lazy": ("context", "msgid", "plural"),
}
PLACEHOLDER = re.compile(r"%(?:\([a-zA-Z_][a-zA-Z0-9_]*\))?[sdif%]")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def po_file(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def mo_file(language: str) -> polib.MOFile:
    return polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))


def translations(catalogue: polib.POFile | polib.MOFile) -> dict[tuple, object]:
    """(context, msgid, plural) -> the translation(s), for comparing catalogues."""
    table: dict[tuple, object] = {}
    for entry in catalogue:
        if entry.obsolete or not entry.msgid:
            continue
        key = (entry.msgctxt or None, entry.msgid, entry.msgid_plural or None)
        if entry.msgid_plural:
            table[key] = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
        else:
            table[key] = entry.msgstr
    return table


def is_scanned(path: Path) -> bool:
    """The files makemessages reads: the same --ignore patterns as ``make messages``."""
    parts = path.relative_to(PACKAGE).parts
    return not any(p == "tests" or p.startswith("tests_") or p.startswith(".") for p in parts)


def python_messages(path: Path) -> set[tuple]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        roles = GETTEXT_CALLS.get(name or "")
        if not roles or len(node.args) < len(roles):
            continue
        values = [getattr(arg, "value", None) for arg in node.args[: len(roles)]]
        if not all(isinstance(v, str) for v in values):
            continue
        named = dict(zip(roles, values, strict=True))
        found.add((named.get("context"), named["msgid"], named.get("plural")))
    return found


STRING = r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
TRANSLATE_TAG = re.compile(
    r"{%\s*trans(?:late)?\s+" + STRING + r"(?:\s+noop)?(?:\s+context\s+" + STRING + r")?[^%]*%}"
)
UNDERSCORE = re.compile(r"\b_\(" + STRING + r"\)")
BLOCK = re.compile(
    r"{%\s*blocktrans(?:late)?\b(.*?)%}(.*?){%\s*endblocktrans(?:late)?\s*%}", re.DOTALL
)
COMMENTS = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.DOTALL)


def unquote(*groups: str | None) -> str | None:
    for group in groups:
        if group is not None:
            return re.sub(r"\\(.)", r"\1", group)
    return None


def block_text(body: str, trimmed: bool) -> str:
    """A blocktranslate body as the msgid makemessages gives it (% doubled, {{ v }} -> %(v)s)."""
    body = body.replace("%", "%%")
    body = re.sub(r"{{\s*(\w+)\s*}}", r"%(\1)s", body)
    if trimmed:
        body = " ".join(line.strip() for line in body.splitlines() if line.strip())
    return body


def template_messages(path: Path) -> set[tuple]:
    text = COMMENTS.sub("", path.read_text(encoding="utf-8"))
    found = set()
    for m in TRANSLATE_TAG.finditer(text):
        found.add((unquote(m.group(3), m.group(4)), unquote(m.group(1), m.group(2)), None))
    for m in UNDERSCORE.finditer(text):
        found.add((None, unquote(m.group(1), m.group(2)), None))
    for m in BLOCK.finditer(text):
        options, body = m.group(1), m.group(2)
        context = re.search(r"\bcontext\s+" + STRING, options)
        singular, *plural = re.split(r"{%\s*plural\s*%}", body, maxsplit=1)
        trimmed = "trimmed" in options.split()
        found.add(
            (
                unquote(context.group(1), context.group(2)) if context else None,
                block_text(singular, trimmed),
                block_text(plural[0], trimmed) if plural else None,
            )
        )
    return found


def source_messages() -> set[tuple]:
    found: set[tuple] = set()
    for path in PACKAGE.rglob("*.py"):
        if is_scanned(path) and "migrations" not in path.parts:
            found |= python_messages(path)
    for path in PACKAGE.rglob("*.html"):
        if is_scanned(path):
            found |= template_messages(path)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    catalogue = po_file(language)
    assert catalogue.metadata["Plural-Forms"] == PLURAL_FORMS[language]
    assert catalogue.metadata["Language"] == language
    assert len(catalogue) > 500
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert [e.msgid for e in catalogue.obsolete_entries()] == []
    for entry in catalogue:
        if entry.msgid_plural:
            assert all(entry.msgstr_plural.get(i) for i in (0, 1)), entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_placeholders_and_html(language):
    for entry in po_file(language):
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        targets = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        wanted = sorted(PLACEHOLDER.findall(sources[-1]))
        for target in targets:
            assert sorted(PLACEHOLDER.findall(target)) == wanted, (entry.msgid, target)
            assert sorted(HTML_TAG.findall(target)) == sorted(HTML_TAG.findall(entry.msgid))
            assert target.startswith(" ") == entry.msgid.startswith(" "), entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_po_file(language):
    # Contents, not modification times: a git checkout does not keep mtimes.
    assert translations(mo_file(language)) == translations(po_file(language))


def test_the_source_scan_finds_template_and_python_messages():
    found = source_messages()
    assert (None, "Sign in", None) in found
    assert (None, "%(counter)s entry", "%(counter)s entries") in found
    assert (None, "%(label)s: %(n)s (%(percent)s %% of %(whole)s)", None) in found
    assert (None, "No single e-mail address", None) in found
    assert ("verb", "Open", None) in found


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_marked_string_is_missing_from_the_catalogue(language):
    known = {(key[0], key[1]): key[2] for key in translations(po_file(language))}
    missing = sorted(
        (str(ctx), msgid)
        for ctx, msgid, plural in source_messages()
        if (ctx, msgid) not in known or (plural and known[(ctx, msgid)] != plural)
    )
    assert missing == [], "run `make messages` and translate these"


@pytest.mark.parametrize(
    ("language", "english", "translated"),
    [("fr", "Sign in", "Se connecter"), ("es", "Sign in", "Iniciar sesión")],
)
def test_django_loads_the_compiled_catalogues(language, english, translated):
    with translation.override(language):
        assert translation.gettext(english) == translated
        assert translation.ngettext("%(counter)s entry", "%(counter)s entries", 2) != (
            "%(counter)s entries"
        )


@pytest.mark.django_db
def test_staff_list_speaks_french_to_a_french_browser(admin_client):
    response = admin_client.get("/cases/", HTTP_ACCEPT_LANGUAGE="fr")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nouvelle entrée" in body
    assert "New entry" not in body


@pytest.mark.django_db
def test_portal_home_speaks_french_when_asked_with_lang(anonymous_client):
    body = anonymous_client.get("/?lang=fr").content.decode()
    english = anonymous_client.get("/").content.decode()
    assert "Base de données publique" in body
    assert "Public database" not in body
    assert "Public database" in english
