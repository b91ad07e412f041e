"""The plan as a PDF: WeasyPrint renders our own template and stylesheet, and may fetch nothing."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from amparo.assessments import wizard

# WeasyPrint narrates every step at INFO; nothing there is worth a log line.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

PDF_CSS = Path(settings.PACKAGE_DIR) / "static" / "assessments" / "plan-pdf.css"


class PdfUnavailable(Exception):
    """WeasyPrint or the system libraries it needs (Pango) are not installed here."""


class FetchRefused(Exception):
    """WeasyPrint asked for a resource; the PDF must not depend on any."""


def refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise FetchRefused(url)


def plan_pdf(state: dict[str, Any]) -> bytes:
    """The finished plan as PDF bytes, in the active language."""
    try:  # imported here: it loads Pango, which no other page needs
        from weasyprint import CSS, HTML
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(exc.__class__.__name__) from None

    context = wizard.page_context("done", state, None)
    context["state"] = state
    html = render_to_string("assessments/plan_pdf.html", context)
    stylesheet = CSS(string=PDF_CSS.read_text(encoding="utf-8"), url_fetcher=refuse_fetch)
    document = HTML(string=html, base_url=str(PDF_CSS.parent), url_fetcher=refuse_fetch)
    return document.write_pdf(stylesheets=[stylesheet])
