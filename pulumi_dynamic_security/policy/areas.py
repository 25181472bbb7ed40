"""The policy's areas: what a stage can manage, as the file writes it and as a stage holds it.

An area is managed only when a stage's effective policy sets it; one left out is never read
into a diff, written or reset (docs/policy.md#areas-left-out). There are two kinds
(docs/architecture.md#the-area-registry):

* settings-document areas (`SETTINGS_AREAS`): fields of the environment's `settings.security`,
  which one `PUT /environments/{id}` writes whole;
* endpoint areas (`ENDPOINT_AREAS`): lists of records behind endpoints of their own.

For each area this module holds its name, its model in the file (`AreaKeys`), and its value
in a stage (`AreaValues`: what the rules judge and the planner compares). An area of which
only the keys written are managed (`mfa`) has a model that is a `PartialModel` and a value
that is a `PartialValues`. The live side of each area (reading it from Dynamic, writing it,
verifying it) is its module in `mapping/`, registered in `mapping/registry.py`.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields, replace
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.policy.fields import (
    ENTRY_NAME_PATTERN,
    ENTRY_NAME_RULE,
    UNIQUE,
    ClaimText,
    CookieName,
    EventName,
    Flag,
    JwksUrl,
    JwtLifetime,
    Origin,
    PositiveDuration,
    StrictModel,
    WebhookUrl,
    no_duplicates,
)
from pulumi_dynamic_security.scopes import TokenScope
from pulumi_dynamic_security.vocabulary import MfaAction, MfaMethod, TokenStorage

SettingsAreaName = Literal[
    "jwt_lifetime", "token_storage", "mfa", "external_auth", "notifications"
]
EndpointAreaName = Literal["allowed_origins", "api_tokens", "webhooks"]
Area = Literal[SettingsAreaName, EndpointAreaName]
SETTINGS_AREAS: tuple[SettingsAreaName, ...] = typing.get_args(SettingsAreaName)
ENDPOINT_AREAS: tuple[EndpointAreaName, ...] = typing.get_args(EndpointAreaName)
AREAS: tuple[Area, ...] = (*SETTINGS_AREAS, *ENDPOINT_AREAS)  # the order plans list them in

_P = TypeVar("_P", bound="PartialValues")


# -- areas of which only the keys written are managed -------------------------------------------


@dataclass(frozen=True)
class PartialValues:
    """The keys of an area a stage manages; a key left `None` stays as it is live."""

    @classmethod
    def all_keys(cls) -> tuple[str, ...]:
        """Every key of the area, in the file's order."""
        return tuple(f.name for f in fields(cls))

    def managed_keys(self) -> tuple[str, ...]:
        return tuple(key for key in self.all_keys() if getattr(self, key) is not None)

    def over(self: _P, live: _P) -> _P:
        """`live` with the keys this value manages replaced by this value's."""
        return replace(live, **{key: getattr(self, key) for key in self.managed_keys()})

    def only(self: _P, keys: Iterable[str]) -> _P:
        """This value limited to `keys` (the others left unmanaged)."""
        wanted = set(keys)
        return type(self)(**{key: getattr(self, key) for key in self.all_keys() if key in wanted})

    def problems(self) -> Iterator[tuple[str, str]]:
        """(key, message) for each combination no stage may hold, whatever the file says."""
        return iter(())


@dataclass(frozen=True)
class EffectiveMfa(PartialValues):
    """The MFA keys a stage manages; `None` leaves that key as it is live."""

    methods: tuple[MfaMethod, ...] | None = None
    require_at_login: bool | None = None
    require_for_actions: tuple[MfaAction, ...] | None = None
    backup_codes: bool | None = None

    def problems(self) -> Iterator[tuple[str, str]]:
        if self.require_at_login and not self.methods:
            yield "require_at_login", (
                "mfa.require_at_login is true but no MFA method is enabled; list at least one in "
                "mfa.methods (totp, passkey, email)"
            )


