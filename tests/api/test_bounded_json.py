"""`bounded_json`: the nesting it measures is the real one (random documents, strings full of
brackets and escapes), malformed deep input is refused before the parser can recurse, and
size and NaN are bounded too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulumi_dynamic_security.bounded_json import JsonLimitError, loads, nesting_exceeds

TRICKY = "[]{}\"\\x"  # JSON text gains escaped quotes and backslashes from these
LEAVES = st.none() | st.booleans() | st.integers() | st.text(TRICKY, max_size=6)
DOCUMENTS = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=2)
    | st.dictionaries(st.text(TRICKY, max_size=3), inner, max_size=2),
    max_leaves=80,
)


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


@settings(max_examples=400, deadline=None, database=None)
@given(DOCUMENTS, st.integers(min_value=0, max_value=12))
def test_the_measured_nesting_is_the_real_one(document: Any, limit: int) -> None:
    text = json.dumps(document)
    assert nesting_exceeds(text, limit) == (depth(document) > limit)


@pytest.mark.parametrize("text", [
    "[" * 3000,  # never closed: the parser would recurse 3,000 times before failing
    "[" * 3000 + "}" * 3000,  # closed by the wrong brackets
    '{"a":' * 3000 + "1" + "}" * 3000,
    "[" * 65 + "]" * 65,
])
def test_deep_input_is_refused_without_recursing(text: str) -> None:
    with pytest.raises(JsonLimitError, match="deeper than 64 levels"):
        loads(text)


def test_exactly_the_limit_is_read() -> None:
    assert loads("[" * 64 + "]" * 64) is not None
    assert loads(b'{"s": "' + b"[" * 1000 + b'"}') == {"s": "[" * 1000}  # brackets in a string


def test_size_and_non_json_constants() -> None:
    with pytest.raises(JsonLimitError, match="larger than 1 KiB"):
        loads(b"[" + b"1," * 600 + b"1]", max_bytes=1024)
    for constant in ("NaN", "Infinity", "-Infinity"):
        with pytest.raises(JsonLimitError, match="not JSON"):
            loads(f'{{"x": {constant}}}')
    with pytest.raises(ValueError):
        loads(b"[1,")  # merely broken: the parser's own error
