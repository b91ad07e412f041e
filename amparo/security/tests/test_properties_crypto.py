"""Properties of encryption at rest (issue 7 §2): round trips for any bytes, text and JSON, and a
ciphertext moved to another row, field or model never decrypts (associated data binding).

Examples: AMPARO_PROPERTY_EXAMPLES (default 40 here) per property, derandomized; the database
ones run 15 (each writes rows).
"""

from __future__ import annotations

import math
import os

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from amparo.cases.models import Action, Entry, Subject
from amparo.core.crypto import DecryptionError, Keyring
from amparo.security.fields import associated_data, encrypted_fields
from amparo.security.keys import keyring

COUNT = int(os.environ.get("AMPARO_PROPERTY_EXAMPLES", "40"))
COMMON = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
PURE = settings(max_examples=COUNT, **COMMON)
DB = settings(max_examples=max(COUNT * 3 // 8, 5), **COMMON)
RING = Keyring.generate()

places = st.text(min_size=1, max_size=60)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20,
)


@PURE
@given(data=st.binary(max_size=4096), aad=places)
def test_any_bytes_round_trip_as_a_value_and_as_a_file(data, aad):
    assert RING.decrypt(RING.encrypt(data, aad), aad) == data
    assert RING.decrypt_bytes(RING.encrypt_bytes(data, aad), aad) == data


@PURE
@given(data=st.binary(max_size=512), aad=places, other=places)
def test_a_value_sealed_for_one_place_never_opens_in_another(data, aad, other):
    assume(aad != other)
    with pytest.raises(DecryptionError):
        RING.decrypt(RING.encrypt(data, aad), other)
    with pytest.raises(DecryptionError):
        RING.decrypt_bytes(RING.encrypt_bytes(data, aad), other)


@PURE
@given(token=st.text(max_size=200), aad=places)
def test_any_text_is_refused_as_a_ciphertext_with_decryption_error(token, aad):
    with pytest.raises(DecryptionError):
        RING.decrypt(token, aad)


def _equal(a, b) -> bool:
    """JSON equality where -0.0 == 0.0 and floats compare by value."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=0, abs_tol=0) or a == b
    return a == b


@pytest.mark.django_db
@DB
@given(text=st.text(), aliases=json_values)
def test_text_and_json_fields_round_trip_through_the_database(documenter, text, aliases):
    entry = Entry.objects.create(ref=f"RT-{Entry.objects.count()}", kind="named", title="t")
    entry.notes = text
    entry.save()
    subject = Subject.objects.create(entry=entry, kind="individual", name=text, aliases=aliases)
    assert Entry.objects.get(pk=entry.pk).notes == text
    fresh = Subject.objects.get(pk=subject.pk)
    assert fresh.name == text
    expected = [] if aliases is None else aliases
    assert _equal(fresh.aliases, expected)
    if text:
        raw = Subject.objects.filter(pk=subject.pk).values_list("name", flat=True).get()
        assert raw.startswith("v1:") and raw != text


def _move(model, source: str, source_pk, target: str, target_pk) -> None:
    """Copy a stored ciphertext as it is (the ORM reads and writes it without decrypting)."""
    raw = model.objects.filter(pk=source_pk).values_list(source, flat=True).get()
    assert str(raw).startswith("v1:")
    model.objects.filter(pk=target_pk).update(**{target: str(raw)})


SUBJECT_FIELDS = [f.name for f in encrypted_fields(Subject)]


@pytest.mark.django_db
@DB
@given(
    secret=st.text(min_size=1),
    source=st.sampled_from(SUBJECT_FIELDS),
    target=st.sampled_from(SUBJECT_FIELDS),
    same_row=st.booleans(),
)
def test_a_ciphertext_moved_to_another_row_or_field_fails_to_decrypt(
    secret, source, target, same_row
):
    assume(not (same_row and source == target))
    entry = Entry.objects.create(ref=f"MV-{Entry.objects.count()}", kind="named", title="t")
    value = [secret] if source == "aliases" else secret
    a = Subject.objects.create(entry=entry, kind="individual", **{source: value})
    b = a if same_row else Subject.objects.create(entry=entry, kind="individual")
    _move(Subject, source, a.pk, target, b.pk)
    with pytest.raises(DecryptionError):
        getattr(Subject.objects.get(pk=b.pk), target)


@pytest.mark.django_db
@DB
@given(secret=st.text(min_size=1))
def test_a_ciphertext_moved_to_another_model_fails_to_decrypt(documenter, secret):
    entry = Entry.objects.create(ref=f"MM-{Entry.objects.count()}", kind="named", title="t")
    entry.notes = secret
    entry.save()
    action = Action.objects.create(entry=entry, avenue="senior_official", taken_on="2021-01-01")
    raw = Entry.objects.filter(pk=entry.pk).values_list("notes", flat=True).get()
    Action.objects.filter(pk=action.pk).update(notes=str(raw))
    with pytest.raises(DecryptionError):
        Action.objects.get(pk=action.pk).notes  # noqa: B018 - reading decrypts


@pytest.mark.django_db
def test_the_binding_names_model_field_and_row(documenter):
    entry = Entry.objects.create(ref="AD-1", kind="named", title="t")
    assert associated_data(entry, "notes") == f"cases.entry.notes:{entry.uuid}"
    token = keyring().encrypt(b"x", associated_data(entry, "notes"))
    assert keyring().decrypt(token, f"cases.entry.notes:{entry.uuid}") == b"x"
