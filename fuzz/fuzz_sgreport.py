"""Fuzz the Reprisals Report reader (amparo/core/sgreport.py): PDF or text, then extraction.

Property: read_report gives text or raises ReportFormatError; extract never raises.
"""

from __future__ import annotations

from _harness import fuzz, instrumented

with instrumented(["amparo.core.sgreport", "amparo.core.citations"]):
    from amparo.core import sgreport


def one_input(data: bytes) -> None:
    try:
        text = sgreport.read_report(data, "report.txt")
    except sgreport.ReportFormatError as exc:
        str(exc)
        return
    for extraction in sgreport.extract(text, "A/HRC/57/60"):
        extraction.as_dict()


if __name__ == "__main__":
    fuzz(one_input)
