"""Why a report could not be read is told in the reader's language (issue 6)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from amparo.sgreports.failures import failure_text

READER = Path(__file__).resolve().parents[2] / "core" / "sgreport.py"
SERVICES = Path(__file__).resolve().parents[1] / "services.py"


def _sample(text: ast.expr) -> str | None:
    """A string literal as it is; an f-string with a sample value in place of each {…}."""
    if isinstance(text, ast.Constant) and isinstance(text.value, str):
        return text.value
    if isinstance(text, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) else "ValueError" for v in text.values
        )
    return None


def sentences_raised() -> list[str]:
    """Each sentence the reader raises as ReportFormatError, and each `error=` the import
    service writes to a batch itself."""
    found = []
    for node in ast.walk(ast.parse(READER.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ReportFormatError":
            found += [t for a in node.args if (t := _sample(a))]
    for node in ast.walk(ast.parse(SERVICES.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            found += [t for k in node.keywords if k.arg == "error" and (t := _sample(k.value))]
    return found


def test_every_sentence_the_reader_raises_is_translated():
    sentences = sentences_raised()
    assert len(sentences) >= 7, sentences
    for language in ("fr", "es"):
        with translation.override(language):
            for sentence in sentences:
                translated = failure_text(sentence)
                assert translated != sentence, (language, sentence)
                assert "ValueError" in translated or "ValueError" not in sentence


@pytest.mark.parametrize(
    ("error", "french"),
    [
        ("the PDF is encrypted; save an unprotected copy first", "mot de passe"),
        ("the file is not a readable PDF (PdfReadError)", "(PdfReadError)"),
        ("statement.docx is neither a PDF nor UTF-8 text", "statement.docx"),
        ("the file is a binary file, not text", "Le fichier"),
    ],
)
def test_known_sentences_read_in_french_with_their_values(error, french):
    with translation.override("fr"):
        text = failure_text(error)
    assert french in text and text != error


def test_an_unknown_sentence_is_shown_as_it_is():
    assert failure_text("something new went wrong") == "something new went wrong"


def test_the_upload_form_tells_why_in_the_page_language(reports, documenter_client):
    upload = SimpleUploadedFile("r.pdf", b"%PDF-1.4 junk", content_type="application/pdf")
    response = documenter_client.post(
        reverse("sgreports:upload") + "?lang=es",
        {"report": "A/HRC/99/10", "file": upload},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 200
    assert "El archivo no es un PDF legible" in response.content.decode()