@dataclass(frozen=True)
class EffectiveExternalAuth(PartialValues):
    """The third-party sign-in keys a stage manages (`security.externalAuth`)."""

    enabled: bool | None = None
    issuer: str | None = None
    audience: str | None = None
    jwks_url: str | None = None
    cookie_name: str | None = None

    def problems(self) -> Iterator[tuple[str, str]]:
        if self.enabled:
            missing = [key for key in ("issuer", "jwks_url") if getattr(self, key) is None]
            if missing:
                yield "enabled", (
                    f"external_auth.enabled is true but {' and '.join(missing)} "
                    f"{'is' if len(missing) == 1 else 'are'} not set; Dynamic needs the issuer "
                    "and the JWKS url to verify a third-party JWT"
                )


@dataclass(frozen=True)
class EffectiveNotifications(PartialValues):
    """The security e-mails a stage manages (`security.notifications`)."""

    key_export: bool | None = None
    signed_transaction: bool | None = None
    credential_linked: bool | None = None
    credential_unlinked: bool | None = None


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


class PartialModel(StrictModel):
    """A model of an area of which only the keys written are managed."""

    effective_type: ClassVar[type[PartialValues]]

    def effective(self) -> PartialValues | None:
        """The keys written, as a stage holds them (lists as tuples); None when none is."""
        value = self.effective_type(**{
            key: _frozen(getattr(self, key)) for key in self.effective_type.all_keys()
        })
        return value if value.managed_keys() else None


# -- the areas' models, as the file writes them -------------------------------------------------


class Mfa(PartialModel):
    """End-user MFA. Only the keys written here are managed; the others are left as they are."""

    effective_type: ClassVar[type[PartialValues]] = EffectiveMfa

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


class ExternalAuth(PartialModel):
    """Third-party JWT sign-in (Dynamic's `externalAuth`). Only the keys written here are
    managed; other keys Dynamic keeps there (e.g. `assumeEmailVerified`) stay as they are."""

    effective_type: ClassVar[type[PartialValues]] = EffectiveExternalAuth

    enabled: Flag | None = Field(
        None,
        description="Whether end users may sign in with a JWT from your own issuer. true "
        "needs issuer and jwks_url.",
    )
    issuer: ClaimText | None = Field(
        None, description="The `iss` Dynamic requires of the external JWT (Dynamic's `iss`)."
    )
    audience: ClaimText | None = Field(
        None,
        description="The `aud` Dynamic requires of the external JWT (Dynamic's `aud`); "
        "without it a JWT minted for any other application signs in (DS702).",
    )
    jwks_url: JwksUrl | None = Field(
        None,
        description="Where Dynamic fetches the issuer's signing keys (Dynamic's `jwksUrl`): "
        "an absolute URL; anything but https is DS701.",
    )
    cookie_name: CookieName | None = Field(
        None, description="The cookie the external JWT comes in, if any (Dynamic's `cookieName`)."
    )


class Notifications(PartialModel):
    """Security e-mails to end users (Dynamic's `notifications`; each is on unless Dynamic
    says otherwise). Only the keys written here are managed."""

    effective_type: ClassVar[type[PartialValues]] = EffectiveNotifications

    key_export: Flag | None = Field(
        None, description="E-mail a user when their embedded wallet's private key is exported."
    )
    signed_transaction: Flag | None = Field(
        None, description="E-mail a user when their embedded wallet signs a transaction."
    )
    credential_linked: Flag | None = Field(
        None, description="E-mail a user when a sign-in credential is linked to them."
    )
    credential_unlinked: Flag | None = Field(
        None, description="E-mail a user when a sign-in credential is unlinked from them."
    )


class WebhookPolicy(StrictModel):
    """An environment webhook this tool manages, matched to the live one by its url."""

    name: str = Field(
        pattern=ENTRY_NAME_PATTERN, description="Name of the webhook, unique in the stage: "
        f"{ENTRY_NAME_RULE}. Its signing secret is delivered under webhook:<name>.",
    )
    url: WebhookUrl = Field(
        description="Where Dynamic delivers the events: an https:// URL (a DNS host, no port, "
        "no user info) or an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>); unique "
        "in the stage."
    )
    events: Annotated[list[EventName], UNIQUE] = Field(
        min_length=1,
        description="The events delivered, e.g. user.session.revoked (checked against "
        "Dynamic's catalogue before any write).",
    )
    enabled: Flag = Field(
        True,
        description="Whether the webhook is enabled. Default true (also when written null).",
        # `enabled: null` reads as not written (`_null_enabled_is_the_default`), so the
        # schema accepts a null too: it is never stricter than the loader.
        json_schema_extra={"type": ["boolean", "null"]},
    )

    @model_validator(mode="before")
    @classmethod
    def _null_enabled_is_the_default(cls, data: Any) -> Any:
        # `enabled: null` reads as not written, as a null does for every other boolean.
        if isinstance(data, dict) and "enabled" in data and data["enabled"] is None:
            return {key: value for key, value in data.items() if key != "enabled"}
        return data


