"""Wire models of Dynamic's admin API (pydantic v2), named as the API names them.

Fields take the API's camelCase names as aliases (`createdAt` -> `created_at`) and every
model keeps unknown keys (`extra="allow"`): a newer server's fields survive a read
(docs/apply.md#never-clobber). The typed view of `settings.security` takes the names of
Dynamic's own schemas (`ProjectSettingsSecurity`, `MFASettingsMethods`, ...), never the
policy's: `Duration` and `MfaMethod` are the policy's words (`policy.durations`,
`vocabulary`), the wire's are `ApiDuration` and `MfaSettingsMethod`.

The environment's settings document is the one payload that goes back to the server, and
`PUT /environments/{id}` replaces it whole. So `ProjectEnvironment.settings` is the JSON
object exactly as received (key order, unknown keys, nulls), never re-serialized from a
model; `ProjectEnvironment.security` is a typed, read-only view of `settings.security` for
reading. A writer takes `settings_copy()`, changes only the fields it manages, and PUTs it.

Raw token values (`CreatedToken.raw_token`), webhook signing secrets (`Webhook.secret`) and
a test account's static sign-in code (`TestAccount.code`) are `redaction.Secret`s: hidden
from `repr`, left out of `model_dump`, and refused by pickle.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

from pulumi_dynamic_security.redaction import Secret


def _none_as_empty(value: object) -> object:
    # The API sends `null` and `[]` interchangeably for empty lists.
    return [] if value is None else value


def _as_secret(value: object) -> object:
    return Secret(value) if isinstance(value, str) else value


class WireModel(BaseModel):
    """Base of every wire model: camelCase aliases, unknown keys kept, immutable."""

    model_config = ConfigDict(
        extra="allow", populate_by_name=True, frozen=True, arbitrary_types_allowed=True
    )


# -- settings.security, the typed view -------------------------------------------------------


class ApiDuration(WireModel):
    """Dynamic's `Duration`, `{amount, unit}`; unit is `minutes`, `hours` or `days` (kept as
    sent). The policy's duration is `policy.durations.Duration`."""

    amount: int
    unit: str


class AuthSettings(WireModel):
    """Where the browser SDK keeps the JWT: `localstorage`, `cookie`, or both."""

    storage: Annotated[list[str], BeforeValidator(_none_as_empty)] = Field(default_factory=list)


class MfaSettingsMethod(WireModel):
    """Dynamic's `MFASettingsMethods`: one MFA device type and whether it is enabled."""

    type: str
    enabled: bool
    allow_backup_codes: bool | None = Field(default=None, alias="allowBackupCodes")


class MfaSettingsAction(WireModel):
    """Dynamic's `MFASettingsActions`: one action and whether it needs a second factor."""

    action: str
    required: bool


class MfaSettings(WireModel):
    enabled: bool | None = None
    required: bool | None = None
    available_methods: list[str] | None = Field(default=None, alias="availableMethods")
    methods: Annotated[list[MfaSettingsMethod], BeforeValidator(_none_as_empty)] = Field(
        default_factory=list
    )
    actions: Annotated[list[MfaSettingsAction], BeforeValidator(_none_as_empty)] = Field(
        default_factory=list
    )


class HCaptchaSettings(WireModel):
    enabled: bool | None = None
    site_key: str | None = Field(default=None, alias="siteKey")
    # Write-only in Dynamic; should a server ever return it, it must not print.
    secret_key: Annotated[Secret | None, BeforeValidator(_as_secret)] = Field(
        default=None, alias="secretKey", exclude=True, repr=False
    )


class ExternalAuthSettings(WireModel):
    """Dynamic's `ExternalAuth`: third-party JWT sign-in."""

    enabled: bool | None = None
    iss: str | None = None
    aud: str | None = None
    jwks_url: str | None = Field(default=None, alias="jwksUrl")
    cookie_name: str | None = Field(default=None, alias="cookieName")
    assume_email_verified: bool | None = Field(default=None, alias="assumeEmailVerified")


class CaptchaSettings(WireModel):
    """The newer `ProjectSettingsCaptcha` (hCaptcha or Cloudflare Turnstile)."""

    enabled: bool | None = None
    provider: str | None = None
    site_key: str | None = Field(default=None, alias="siteKey")


class SecurityNotifications(WireModel):
    """The newer `SecurityNotifications`: security e-mails to end users (absent: on)."""

    waas_private_key_export: bool | None = Field(default=None, alias="waasPrivateKeyExport")
    waas_signed_transaction: bool | None = Field(default=None, alias="waasSignedTransaction")
    verified_credential_linked: bool | None = Field(
        default=None, alias="verifiedCredentialLinked"
    )
    verified_credential_unlinked: bool | None = Field(
        default=None, alias="verifiedCredentialUnlinked"
    )


class ProjectSettingsSecurity(WireModel):
    """Dynamic's `ProjectSettingsSecurity`: a read-only view of `settings.security`; absent
    sections are None. (The Pulumi resource `SecuritySettings` is another thing: the policy's
    settings-document areas of one stage.)"""

    jwt_duration: ApiDuration | None = Field(default=None, alias="jwtDuration")
    auth: AuthSettings | None = None
    mfa: MfaSettings | None = None
    h_captcha: HCaptchaSettings | None = Field(default=None, alias="hCaptcha")
    external_auth: ExternalAuthSettings | None = Field(default=None, alias="externalAuth")
    environment_locked: bool | None = Field(default=None, alias="environmentLocked")
    captcha: CaptchaSettings | None = None
    notifications: SecurityNotifications | None = None
    device_registration_required: bool | None = Field(
        default=None, alias="deviceRegistrationRequired"
    )


