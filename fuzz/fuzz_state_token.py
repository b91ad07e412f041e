"""Fuzz the anonymous assessment's state token decoder (amparo/assessments/state.py).

Property: unseal returns a state or raises StateError, for any token a browser could send and
for any payload sealed with the server's key. The first byte chooses which.
"""

from __future__ import annotations

from _harness import django_setup, fuzz, instrumented

django_setup()

from amparo.security.keys import keyring  # noqa: E402

with instrumented(["amparo.assessments.state", "amparo.core.crypto"]):
    from amparo.assessments.state import STATE_AAD, StateError, unseal


def one_input(data: bytes) -> None:
    if not data:
        return
    if data[0] % 2:
        token = data[1:].decode("utf-8", "replace")
    else:
        token = keyring().encrypt(data[1:], aad=STATE_AAD)
    try:
        unseal(token)
    except StateError as exc:
        str(exc)


if __name__ == "__main__":
    fuzz(one_input)
