"""Property: each parser answers any input with a result or its documented error (issue 7 §2).

The in-suite half of the fuzzing: Hypothesis feeds arbitrary text, bytes and JSON to each parser,
and every input kept in fuzz/corpus/ (seeds, and the inputs that once crashed a parser, named
``regression-*``) is replayed. The atheris harnesses in fuzz/ (``scripts/security/30-fuzz``)
search much further with coverage guidance. Examples: AMPARO_PROPERTY_EXAMPLES (default 40
here) per property, derandomized.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from amparo.assessments.state import STATE_AAD, StateError, unseal
from amparo.cases import evidence
from amparo.config.command_input import read_json_argument
from amparo.core import interchange as fmt
from amparo.core import referral, risk, sgreport
from amparo.core.citations import CitationError, format_citation, parse_citation
from amparo.security.keys import keyring

CORPUS = Path(__file__).resolve().parents[3] / "fuzz" / "corpus"
EXAMPLES = settings(
    max_examples=int(os.environ.get("AMPARO_PROPERTY_EXAMPLES", "40")),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
SAMPLE_KEYS = ["country", "bodies", "threats", "perpetrators", "urgent", "previous_citation"]
json_objects = st.dictionaries(st.sampled_from(SAMPLE_KEYS) | st.text(max_size=8), json_values)


def corpus(name: str) -> list[bytes]:
    return [p.read_bytes() for p in sorted((CORPUS / name).iterdir()) if p.is_file()]


def read_interchange(text: str, kind: str) -> None:
    """What `amparo import` does with a file's text before touching the database."""
    stream = fmt.read_csv(text.splitlines(keepends=True)) if kind == "csv" else None
    stream = stream or fmt.read_jsonl(text.splitlines(keepends=True))
    validator = fmt.RowValidator()
    for line, raw in stream:
        if isinstance(raw, fmt.Problem):
            str(raw)
            continue
        row, problems = validator.validate(raw, line)
        problems += fmt.parse_confidential(raw.get(fmt.CONFIDENTIAL), line)[1]
        assert all(str(p) for p in problems)
        if row is not None:
            fmt.csv_line(fmt.row_record(row))


@EXAMPLES
@given(text=st.text(), kind=st.sampled_from(["csv", "jsonl"]))
@example(text="ref,kind,title,country,year\nX,named,T,COL,²\n", kind="csv")
@example(
    text='{"ref": "X", "kind": "named", "title": "T", "country": "COL", "year": "²"}', kind="jsonl"
)
@example(text="[" * 5000, kind="jsonl")
@example(text='{"ref": "X", "year": ' + "9" * 5000 + "}", kind="jsonl")
def test_the_interchange_reader_answers_rows_or_problems(text, kind):
    read_interchange(text, kind)


@EXAMPLES
@given(rows=st.lists(json_objects, max_size=4))
def test_the_interchange_reader_takes_any_json_object(rows):
    read_interchange("".join(json.dumps(r) + "\n" for r in rows), "jsonl")


@pytest.mark.parametrize("data", corpus("interchange"))
def test_the_interchange_corpus(data):
    text = data[1:].decode("utf-8-sig", "replace")
    read_interchange(text, "csv" if data[0] % 2 else "jsonl")


@EXAMPLES
@given(text=st.text())
@example(text="A/HRC/57/60 annex I para 45")
@example(text="A/HRC/57/60 para ²")
def test_a_citation_parses_or_says_why_and_survives_a_round_trip(text):
    try:
        citation = parse_citation(text)
    except CitationError:
        return
    assert parse_citation(format_citation(citation.symbol, citation.annex, citation.paragraph)) == (
        citation
    )


@EXAMPLES
@given(text=st.text())
@example(text="(A/HRC/39/41, paras. 12-14 and ²)")
def test_earlier_citations_never_raise(text):
    sgreport.earlier_citations(text)


def read_report(data: bytes) -> None:
    try:
        text = sgreport.read_report(data, "report")
    except sgreport.ReportFormatError:
        return
    for extraction in sgreport.extract(text, "A/HRC/57/60"):
        extraction.as_dict()


@EXAMPLES
@given(data=st.binary() | st.text().map(str.encode))
@example(data=b"%PDF-1.4\n%%EOF")
@example(data="Annex I\nBahrain\n1-² On 3 March".encode())
def test_a_report_reads_or_raises_report_format_error(data):
    read_report(data)


@pytest.mark.parametrize("data", corpus("sgreport"))
def test_the_report_corpus(data):
    read_report(data)


def check_upload(data: bytes) -> None:
    try:
        evidence.strip_metadata(data, evidence.check_content(data))
    except ValidationError:
        pass


@EXAMPLES
@given(data=st.binary(min_size=1))
@example(data=b"%PDF-1.7\ntrailer\n<< >>\n%%EOF")
@example(data=b"PK\x03\x04" + b"\x00" * 40)
def test_an_upload_is_accepted_or_refused_with_a_message(data):
    check_upload(data)


@pytest.mark.parametrize("data", corpus("evidence"))
def test_the_upload_corpus(data):
    check_upload(data)


def command_input(tmp_path: Path, data: bytes) -> None:
    """`amparo assess` and `amparo route` reading the same file."""
    path = tmp_path / "input.json"
    path.write_bytes(data)
    try:
        raw = read_json_argument(str(path))
    except CommandError:
        return
    try:
        risk.report(risk.parse_input(raw), {})
    except risk.RiskInputError:
        pass
    try:
        referral.as_json(referral.route(referral.parse_answers(raw)))
    except referral.AnswerError:
        pass


@EXAMPLES
@given(raw=json_objects | json_values)
def test_assess_and_route_take_any_json(tmp_path, raw):
    command_input(tmp_path, json.dumps(raw).encode())


@EXAMPLES
@given(data=st.binary())
@example(data=b"[" * 100_000)
@example(data=b"1" * 5000)
def test_assess_and_route_take_any_file(tmp_path, data):
    command_input(tmp_path, data)


@pytest.mark.parametrize("data", corpus("command_input"))
def test_the_command_input_corpus(tmp_path, data):
    command_input(tmp_path, data)


def unseal_input(data: bytes) -> None:
    if not data:
        return
    token = data[1:].decode("utf-8", "replace")
    if not data[0] % 2:
        token = keyring().encrypt(data[1:], aad=STATE_AAD)
    try:
        unseal(token)
    except StateError:
        pass


@EXAMPLES
@given(token=st.text())
@example(token="v1:" + "k" * 9 + ":" + "A" * 40)
def test_any_state_token_unseals_or_raises_state_error(token):
    unseal_input(b"\x01" + token.encode("utf-8", "surrogatepass"))


@EXAMPLES
@given(payload=json_values | st.fixed_dictionaries({"iat": json_values, "state": json_values}))
@example(payload={"iat": 1e400, "state": {}})
def test_any_sealed_payload_unseals_or_raises_state_error(payload):
    unseal_input(b"\x00" + json.dumps(payload).encode())


@pytest.mark.parametrize("data", corpus("state_token"))
def test_the_state_token_corpus(data):
    unseal_input(data)