# -- environments and projects ----------------------------------------------------------------


class ProjectEnvironment(WireModel):
    """An environment: its id, timestamps and the raw settings document."""

    id: str
    settings: dict[str, Any]
    created_at: datetime | None = Field(default=None, alias="createdAt")
    updated_at: datetime | None = Field(default=None, alias="updatedAt")
    sdk_version: str | None = Field(default=None, alias="sdkVersion")

    _security: ProjectSettingsSecurity = PrivateAttr()

    def model_post_init(self, context: Any, /) -> None:
        # Parsed now, not on first use, so a malformed security block fails at the API
        # boundary (as an UnexpectedResponseError) instead of deep inside the rules.
        security = self.settings.get("security")
        self._security = ProjectSettingsSecurity.model_validate(security or {})

    @property
    def security(self) -> ProjectSettingsSecurity:
        """The typed view of `settings.security` (read-only; write through a settings copy)."""
        return self._security

    @property
    def environment_name(self) -> str | None:
        """`sandbox` or `live`, as the settings document names it."""
        name = self.settings.get("environmentName")
        return name if isinstance(name, str) else None

    def settings_copy(self) -> dict[str, Any]:
        """A deep copy of the settings document, for a writer to change and PUT back."""
        return copy.deepcopy(self.settings)


class ProjectEnvironments(WireModel):
    """The two environments every project has."""

    live: ProjectEnvironment
    sandbox: ProjectEnvironment


class ProjectEnvironmentRef(WireModel):
    id: str | None = None
    environment_name: str | None = Field(default=None, alias="environmentName")


class Project(WireModel):
    id: str
    name: str
    organization_id: str = Field(alias="organizationId")
    project_environments: Annotated[
        list[ProjectEnvironmentRef], BeforeValidator(_none_as_empty)
    ] = Field(default_factory=list, alias="projectEnvironments")


# -- origins, tokens, custom hostnames -------------------------------------------------------


class Origin(WireModel):
    """An allowed (CORS) origin of an environment."""

    id: str
    origin: str
    created_at: datetime | None = Field(default=None, alias="createdAt")
    project_environment_id: str | None = Field(default=None, alias="projectEnvironmentId")


class TokenCreatedBy(WireModel):
    id: str | None = None
    alias: str | None = None
    first_name: str | None = Field(default=None, alias="firstName")
    last_name: str | None = Field(default=None, alias="lastName")
    email: str | None = None


class Token(WireModel):
    """An environment API token as listed: never its raw value, only its `checksum`."""

    id: str
    checksum: str
    created_at: datetime = Field(alias="createdAt")
    note: str | None = None
    scopes: Annotated[list[str], BeforeValidator(_none_as_empty)] = Field(default_factory=list)
    created_by: TokenCreatedBy | None = Field(default=None, alias="createdBy")
    project_environment_id: str | None = Field(default=None, alias="projectEnvironmentId")


class CreatedToken(Token):
    """A token just issued (`TokenWithRaw`): the one time its raw value is known."""

    raw_token: Annotated[Secret, BeforeValidator(_as_secret)] = Field(
        alias="rawToken", exclude=True, repr=False
    )
    active: bool | None = None


# The generated client's name for the same payload.
TokenWithRaw = CreatedToken


class CustomHostname(WireModel):
    """A custom hostname (`usage` `cookies` or `globalWallet`; `status` pending/active/error)."""

    id: str
    hostname: str
    usage: str
    status: str
    verification_records: Annotated[
        list[dict[str, Any]], BeforeValidator(_none_as_empty)
    ] = Field(default_factory=list, alias="verificationRecords")
    errors: Any = None


# -- webhooks, event types, test accounts ---------------------------------------------------


class Webhook(WireModel):
    """An environment webhook (`Webhook`). `secret` (the HMAC key its deliveries are signed
    with) only in a create answer and in `GET ...?includeSecret=true`, as a `Secret`."""

    id: str = Field(alias="webhookId")
    url: str
    events: Annotated[list[str], BeforeValidator(_none_as_empty)] = Field(default_factory=list)
    is_enabled: bool = Field(alias="isEnabled")
    environment_id: str | None = Field(default=None, alias="environmentId")
    secret: Annotated[Secret | None, BeforeValidator(_as_secret)] = Field(
        default=None, exclude=True, repr=False
    )
    enabled_at: datetime | None = Field(default=None, alias="enabledAt")
    created_at: datetime | None = Field(default=None, alias="createdAt")
    updated_at: datetime | None = Field(default=None, alias="updatedAt")


class EventType(WireModel):
    """One event of Dynamic's webhook catalogue (`EventType`)."""

    name: str
    description: str | None = None


class TestAccount(WireModel):
    """The environment's test account (`TestAccountResponse`). Its `code` signs in with no
    other factor: a `Secret` that never leaves the client."""

    __test__ = False  # not a pytest test class, despite the name

    code: Annotated[Secret | None, BeforeValidator(_as_secret)] = Field(
        default=None, exclude=True, repr=False
    )
    email: str | None = None
    phone: str | None = None


# -- sessions --------------------------------------------------------------------------------


class Session(WireModel):
    """An end user's session (`Session`); `revoked_at` is set once it was revoked."""

    id: str | None = None
    created_at: datetime | None = Field(default=None, alias="createdAt")
    ip_address: str | None = Field(default=None, alias="ipAddress")
    user_agent: str | None = Field(default=None, alias="userAgent")
    revoked_at: datetime | None = Field(default=None, alias="revokedAt")
