"""Uploads scanned by ClamAV before anything is kept (ASVS 5.0 5.4.3; docs/adr/0017).

With ``AMPARO_CLAMD`` unset nothing is scanned. When it names a clamd, every evidence file and
every uploaded report is sent to it first, and refused when clamd finds something, when it
cannot be reached or does not answer in time, and when the file is over its StreamMaxLength:
an upload is never kept unchecked (fail closed). The refusal's code tells the view what to
audit; the log line names the signature or the failure, never the file or its uploader.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.checks import Warning, register
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from amparo.core import clamd

log = logging.getLogger(__name__)

FOUND, UNCHECKED, TOO_LARGE = "antivirus_found", "antivirus_unchecked", "antivirus_too_large"


def scan_upload(data: bytes, where: str) -> None:
    """Return when the bytes may be kept (clean, or no scanner configured); ValidationError
    on the ``file`` field otherwise. ``where`` names the kind of upload in the log line."""
    value = settings.AMPARO_CLAMD
    if not value:
        return
    try:
        verdict = clamd.scan(clamd.parse_address(value), data, settings.AMPARO_CLAMD_TIMEOUT)
    except clamd.StreamTooLong:
        log.error("antivirus: %s upload refused: over clamd's StreamMaxLength", where)
        raise _refusal(
            _(
                "The file is larger than the virus scanner accepts, so it could not be checked "
                "and was not accepted. Tell your administrator."
            ),
            TOO_LARGE,
        ) from None
    except clamd.ClamdError as exc:
        log.error("antivirus: %s upload refused: clamd at %s: %s", where, value, exc)
        raise _refusal(
            _(
                "The file could not be checked for viruses, so it was not accepted. Try again "
                "later; if this keeps happening, tell your administrator."
            ),
            UNCHECKED,
        ) from None
    if not verdict.clean:
        log.warning("antivirus: %s upload refused: clamd found %s", where, verdict.signature)
        raise _refusal(
            _(
                "The virus scanner found malicious content in this file (%(signature)s). "
                "It was refused and nothing was kept."
            ),
            FOUND,
            {"signature": verdict.signature},
        )


def _refusal(message: str, code: str, params: dict[str, str] | None = None) -> ValidationError:
    return ValidationError({"file": ValidationError(message, code=code, params=params)})


def audit_detail(error: ValidationError) -> dict[str, str]:
    """What the audit event of a refused upload records about the scan: {} when not refused by it.

    ``{"antivirus": "found", "signature": name}``, ``{"antivirus": "unchecked"}`` or
    ``{"antivirus": "too_large"}``.
    """
    for item in getattr(error, "error_dict", {}).get("file", []):
        if item.code == FOUND:
            return {"antivirus": "found", "signature": item.params["signature"]}
        if item.code in (UNCHECKED, TOO_LARGE):
            return {"antivirus": item.code.removeprefix("antivirus_")}
    return {}


@register("security")
def clamd_in_clear(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """W001 when uploads travel to clamd in clear text over the network (a TCP host not local)."""
    value = settings.AMPARO_CLAMD
    if not value or not clamd.is_remote(clamd.parse_address(value)):
        return []
    return [
        Warning(
            f"AMPARO_CLAMD={value} sends every uploaded file to another machine in clear text "
            "(clamd's protocol has no encryption).",
            hint="Run clamd on this machine (unix:///run/clamav/clamd.ctl), or reach it through "
            "an encrypted tunnel that ends on 127.0.0.1.",
            id="antivirus.W001",
        )
    ]


@register("security", deploy=True)
def clamd_answers(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """W002 (check --deploy) when the configured clamd does not answer: uploads would be refused."""
    value = settings.AMPARO_CLAMD
    if not value:
        return []
    try:
        clamd.ping(clamd.parse_address(value), settings.AMPARO_CLAMD_TIMEOUT)
    except clamd.ClamdError as exc:
        return [
            Warning(
                f"AMPARO_CLAMD={value}: {exc}. Every evidence file and report upload will be "
                "refused until clamd answers.",
                hint="Start clamd (with a signature database, kept current by freshclam), or "
                "unset AMPARO_CLAMD to accept uploads without a virus scan.",
                id="antivirus.W002",
            )
        ]
    return []