def _unique_webhooks(webhooks: list[WebhookPolicy]) -> list[WebhookPolicy]:
    names: set[str] = set()
    urls: set[str] = set()
    for index, webhook in enumerate(webhooks):
        for seen, value, key in ((names, webhook.name, "name"), (urls, webhook.url, "url")):
            if value in seen:
                raise PydanticCustomError(
                    "duplicate", "{value} is listed twice (a {key} is unique in a stage)",
                    {"value": value, "key": key, "at": (index, key)},
                )
            seen.add(value)
    return webhooks


class ApiTokenPolicy(StrictModel):
    """An environment API token that this tool issues and rotates."""

    name: str = Field(
        pattern=ENTRY_NAME_PATTERN, description="Name of the token, unique in the stage: "
        f"{ENTRY_NAME_RULE}. Managed tokens carry the note dynsec:<name>:<UTC timestamp>.",
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
    no_duplicates([token.name for token in tokens])
    return tokens


class AreaKeys(StrictModel):
    """The areas' keys, allowed both in `defaults` and in a stage; absent: not managed."""

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
    external_auth: ExternalAuth | None = Field(
        None, description="Third-party JWT sign-in. Not managed when absent."
    )
    notifications: Notifications | None = Field(
        None, description="Security e-mails to end users. Not managed when absent."
    )
    allowed_origins: list[Origin] | None = Field(
        None,
        description="The complete set of allowed origins (CORS). An empty list means Dynamic "
        "accepts every domain. Not managed when absent.",
    )
    api_tokens: Annotated[list[ApiTokenPolicy], AfterValidator(_unique_token_names)] | None = (
        Field(None, description="API tokens to issue and rotate. Not managed when absent.")
    )
    webhooks: Annotated[list[WebhookPolicy], AfterValidator(_unique_webhooks)] | None = Field(
        None,
        description="Webhooks to create and keep as declared (never deleted by dynsec). Not "
        "managed when absent.",
    )


# -- the areas' values, as a stage holds them ---------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AreaValues:
    """A value per area in the policy's words: declared (a stage), read live, or as the
    environment will be after apply. `None`: not managed (a stage), or not known."""

    jwt_lifetime: Duration | None = None
    token_storage: TokenStorage | None = None
    mfa: EffectiveMfa | None = None
    external_auth: EffectiveExternalAuth | None = None
    notifications: EffectiveNotifications | None = None
    allowed_origins: tuple[str, ...] | None = None
    api_tokens: tuple[ApiTokenPolicy, ...] | None = None
    webhooks: tuple[WebhookPolicy, ...] | None = None

    def value(self, area: Area) -> Any:
        return getattr(self, area)

    def manages(self, area: Area) -> bool:
        return self.value(area) is not None

    def area_values(self) -> dict[Area, Any]:
        """Every area's value, by name."""
        return {area: self.value(area) for area in AREAS}


def resolved(value: Any) -> Any:
    """An area's value from its model as a stage holds it: lists as tuples, only the keys
    written of a partial area (None when none is)."""
    if isinstance(value, PartialModel):
        return value.effective()
    return _frozen(value)


def resolved_areas(models: Mapping[str, Any]) -> dict[Area, Any]:
    """Every area's value from the models of a merged stage (or of `AreaKeys`' fields)."""
    return {area: resolved(models.get(area)) for area in AREAS}


def area_problems(values: AreaValues) -> Iterator[tuple[str, str]]:
    """(path, message) for what no stage may hold, e.g. `mfa.require_at_login` true with no
    method: the loader reports them at their `file:line`, the providers as check failures."""
    for area in AREAS:
        value = values.value(area)
        if isinstance(value, PartialValues):
            for key, message in value.problems():
                yield f"{area}.{key}", message
