"""The emulator's records, one dataclass per thing Dynamic keeps.

Records hold ids and values only; `state.State` keeps them by id and the per-environment
indexes in step, `persistence` writes them to the `--state` file, `wire` shapes them as the
official client expects. Per-environment collections are insertion-ordered dicts used as
ordered sets of ids: listing keeps creation order and removal stays O(1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Organization:
    id: str
    name: str


@dataclass
class Project:
    id: str
    name: str
    organization_id: str
    # environment name ("sandbox", "live") -> environment id
    environment_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class SigningKey:
    """An environment's RS256 key pair. `kid` is the key's id in the JWKS and in `GET
    .../keys`; the private key is kept as PKCS#8 PEM (a test fixture: see `signing`)."""

    kid: str
    private_pem: str
    created_at: datetime


@dataclass
class TestAccount:
    """The environment's test account: a static sign-in `code` (a secret in the product's
    sense: Dynamic answers it, and so does the emulator) for a fixed email and phone."""

    __test__ = False  # not a pytest test class, whatever its name says

    code: str
    email: str | None
    phone: str | None
    created_at: datetime


@dataclass
class Environment:
    id: str
    project_id: str
    name: str
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    # `settings.security.hCaptcha.secretKey`: accepted by PUT, never answered.
    hcaptcha_secret: str | None = None
    signing_key: SigningKey | None = None
    test_account: TestAccount | None = None
    origin_ids: dict[str, None] = field(default_factory=dict)
    token_ids: dict[str, None] = field(default_factory=dict)
    hostname_ids: dict[str, None] = field(default_factory=dict)
    webhook_ids: dict[str, None] = field(default_factory=dict)
    session_ids: dict[str, None] = field(default_factory=dict)


@dataclass
class Origin:
    id: str
    environment_id: str
    origin: str
    created_at: datetime


@dataclass
class ApiToken:
    id: str
    environment_id: str
    digest: str
    checksum: str
    note: str | None
    scopes: list[str]
    created_at: datetime
    created_by: dict[str, str]


@dataclass
class Hostname:
    id: str
    environment_id: str
    hostname: str
    usage: str
    status: str
    verification_records: list[dict[str, str]]
    errors: str | None = None


@dataclass
class Webhook:
    """A webhook; `secret` signs its deliveries and is answered only on create and on
    `GET ...?includeSecret=true`."""

    id: str
    environment_id: str
    url: str
    events: list[str]
    is_enabled: bool
    secret: str
    created_at: datetime
    updated_at: datetime
    enabled_at: datetime | None = None


@dataclass
class Session:
    """An end user's session; `revoked_at` is set once, by the first revocation."""

    id: str
    environment_id: str
    user_id: str
    created_at: datetime
    ip_address: str | None = None
    user_agent: str | None = None
    revoked_at: datetime | None = None
