"""Fuzz the JSON input of `amparo assess` and `amparo route` (amparo/config/command_input.py).

Property: the file gives data or CommandError; the data gives an assessment or RiskInputError,
and answers or AnswerError; whatever parses is scored and routed without raising.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from _harness import django_setup, fuzz, instrumented

django_setup()

from django.core.management.base import CommandError  # noqa: E402

with instrumented(["amparo.config.command_input", "amparo.core.risk", "amparo.core.referral"]):
    from amparo.config.command_input import read_json_argument
    from amparo.core import reference, referral, risk

from amparo.assessments.queries import country_record_for_output  # noqa: E402

PATH = Path(tempfile.mkdtemp(prefix="fuzz-input-")) / "input.json"


def one_input(data: bytes) -> None:
    PATH.write_bytes(data)
    try:
        raw = read_json_argument(str(PATH))
    except CommandError as exc:
        str(exc)
        return
    try:
        parsed = risk.parse_input(raw)
    except risk.RiskInputError as exc:
        str(exc)
    else:
        risk.report(parsed, country_record_for_output(parsed.country))
    try:
        answers = referral.parse_answers(raw)
    except referral.AnswerError as exc:
        str(exc)
    else:
        referral.as_json(referral.route(answers, reference.avenues()))


if __name__ == "__main__":
    fuzz(one_input)
