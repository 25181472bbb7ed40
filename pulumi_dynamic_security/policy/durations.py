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

PATTERN = r"^[0-9]+[mhd]$"
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
        return {"type": "string", "pattern": PATTERN, "examples": ["90m", "12h", "7d"]}

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


class Bounds:
    """An inclusive range for a `Duration` field (use with `Annotated` and `AfterValidator`)."""

    def __init__(self, low: Duration, high: Duration | None = None, why: str = ""):
        self.low, self.high, self.why = low, high, why

    def __call__(self, value: Duration) -> Duration:
        if value < self.low or (self.high is not None and value > self.high):
            raise ValueError(f"{value} {_bounds_message(self.low, self.high)}{self.why}")
        return value
