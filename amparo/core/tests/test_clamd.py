"""The clamd address: two written forms, and which of them leave the machine.

The protocol itself is tested against a real clamd in amparo/security/tests/test_antivirus.py.
"""

from __future__ import annotations

import pytest

from amparo.core import clamd


@pytest.mark.parametrize(
    ("value", "address", "remote"),
    [
        ("unix:///run/clamav/clamd.ctl", "/run/clamav/clamd.ctl", False),
        ("tcp://127.0.0.1:3310", ("127.0.0.1", 3310), False),
        ("tcp://127.8.0.1:3310", ("127.8.0.1", 3310), False),
        ("tcp://localhost:3310", ("localhost", 3310), False),
        ("tcp://[::1]:3310", ("::1", 3310), False),
        ("tcp://10.0.0.7:3310", ("10.0.0.7", 3310), True),
        ("tcp://[2001:db8::7]:3310", ("2001:db8::7", 3310), True),
        ("tcp://clamd.internal:3310", ("clamd.internal", 3310), True),
    ],
)
def test_an_address_is_read_and_placed(value, address, remote):
    assert clamd.parse_address(value) == address
    assert clamd.is_remote(address) is remote


@pytest.mark.parametrize(
    "value",
    [
        "/run/clamav/clamd.ctl",
        "unix://run/clamav/clamd.ctl",
        "clamd.internal:3310",
        "tcp://clamd.internal",
        "tcp://:3310",
        "tcp://clamd.internal:0",
        "tcp://clamd.internal:65536",
        "udp://clamd.internal:3310",
    ],
)
def test_any_other_form_is_refused_with_the_expected_forms(value):
    with pytest.raises(ValueError, match=r"unix:///path/to/clamd.ctl or tcp://host:port"):
        clamd.parse_address(value)
