"""What a YAML scalar of a policy file means: YAML 1.2's core schema, nothing more.

A plain (unquoted) scalar resolves as in YAML 1.2's core schema, not PyYAML's YAML 1.1
default: only `true`/`false` (any capitalization YAML allows) are booleans, so `yes`, `on`,
`n` and `off` stay text, and the policy models then refuse them where a boolean belongs;
`010` is the integer 10, not octal; `2027-03-31` is a date. A quoted or block scalar is always
text. Tags are refused before a scalar gets here (`compose.py`), so nothing can ask for
another type.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml
from yaml.nodes import ScalarNode

_TAG = "tag:yaml.org,2002:"
_BOOL = re.compile(r"(?:true|True|TRUE|false|False|FALSE)")
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)")
_NULL = re.compile(r"~|null|Null|NULL|")
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?"
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAY_RESOLVE = frozenset("tTfF-+0123456789.~nN")  # the first characters of non-text scalars
MAX_NUMBER_LENGTH = 100
_TIMESTAMPS = yaml.constructor.SafeConstructor()


class ScalarProblem(Exception):
    """A scalar that cannot be a policy value (the composer adds its line)."""


def resolve(text: str, *, plain: bool) -> Any:
    """The value of scalar `text`: `plain` when it was written without quotes."""
    if not plain or (text and text[0] not in _MAY_RESOLVE):
        return joined(text)
    if _NULL.fullmatch(text):
        return None
    if _BOOL.fullmatch(text):
        return text.lower() == "true"
    if _INT.fullmatch(text):
        return _number(text, integer=True)
    if _FLOAT.fullmatch(text):
        return _number(text, integer=False)
    if _TIMESTAMP.fullmatch(text):
        return _timestamp(text)
    return joined(text)


def _number(text: str, *, integer: bool) -> int | float:
    if len(text) > MAX_NUMBER_LENGTH:
        # Longer numbers are no setting, and a hexadecimal one of a few thousand digits
        # converts fine but cannot be printed back in an error message.
        raise ScalarProblem(f"has a number too long to be a setting ({len(text)} digits)")
    try:
        if not integer:
            return float(text.replace(".", "", 1) if _SPECIAL_FLOAT.fullmatch(text) else text)
        return int(text, 0) if text[:2] in ("0o", "0x") else int(text)
    except ValueError:  # e.g. more digits than Python converts
        raise ScalarProblem(
            f"has a number too long to be a setting ({len(text)} digits)"
        ) from None


def _timestamp(text: str) -> Any:
    try:
        value = _TIMESTAMPS.construct_yaml_timestamp(ScalarNode(_TAG + "timestamp", text))
    except ValueError:
        return text  # an impossible date (2027-02-30): validation says so, with its line
    if isinstance(value, dt.datetime) and value.time() == dt.time() and value.tzinfo is None:
        return value.date()
    return value


def joined(value: str) -> str:
    """`value` with UTF-16 surrogate pairs joined: the YAML parser reads JSON's escaped pair
    for one character (`"\\ud83d\\ude00"`) as two lone surrogates."""
    if _SURROGATE.search(value) is None:
        return value
    try:
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        raise ScalarProblem(
            "contains a \\u escape that is half of a character (a lone surrogate); write the "
            "character itself or its complete escape pair"
        ) from None
