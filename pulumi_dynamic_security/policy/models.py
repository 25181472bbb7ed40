"""The policy file, version 1, as pydantic models (docs/policy.md).

These models describe the file as written: every area is optional, and `None` means "not
written here" (a stage inherits it from `defaults`) or, written as `key: null` in a stage,
"not managed". The areas' own models are in `areas.py`; resolution into one stage's
effective policy is `stages.py`'s job. Every model forbids unknown keys and every field
carries a description, which the JSON Schema (`schemas/dynamic-security-policy.schema.json`)
is generated from (docs/policy.md#json-schema).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.policy.areas import AreaKeys
from pulumi_dynamic_security.policy.fields import (
    Flag,
    NonEmptyText,
    PositiveDuration,
    StrictModel,
)
from pulumi_dynamic_security.policy.origins import ORIGIN_PATTERN, OriginError, normalize_origin

STAGE_ONLY_KEYS = ("environment_id", "production", "token_env")
PRODUCTION_STAGE_NAMES = ("prod", "production", "live")
DEFAULT_TOKEN_ENV = "DYNAMIC_API_TOKEN"

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
STAGE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
STAGE_NAME_HINT = "use up to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"
# A stage a waiver names (the loader checks it is one of the file's).
StageName = Annotated[str, Field(json_schema_extra={"pattern": STAGE_NAME_PATTERN})]
# A value a waiver is limited to: one that looks like an origin (holds "://") must be one.
WaiverValue = Annotated[str, Field(json_schema_extra={
    "if": {"pattern": "://"}, "then": {"pattern": ORIGIN_PATTERN},
})]


def _integer_version(value: Any) -> Any:
    """`version` is the integer 1: not text ("1"), not a float (1.0), not a boolean (true)."""
    if isinstance(value, bool) or not isinstance(value, int):
        shown = str(value).lower() if isinstance(value, bool) else repr(value)
        raise PydanticCustomError(
            "version", "{value} is not the integer 1; write `version: 1` (no quotes, no "
            "decimal point)", {"value": shown[:80]},
        )
    return value


Version = Annotated[Literal[1], BeforeValidator(_integer_version)]


class AppFacts(StrictModel):
    """Facts about the application that the rules take into account (each defaults to false)."""

    embedded_wallets: Flag | None = Field(
        None, description="The app uses Dynamic's embedded (WaaS) wallets. Default false."
    )
    sms_sign_in: Flag | None = Field(
        None, description="End users can sign in with an SMS code. Default false."
    )
    high_value: Flag | None = Field(
        None,
        description="The app moves significant value: missing MFA becomes an error in "
        "production. Default false.",
    )


class Limits(StrictModel):
    """Thresholds the rules use."""

    production_jwt_max: PositiveDuration | None = Field(
        None, description="Longest JWT lifetime accepted in production (DS201). Default 7d."
    )
    wallet_jwt_max: PositiveDuration | None = Field(
        None,
        description="Longest JWT lifetime accepted with embedded wallets whose actions are not "
        "MFA-protected (DS202). Default 24h.",
    )
    token_rotation_max: PositiveDuration | None = Field(
        None, description="Longest accepted API token rotation period (DS502). Default 90d."
    )


class SettingsAreas(AreaKeys):
    """The keys allowed both in `defaults` and in a stage: the areas, and what the rules use."""

    app: AppFacts | None = Field(
        None, description="Facts about the application that the rules take into account."
    )
    limits: Limits | None = Field(None, description="Thresholds used by the rules.")


class Defaults(SettingsAreas):
    """Settings every stage inherits (deep-merged; the stage wins; lists replace)."""


class Stage(SettingsAreas):
    """One deployment stage: a Dynamic environment and its settings."""

    environment_id: str = Field(
        pattern=UUID_PATTERN, description="The Dynamic environment id (a lower-case uuid)."
    )
    production: Flag | None = Field(
        None,
        description="Whether this stage is production. Default: true when the stage is named "
        "prod, production or live, else false.",
    )
    token_env: str | None = Field(
        None,
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="Environment variable holding this stage's API token. "
        "Default DYNAMIC_API_TOKEN.",
    )


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day + timedelta(days=365)


class Waiver(StrictModel):
    """An accepted finding: who may ignore which rule, why, and until when."""

    rule: str = Field(description="The rule id, e.g. DS301.")
    reason: NonEmptyText = Field(description="Why the finding is accepted (required).")
    expires: date = Field(
        description="Last day (UTC) the waiver applies; at most one year ahead. After it, the "
        "finding is active again and DS901 is reported."
    )
    stages: list[StageName] | None = Field(
        None, description="Stages the waiver applies to. Default: every stage."
    )
    values: list[WaiverValue] | None = Field(
        None,
        description="Only waive findings on these exact (normalized) values, e.g. one origin.",
    )

    @field_validator("expires")
    @classmethod
    def _at_most_a_year_ahead(cls, value: date, info: ValidationInfo) -> date:
        today = (info.context or {}).get("today") or clock.utc_today()
        latest = _one_year_after(today)
        if value > latest:
            raise ValueError(
                f"expires {value.isoformat()} is more than a year ahead; the latest allowed "
                f"today is {latest.isoformat()}"
            )
        return value

    @field_validator("values")
    @classmethod
    def _normalize_origin_values(cls, values: list[str] | None) -> list[str] | None:
        if values is None:
            return None
        normalized = []
        for value in values:
            try:
                normalized.append(normalize_origin(value) if "://" in value else value)
            except OriginError as exc:
                raise ValueError(str(exc)) from None
        return normalized


class PolicyFile(StrictModel):
    """A dynamic-security.yaml file."""

    schema_uri: str | None = Field(
        None,
        alias="$schema",
        description="Optional JSON Schema reference for editors; ignored by dynsec.",
    )
    version: Version = Field(description="Format version of the policy file: 1.")
    defaults: Defaults | None = Field(
        None, description="Settings every stage inherits unless it sets them itself."
    )
    stages: dict[Annotated[str, Field(pattern=STAGE_NAME_PATTERN)], Stage] = Field(
        min_length=1,
        description="The stages by name, e.g. dev, staging, production.",
        # Editors should refuse the names the loader refuses, not only type-check the others.
        json_schema_extra={"propertyNames": {"pattern": STAGE_NAME_PATTERN}},
    )
    waivers: list[Waiver] = Field(
        default_factory=list, description="Accepted findings, each with a reason and an expiry."
    )
