"""Load at start-up what a web process would otherwise load on its first requests.

A new process imports the views behind the URL configuration, reads the translation catalogs
and compiles each template the first time a page needs them: about 0.35 s for the first sign-in
page on our 2-core machine, and more for each new page after it. Without this, every worker of
a freshly started (or restarted) server charges that to the first visitors it serves, at the
moment when a busy server can least afford it (issue 7 §4, ADR 0022).

The WSGI and ASGI entry points call :func:`warm` once, before the server accepts a request. It
never touches the database: a server may load the application in a parent process and fork its
workers from it, and a database connection must not be shared across a fork.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.forms.renderers import get_default_renderer
from django.template.loader import get_template
from django.urls import get_resolver, reverse
from django.utils import translation

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_SUFFIXES = (".html", ".txt", ".xml", ".svg")


@dataclass(frozen=True)
class Warmed:
    languages: int
    url_patterns: int
    templates: int
    form_templates: int


def amparo_templates() -> list[str]:
    """Names of the templates Amparo ships (project and apps), as the template engine finds them."""
    names: set[str] = set()
    for folder in PACKAGE_DIR.glob("**/templates"):
        names.update(
            path.relative_to(folder).as_posix()
            for path in folder.rglob("*")
            if path.suffix in TEMPLATE_SUFFIXES and path.is_file()
        )
    return sorted(names)


def warm() -> Warmed:
    """Import every view, read every catalog, compile every template of ours and the form widgets'.

    A template that does not compile raises here, so a broken template stops the server at
    start-up instead of failing a visitor.
    """
    resolver = get_resolver()
    patterns = len(resolver.url_patterns)  # imports each app's urls and views
    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # reads the language's catalogs
            reverse("home")  # and builds its reverse lookup table
    names = amparo_templates()
    for name in names:
        get_template(name)  # kept by the template engine's cached loader (DEBUG off)
    renderer = get_default_renderer()
    form_templates = 0
    jinja2 = getattr(renderer, "jinja2", None)  # our FormRenderer (ADR 0020)
    if jinja2 is not None:
        for name in jinja2.engine.env.list_templates():
            if name.startswith("django/forms/"):
                renderer.get_template(name)
                form_templates += 1
    connections.close_all()  # nothing above should have opened one; none may cross a fork
    return Warmed(len(settings.LANGUAGES), patterns, len(names), form_templates)
