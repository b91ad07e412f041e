"""Fuzz the interchange reader (CSV and JSON Lines) and its row checks, without a database.

Property: every input gives rows or Problems; nothing raises (amparo/core/interchange.py).
The first byte chooses the format.
"""

from __future__ import annotations

import io

from _harness import fuzz, instrumented

with instrumented(["amparo.core.interchange", "amparo.core.citations"]):
    from amparo.core import interchange as fmt


def one_input(data: bytes) -> None:
    if not data:
        return
    try:
        text = data[1:].decode("utf-8-sig")
    except UnicodeDecodeError:
        return  # refused by the importer as "not UTF-8" before this parser (fuzz_import)
    stream = io.StringIO(text, newline="")
    records = fmt.read_csv(stream) if data[0] % 2 else fmt.read_jsonl(stream)
    validator = fmt.RowValidator()
    for line, raw in records:
        if isinstance(raw, fmt.Problem):
            str(raw)
            continue
        row, problems = validator.validate(raw, line)
        problems += fmt.parse_confidential(raw.get(fmt.CONFIDENTIAL), line)[1]
        for problem in problems:
            str(problem)
        if row is not None:
            fmt.jsonl_line(fmt.row_record(row, confidential=True))
            fmt.csv_line(fmt.row_record(row))


if __name__ == "__main__":
    fuzz(one_input)
