"""The value types the policy models share: strict booleans, origins, durations in range,
lists without duplicates, and the base of every model (unknown keys are errors).

Booleans are strict (docs/policy.md#booleans-and-version): pydantic's lax reading would take
"off", "n", 0 or "yes" for one. Origins are normalized on load (docs/policy.md#origins);
durations compare by value (docs/policy.md#durations).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict
from pydantic_core import PydanticCustomError

from pulumi_dynamic_security.policy.constraints import Constraint
from pulumi_dynamic_security.policy.durations import Bounds, Duration
from pulumi_dynamic_security.policy.origins import ORIGIN_PATTERN, OriginError, normalize_origin

DYNAMIC_JWT_MAX = Duration.of(days=30)


def _normalized_origin(value: Any) -> str:
    try:
        return normalize_origin(value)  # refuses a non-string too
    except OriginError as exc:
        raise PydanticCustomError("origin", str(exc)) from None


def no_duplicates(values: list[Any]) -> list[Any]:
    """`values`, or a `duplicate` error pointing at the second occurrence."""
    seen: set[Any] = set()
    for index, value in enumerate(values):
        if value in seen:
            # `at` points the error at the second occurrence (the loader reads it)
            raise PydanticCustomError(
                "duplicate", "{value} is listed twice", {"value": str(value), "at": index}
            )
        seen.add(value)
    return values


class _UniqueItems(Constraint):
    """List metadata: every item at most once (`no_duplicates`), `uniqueItems` in the JSON
    Schema."""

    def check(self, value: list[Any]) -> list[Any]:
        return no_duplicates(value)

    def schema_extra(self) -> dict[str, Any]:
        return {"uniqueItems": True}


UNIQUE = _UniqueItems()

Flag = Annotated[bool, Strict()]
Origin = Annotated[
    str,
    BeforeValidator(_normalized_origin),
    Field(description="An origin, scheme://host[:port], at most one '*'; normalized on load.",
          json_schema_extra={"pattern": ORIGIN_PATTERN}),
]
JwtLifetime = Annotated[Duration, Bounds(Duration(1), DYNAMIC_JWT_MAX, " (Dynamic's range)")]
PositiveDuration = Annotated[Duration, Bounds(Duration(1))]
NonEmptyText = Annotated[str, Field(min_length=1, pattern=r"\S")]


class StrictModel(BaseModel):
    """Base of every policy model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)
