"""Canonical JSON stays the text every recorded fingerprint, raw key and seal was taken over."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.canonical import canonical_json, canonical_sha256

VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_the_text_is_json_dumps_with_sorted_keys_and_no_spaces(value: Any) -> None:
    written = json.dumps(value, sort_keys=True, separators=(",", ":"))
    assert canonical_json(value) == written
    assert canonical_sha256(value) == hashlib.sha256(written.encode()).hexdigest()


def test_a_known_value_keeps_its_digest() -> None:
    value = {"b": [1, 2.5, None], "a": "Ærø", "c": {"y": True, "x": "x"}}
    assert (
        canonical_json(value) == '{"a":"\\u00c6r\\u00f8","b":[1,2.5,null],"c":{"x":"x","y":true}}'
    )
