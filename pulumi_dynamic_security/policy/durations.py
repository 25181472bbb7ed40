"""Durations as the policy writes them: `<int>m`, `<int>h` or `<int>d`.

A `Duration` is a whole number of minutes: `24h` equals `1d`, they hash alike, and both print
as `1d` (the largest whole unit), which is also how they are sent to Dynamic
(`{"amount": 1, "unit": "days"}`).
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from pulumi_dynamic_security.policy.constraints import Constraint

_SYNTAX = re.compile(r"([0-9]+)([mhd])")
_MINUTES_PER_UNIT = {"d": 24 * 60, "h": 60, "m": 1}  # largest first: used to pick the unit
_API_UNIT = {"d": "days", "h": "hours", "m": "minutes"}
_UNIT_FROM_API = {api: short for short, api in _API_UNIT.items()}
_MAX_DIGITS = 9  # a billion days: far past any limit, and far below Python's int(str) limit


@functools.total_ordering
class Duration:
    """A length of time in whole minutes, written `12h`, `30d` or `90m`."""

    __slots__ = ("_minutes",)

    def __init__(self, minutes: int):
        if minutes < 0:
            raise ValueError("a duration cannot be negative")
        self._minutes = minutes

    @property
    def minutes(self) -> int:
        return self._minutes

    @property
    def seconds(self) -> int:
        return self._minutes * 60

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Read `12h`; raise ValueError with a message a user can act on."""
        match = _SYNTAX.fullmatch(text)
        if match is None:
            raise ValueError(
                f"{text!r} is not a duration: write a whole number followed by m, h or d "
                "(for example 90m, 12h or 7d)"
            )
        amount, unit = match.groups()
        if len(amount.lstrip("0")) > _MAX_DIGITS:
            raise ValueError(
                f"a duration of {len(amount)} digits is far too long: write a whole number of "
                "up to 9 digits followed by m, h or d (for example 90m, 12h or 7d)"
            )
        return cls(int(amount) * _MINUTES_PER_UNIT[unit])

    @classmethod
    def of(cls, *, days: int = 0, hours: int = 0, minutes: int = 0) -> Duration:
        return cls(days * 24 * 60 + hours * 60 + minutes)

    def _largest_unit(self) -> tuple[int, str]:
        for unit, size in _MINUTES_PER_UNIT.items():
            if self._minutes % size == 0:
                return self._minutes // size, unit
        raise AssertionError("unreachable: every duration is a whole number of minutes")

    def __str__(self) -> str:
        if self._minutes == 0:
            return "0d"
        amount, unit = self._largest_unit()
        return f"{amount}{unit}"

    def __repr__(self) -> str:
        return f"Duration({self})"

    def to_api(self) -> dict[str, Any]:
        """Dynamic's `Duration` object, in the largest whole unit."""
        amount, unit = self._largest_unit()
        return {"amount": amount, "unit": _API_UNIT[unit]}

    @classmethod
    def from_api(cls, value: Any) -> Duration | None:
        """Read Dynamic's `{"amount", "unit"}`; None when it is absent or not understood."""
        if not isinstance(value, dict):
            return None
        amount, unit = value.get("amount"), _UNIT_FROM_API.get(str(value.get("unit")))
        if unit is None or isinstance(amount, bool) or not isinstance(amount, (int, float)):
            return None
        if isinstance(amount, float) and not math.isfinite(amount):
            return None  # Python's json reads Infinity and NaN
        if amount < 0 or amount != int(amount):
            return None
        return cls(int(amount) * _MINUTES_PER_UNIT[unit])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Duration):
            return NotImplemented
        return self._minutes == other._minutes

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Duration):
            return NotImplemented
        return self._minutes < other._minutes

    def __hash__(self) -> int:
        return hash(self._minutes)

    # pydantic integration: validated from a string, serialized back to its canonical string.
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate, serialization=core_schema.to_string_ser_schema()
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "pattern": duration_pattern(Duration(0)),
                "examples": ["90m", "12h", "7d"]}

    @classmethod
    def _validate(cls, value: Any) -> Duration:
        if isinstance(value, Duration):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected a duration such as 12h, got {value!r}")
        raise ValueError(
            f"{value!r} is not a duration: write a whole number followed by m, h or d "
            f"(for example {value or 12}h)"
        )


