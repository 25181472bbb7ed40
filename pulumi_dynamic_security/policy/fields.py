"""The value types the policy models share: strict booleans, origins, durations in range,
lists without duplicates, and the base of every model (unknown keys are errors).

Booleans are strict (docs/policy.md#booleans-and-version): pydantic's lax reading would take
"off", "n", 0 or "yes" for one. Origins are normalized on load (docs/policy.md#origins);
durations compare by value (docs/policy.md#durations).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict
from pydantic_core import PydanticCustomError

from pulumi_dynamic_security.policy import urls
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
# The name of an `api_tokens` or `webhooks` entry (unique in its stage).
ENTRY_NAME_PATTERN = r"^[a-z0-9-]{1,40}$"
ENTRY_NAME_RULE = "1-40 of a-z, 0-9 and '-'"
# Text with a check of its own: the validator refuses a number or a boolean (no coercion)
# and says why; the schema carries the pattern, as strict as JSON Schema can say it.
def _checked_text(check: Callable[[object], str], pattern: str, max_length: int) -> Any:
    return Annotated[str, BeforeValidator(check),
                     Field(json_schema_extra={"pattern": pattern, "maxLength": max_length})]


WebhookUrl = _checked_text(urls.normalize_webhook_url, urls.WEBHOOK_URL_PATTERN,
                           urls.URL_MAX_LENGTH)
JwksUrl = _checked_text(urls.normalize_jwks_url, urls.JWKS_URL_PATTERN, urls.URL_MAX_LENGTH)
EventName = _checked_text(urls.event_name, urls.EVENT_PATTERN, urls.TEXT_MAX_LENGTH)
ClaimText = _checked_text(urls.claim_text, urls.CLAIM_TEXT_PATTERN, urls.TEXT_MAX_LENGTH)
CookieName = _checked_text(urls.cookie_name, urls.COOKIE_NAME_PATTERN, urls.TEXT_MAX_LENGTH)


class StrictModel(BaseModel):
    """Base of every policy model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)
