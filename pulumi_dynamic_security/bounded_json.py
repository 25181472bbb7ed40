"""Reading JSON from outside (API answers) within bounds on size and nesting.

Python's parser recurses once per level of nesting: a few thousand levels raise
RecursionError (not ValueError), and a document that parses near the limit still breaks the
code that walks it afterwards (copies, diffs). `loads` measures the nesting before parsing,
without recursing and at C speed (strings dropped, then the innermost bracket pairs removed
one level per pass), and refuses what is too deep or too large with `JsonLimitError`, a
`ValueError` that says which bound was passed. JSON's non-standard `NaN` and `Infinity` are
refused too.

    loads(data, max_depth=64, max_bytes=8 * 1024 * 1024)
"""

from __future__ import annotations

import json
import re
from typing import Any

DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_BYTES = 8 * 1024 * 1024

# Deletes every ASCII character but brackets (outside strings, valid JSON holds only ASCII).
_BRACKETS_ONLY = {code: None for code in range(128) if chr(code) not in "[]{}"}
_INNERMOST = re.compile(r"\[\]|\{\}")


class JsonLimitError(ValueError):
    """A JSON document past a bound (too deep, too large) or not standard JSON."""


def describe_size(count: int) -> str:
    """`8 MiB`, `512 KiB` or `100 bytes`."""
    for unit, size in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count} bytes"


def _openings(brackets: str) -> int:
    return brackets.count("[") + brackets.count("{")


def nesting_exceeds(text: str, max_depth: int) -> bool:
    """Whether the arrays and objects of `text` nest deeper than `max_depth` (a malformed
    document counts every bracket it could still open, so its parser cannot recurse past it)."""
    if _openings(text) <= max_depth:  # even counting brackets inside strings, too few
        return False
    # Without escaped backslashes and quotes, every `"` left opens or closes a string: the
    # even pieces between them are the text outside strings.
    unescaped = text.replace("\\\\", "").replace('\\"', "")
    brackets = "".join(unescaped.split('"')[::2]).translate(_BRACKETS_ONLY)
    if _openings(brackets) <= max_depth:  # too few brackets to nest that deep
        return False
    for level in range(max_depth):
        reduced = _INNERMOST.sub("", brackets)
        if not reduced:
            return False
        if reduced == brackets:  # unbalanced: the parser fails, after how many levels?
            return level + _openings(brackets) > max_depth
        brackets = reduced
    return True


def _refuse_constant(name: str) -> Any:
    raise JsonLimitError(f"holds {name}, which is not JSON")


def loads(
    data: bytes | str,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> Any:
    """The JSON value in `data` (bytes in UTF-8, -16 or -32, or text).

    JsonLimitError past a bound; ValueError (json.JSONDecodeError, UnicodeDecodeError) when
    `data` is not JSON."""
    if max_bytes is not None and len(data) > max_bytes:
        raise JsonLimitError(f"is larger than {describe_size(max_bytes)}")
    text = data.decode(json.detect_encoding(data)) if isinstance(data, bytes) else data
    if nesting_exceeds(text, max_depth):
        raise JsonLimitError(f"nests arrays or objects deeper than {max_depth} levels")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:  # cannot happen within the depth bound; kept as the last guard
        raise JsonLimitError(f"nests arrays or objects deeper than {max_depth} levels") from None