@functools.cache
def _bounds_message(low: Duration, high: Duration | None) -> str:
    if high is None:
        return f"must be at least {low}"
    return f"must be between {low} and {high}"


class Bounds(Constraint):
    """An inclusive range for a `Duration` field: `Annotated[Duration, Bounds(low, high)]`
    checks it after parsing, and the JSON Schema states it as a pattern (editors then refuse
    `45d` for a field that stops at 30d, as the loader does)."""

    def __init__(self, low: Duration, high: Duration | None = None, why: str = ""):
        self.low, self.high, self.why = low, high, why

    def check(self, value: Duration) -> Duration:
        if value < self.low or (self.high is not None and value > self.high):
            raise ValueError(f"{value} {_bounds_message(self.low, self.high)}{self.why}")
        return value

    def schema_extra(self) -> dict[str, Any]:
        return {"pattern": duration_pattern(self.low, self.high)}


# --- the JSON Schema pattern of a range of durations -----------------------------------------

_MAX_AMOUNT = 10**_MAX_DIGITS - 1


def duration_pattern(low: Duration, high: Duration | None = None) -> str:
    """A regular expression (ECMA-262 and Python alike) matching exactly the spellings
    `Duration.parse` reads whose value lies in `low`..`high`: per unit, the whole amounts in
    range (at most 9 significant digits), after any leading zeros."""
    units = []
    for unit, size in reversed(_MINUTES_PER_UNIT.items()):  # m, h, d
        first = -(-low.minutes // size)  # ceil
        last = _MAX_AMOUNT if high is None else min(high.minutes // size, _MAX_AMOUNT)
        if first <= last:
            units.append(f"(?:{_number_range(first, last)}){unit}")
    return f"^0*(?:{'|'.join(units)})$"


def _number_range(low: int, high: int) -> str:
    """Alternatives matching the decimal numbers `low`..`high` written without leading
    zeros; a run of lengths every number of which is in range is one alternative."""
    parts: list[str] = []
    digits, longest = len(str(low)), len(str(high))
    while digits <= longest:
        first = max(low, 10 ** (digits - 1) if digits > 1 else 0)
        last = min(high, 10**digits - 1)
        if first == 10 ** (digits - 1) and last == 10**digits - 1:
            end = digits
            while end < longest and high >= 10 ** (end + 1) - 1:
                end += 1
            parts.append("[1-9]" + _any_digits(digits - 1, end - 1))
            digits = end + 1
            continue
        parts.extend(_same_length(str(first), str(last)))
        digits += 1
    return "|".join(parts)


def _same_length(low: str, high: str) -> list[str]:
    """Alternatives for `low`..`high`, two numbers of the same number of digits."""
    if low == high:
        return [low]
    rest = len(low) - 1
    if low[1:] == "0" * rest and high[1:] == "9" * rest:
        if (low[0], high[0]) == ("0", "9"):
            return [_any_digits(rest + 1)]
        return [_digits(low[0], high[0]) + _any_digits(rest)]
    if low[0] == high[0]:
        return [low[0] + _group(_same_length(low[1:], high[1:]))]
    parts = [low[0] + _group(_same_length(low[1:], "9" * rest))]
    if int(high[0]) - int(low[0]) > 1:
        parts.append(_digits(str(int(low[0]) + 1), str(int(high[0]) - 1)) + _any_digits(rest))
    parts.append(high[0] + _group(_same_length("0" * rest, high[1:])))
    return parts


def _group(alternatives: list[str]) -> str:
    return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"


def _digits(low: str, high: str) -> str:
    return low if low == high else f"[{low}-{high}]"


def _any_digits(fewest: int, most: int | None = None) -> str:
    """`fewest` (to `most`) digits."""
    if most is not None and most != fewest:
        return f"[0-9]{{{fewest},{most}}}"
    return {0: "", 1: "[0-9]"}.get(fewest, f"[0-9]{{{fewest}}}")
