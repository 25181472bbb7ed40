"""Making new records: projects with their two environments, tokens, origins, hostnames,
webhooks, test accounts and sessions.

Shared by the API routes, the control routes and the seeds, so that a planted or seeded
record is indistinguishable from one created through the API.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import uuid
from collections.abc import Sequence
from datetime import datetime

from pulumi_dynamic_security.emulator import documents
from pulumi_dynamic_security.emulator.records import (
    ApiToken,
    Environment,
    Hostname,
    Origin,
    Project,
    Session,
    TestAccount,
    Webhook,
)
from pulumi_dynamic_security.emulator.state import (
    ENVIRONMENT_NAMES,
    State,
    now_ms,
    token_digest,
)

TOKEN_PREFIX = "dyn_"
TOKEN_BODY_LENGTH = 36  # as in the API's example; the docs also mention 56
WEBHOOK_SECRET_PREFIX = "whsec_"
WEBHOOK_SECRET_LENGTH = 32
TEST_ACCOUNT_CODE_DIGITS = 6
_ALPHANUMERICS = string.ascii_letters + string.digits

# Who "created" a token when the admin token did it: a stand-in dashboard user.
ADMIN_USER = {
    "id": "09000000-0000-4000-8000-000000000001",
    "alias": "emulator-admin",
    "email": "admin@emulator.invalid",
}


def new_id() -> str:
    """A fresh lower-case uuid4, the form of every Dynamic id."""
    return str(uuid.uuid4())


def new_raw_token() -> str:
    """`dyn_` followed by 36 random alphanumerics."""
    body = "".join(secrets.choice(_ALPHANUMERICS) for _ in range(TOKEN_BODY_LENGTH))
    return TOKEN_PREFIX + body


def create_project(
    state: State,
    *,
    organization_id: str,
    name: str,
    project_id: str | None = None,
    environment_ids: Sequence[str] | None = None,
    now: datetime | None = None,
) -> Project:
    """A project with one `sandbox` and one `live` environment, each with fresh settings."""
    moment = now or now_ms()
    ids = list(environment_ids) if environment_ids is not None else [new_id(), new_id()]
    project = Project(id=project_id or new_id(), name=name, organization_id=organization_id)
    environments = [
        Environment(
            id=env_id,
            project_id=project.id,
            name=env_name,
            settings=documents.settings_document(env_name, display_name=name),
            created_at=moment,
            updated_at=moment,
        )
        for env_name, env_id in zip(ENVIRONMENT_NAMES, ids, strict=True)
    ]
    state.add_project(project, environments)
    return project


def create_origin(
    state: State, environment: Environment, value: str, *, origin_id: str | None = None
) -> Origin:
    """Add an origin and move the environment's `updatedAt`."""
    origin = Origin(
        id=origin_id or new_id(), environment_id=environment.id, origin=value, created_at=now_ms()
    )
    state.add_origin(origin)
    state.touch(environment)
    return origin


def create_token(
    state: State,
    environment: Environment,
    *,
    note: str | None,
    scopes: Sequence[str],
    created_by: dict[str, str],
    created_at: datetime | None = None,
    token_id: str | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token; returns the record and the raw value (shown once, never stored)."""
    raw = new_raw_token()
    token = ApiToken(
        id=token_id or new_id(),
        environment_id=environment.id,
        digest=token_digest(raw),
        checksum=raw[-6:],
        note=note,
        scopes=list(scopes),
        created_at=created_at or now_ms(),
        created_by=dict(created_by),
    )
    state.add_token(token)
    return token, raw


def create_hostname(
    state: State,
    environment: Environment,
    *,
    hostname: str,
    usage: str,
    status: str = "pending",
    hostname_id: str | None = None,
) -> Hostname:
    """A custom hostname with the DNS records Dynamic asks for (2 TXT, 1 CNAME)."""
    record_id = hostname_id or new_id()
    # Values derived from the id: stable across restarts and for seeded records.
    seed = hashlib.sha256(record_id.encode("ascii")).hexdigest()
    records = [
        {
            "dnsRecordType": "TXT",
            "verificationType": "ownership",
            "name": f"_cf-custom-hostname.{hostname}",
            "value": str(uuid.UUID(seed[:32])),
        },
        {
            "dnsRecordType": "TXT",
            "verificationType": "certificate",
            "name": f"_acme-challenge.{hostname}",
            "value": seed[32:],
        },
        {
            "dnsRecordType": "CNAME",
            "verificationType": "alias",
            "name": hostname,
            "value": f"{environment.id}.cname.dynamicauth.com",
        },
    ]
    item = Hostname(
        id=record_id,
        environment_id=environment.id,
        hostname=hostname,
        usage=usage,
        status=status,
        verification_records=records,
    )
    state.add_hostname(item)
    return item


def create_webhook(
    state: State, environment: Environment, *, url: str, events: Sequence[str], enabled: bool,
) -> Webhook:
    """A webhook with a fresh signing secret (`whsec_` + 32 random alphanumerics)."""
    now = now_ms()
    secret = WEBHOOK_SECRET_PREFIX + "".join(
        secrets.choice(_ALPHANUMERICS) for _ in range(WEBHOOK_SECRET_LENGTH))
    webhook = Webhook(
        id=new_id(), environment_id=environment.id, url=url, events=list(events),
        is_enabled=enabled, secret=secret, created_at=now, updated_at=now,
        enabled_at=now if enabled else None,
    )
    state.add_webhook(webhook)
    return webhook


def create_test_account(
    environment: Environment, *, code: str | None = None, email: str | None = None,
    phone: str | None = None,
) -> TestAccount:
    """The environment's test account: a static sign-in code (6 random digits unless given),
    for one email and one phone number (a `(555)` number, as Dynamic's sandbox accepts)."""
    digits = code or "".join(secrets.choice(string.digits)
                             for _ in range(TEST_ACCOUNT_CODE_DIGITS))
    account = TestAccount(
        code=digits,
        email=email or f"test+dynamic_test_{environment.id[:8]}@example.com",
        phone=phone or "+15555550100",
        created_at=now_ms(),
    )
    environment.test_account = account
    return account


def create_session(
    state: State, environment: Environment, user_id: str, *, session_id: str | None = None,
    ip_address: str | None = None, user_agent: str | None = None,
) -> Session:
    """A new, unrevoked session of `user_id` in the environment."""
    session = Session(
        id=session_id or new_id(), environment_id=environment.id, user_id=user_id,
        created_at=now_ms(), ip_address=ip_address, user_agent=user_agent,
    )
    state.add_session(session)
    return session
