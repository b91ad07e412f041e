"""The form renderer: Django's own widget templates through Jinja2, everything else as before.

A form widget is a template per widget and per choice: the entry form's country list alone is
some 250 option templates. Through Django's template engine that made the edit page cost about
100 ms of CPU on our 2-core machine; Django ships a Jinja2 copy of every built-in widget and form
template (django/forms/jinja2), which renders the same HTML at about half the cost (ADR 0020).
Templates Django has no Jinja2 copy of (the admin's widgets) keep the Django engine.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class FormRenderer(BaseRenderer):
    """Jinja2 for the templates it has, the Django engine for the rest."""

    def __init__(self) -> None:
        self.jinja2 = Jinja2()
        self.django = DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        try:
            return self.jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self.django.get_template(template_name)
