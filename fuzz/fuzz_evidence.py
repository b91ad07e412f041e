"""Fuzz evidence uploads (amparo/cases/evidence.py): type sniffing, then metadata stripping.

Property: check_content and strip_metadata accept a file or raise ValidationError (the clear
message the upload form shows); nothing else escapes, nothing hangs.
"""

from __future__ import annotations

from _harness import django_setup, fuzz, instrumented

django_setup()

from django.core.exceptions import ValidationError  # noqa: E402

with instrumented(["amparo.cases.evidence"]):
    from amparo.cases import evidence


def one_input(data: bytes) -> None:
    if not data:
        return
    try:
        content_type = evidence.check_content(data)
        evidence.strip_metadata(data, content_type)
    except ValidationError as exc:
        str(exc)


if __name__ == "__main__":
    fuzz(one_input)
