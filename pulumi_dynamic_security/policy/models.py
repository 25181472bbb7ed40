"""The policy file, version 1, as pydantic models (SPEC §2).

These models describe the file as written: every settings area is optional, and `None`
means "not written here" (a stage inherits it from `defaults`) or, written as `key: null` in
a stage, "not managed". Resolution into one stage's effective policy is `stages.py`'s job.
Every model forbids unknown keys and every field carries a description, which the JSON
Schema (`schemas/dynamic-security-policy.schema.json`) is generated from.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.policy.constraints import Constraint
from pulumi_dynamic_security.policy.durations import Bounds, Duration
from pulumi_dynamic_security.policy.origins import ORIGIN_PATTERN, OriginError, normalize_origin
from pulumi_dynamic_security.scopes import TokenScope

TokenStorage = Literal["cookie", "localstorage"]
MfaMethod = Literal["totp", "passkey", "email"]
MfaAction = Literal[
    "wallet.waas.sign", "wallet.waas.export", "wallet.waas.reshare", "wallet.waas.refresh",
    "user.update",
]

MFA_METHODS: tuple[MfaMethod, ...] = ("totp", "passkey", "email")
MFA_ACTIONS: tuple[MfaAction, ...] = (
    "wallet.waas.sign", "wallet.waas.export", "wallet.waas.reshare", "wallet.waas.refresh",
    "user.update",
)

DYNAMIC_JWT_MAX = Duration.of(days=30)
STAGE_ONLY_KEYS = ("environment_id", "production", "token_env")
PRODUCTION_STAGE_NAMES = ("prod", "production", "live")
DEFAULT_TOKEN_ENV = "DYNAMIC_API_TOKEN"

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
STAGE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$"
STAGE_NAME_HINT = "use up to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"


def _normalized_origin(value: Any) -> str:
    try:
        return normalize_origin(value)  # refuses a non-string too
    except OriginError as exc:
        raise PydanticCustomError("origin", str(exc)) from None


def _no_duplicates(values: list[Any]) -> list[Any]:
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
    """List metadata: every item at most once (`_no_duplicates`), `uniqueItems` in the
    JSON Schema."""

    def check(self, value: list[Any]) -> list[Any]:
        return _no_duplicates(value)

    def schema_extra(self) -> dict[str, Any]:
        return {"uniqueItems": True}


UNIQUE = _UniqueItems()


def _integer_version(value: Any) -> Any:
    """`version` is the integer 1: not text ("1"), not a float (1.0), not a boolean (true)."""
    if isinstance(value, bool) or not isinstance(value, int):
        shown = str(value).lower() if isinstance(value, bool) else repr(value)
        raise PydanticCustomError(
            "version", "{value} is not the integer 1; write `version: 1` (no quotes, no "
            "decimal point)", {"value": shown[:80]},
        )
    return value


# A boolean is true or false as YAML 1.2 writes them: pydantic's lax reading would take
# "off", "n", 0 or "yes" for one, so every boolean of the file is strict.
Flag = Annotated[bool, Strict()]
Version = Annotated[Literal[1], BeforeValidator(_integer_version)]
Origin = Annotated[
    str,
    BeforeValidator(_normalized_origin),
    Field(description="An origin, scheme://host[:port], at most one '*'; normalized on load.",
          json_schema_extra={"pattern": ORIGIN_PATTERN}),
]
JwtLifetime = Annotated[Duration, Bounds(Duration(1), DYNAMIC_JWT_MAX, " (Dynamic's range)")]
PositiveDuration = Annotated[Duration, Bounds(Duration(1))]
NonEmptyText = Annotated[str, Field(min_length=1, pattern=r"\S")]
# A stage a waiver names (the loader checks it is one of the file's).
StageName = Annotated[str, Field(json_schema_extra={"pattern": STAGE_NAME_PATTERN})]
# A value a waiver is limited to: one that looks like an origin (holds "://") must be one.
WaiverValue = Annotated[str, Field(json_schema_extra={
    "if": {"pattern": "://"}, "then": {"pattern": ORIGIN_PATTERN},
})]


class StrictModel(BaseModel):
    """Base of every policy model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Mfa(StrictModel):
    """End-user MFA. Only the keys written here are managed; the others are left as they are."""

    methods: Annotated[list[MfaMethod], UNIQUE] | None = Field(
        None,
        description="MFA methods end users may enroll: a subset of totp, passkey, email. "
        "[] turns MFA off. Listed methods are enabled, other known methods disabled.",
    )
    require_at_login: Flag | None = Field(
        None,
        description="Session-based enforcement: an MFA challenge at every sign-in "
        "(Dynamic's `mfa.required`). Needs at least one method.",
    )
    require_for_actions: Annotated[list[MfaAction], UNIQUE] | None = (
        Field(
            None,
            description="Action-based enforcement: actions that need a second factor, e.g. "
            "wallet.waas.export and wallet.waas.sign. Other actions are set not required.",
        )
    )
    backup_codes: Flag | None = Field(
        None, description="Allow recovery (backup) codes on every enabled method."
    )


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


class ApiTokenPolicy(StrictModel):
    """An environment API token that this tool issues and rotates."""

    name: str = Field(
        pattern=r"^[a-z0-9-]{1,40}$",
        description="Name of the token, unique in the stage: 1-40 of a-z, 0-9 and '-'. "
        "Managed tokens carry the note dynsec:<name>:<UTC timestamp>.",
    )
    scopes: Annotated[list[TokenScope], UNIQUE] = Field(
        min_length=1, description="Dynamic token scopes granted to the token (least privilege)."
    )
    rotate_every: PositiveDuration = Field(
        description="Issue a successor when the newest token is older than this, e.g. 90d."
    )
    overlap: Duration = Field(
        default=Duration(0),
        description="How long the previous token stays valid after its successor is issued; "
        "0d revokes it at once. Must be shorter than rotate_every. Default 0d.",
    )

    @model_validator(mode="after")
    def _overlap_shorter_than_rotation(self) -> ApiTokenPolicy:
        if self.overlap >= self.rotate_every:
            raise PydanticCustomError(
                "overlap",
                "overlap ({overlap}) must be shorter than rotate_every ({rotate_every})",
                {"overlap": str(self.overlap), "rotate_every": str(self.rotate_every),
                 "at": "overlap"},
            )
        return self


def _unique_token_names(tokens: list[ApiTokenPolicy]) -> list[ApiTokenPolicy]:
    _no_duplicates([token.name for token in tokens])
    return tokens


class SettingsAreas(StrictModel):
    """The keys allowed both in `defaults` and in a stage."""

    jwt_lifetime: JwtLifetime | None = Field(
        None,
        description="Lifetime of the end-user JWT: <int>m, <int>h or <int>d, from 1m to 30d "
        "(Dynamic's maximum). Not managed when absent.",
    )
    token_storage: TokenStorage | None = Field(
        None,
        description="Where the browser SDK keeps the JWT: cookie (HttpOnly, needs a custom "
        "hostname) or localstorage. Not managed when absent.",
    )
    mfa: Mfa | None = Field(None, description="End-user MFA. Not managed when absent.")
    allowed_origins: list[Origin] | None = Field(
        None,
        description="The complete set of allowed origins (CORS). An empty list means Dynamic "
        "accepts every domain. Not managed when absent.",
    )
    api_tokens: Annotated[list[ApiTokenPolicy], AfterValidator(_unique_token_names)] | None = (
        Field(None, description="API tokens to issue and rotate. Not managed when absent.")
    )
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
