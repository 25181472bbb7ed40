"""The JSON shapes of the emulator's answers, one function per official-client model."""

from __future__ import annotations

from typing import Any

from pulumi_dynamic_security.emulator import signing
from pulumi_dynamic_security.emulator.records import (
    ApiToken,
    Environment,
    Hostname,
    Origin,
    Project,
    Session,
    SigningKey,
    TestAccount,
    Webhook,
)
from pulumi_dynamic_security.emulator.state import State, iso


def settings(environment: Environment) -> dict[str, Any]:
    """`ProjectSettings` as stored (write-only members are never stored in it)."""
    return environment.settings


def environment(env: Environment) -> dict[str, Any]:
    """`ProjectEnvironment`."""
    return {
        "id": env.id,
        "settings": settings(env),
        "createdAt": iso(env.created_at),
        "updatedAt": iso(env.updated_at),
    }


def project(state: State, proj: Project) -> dict[str, Any]:
    """`Project` (also the `project` member of `CreateProjectResponse`)."""
    return {
        "id": proj.id,
        "name": proj.name,
        "organizationId": proj.organization_id,
        "projectEnvironments": [
            {"id": env_id, "environmentName": state.environments[env_id].name}
            for env_id in proj.environment_ids.values()
        ],
    }


def origin(item: Origin) -> dict[str, Any]:
    """`OriginResponse`."""
    return {
        "id": item.id,
        "origin": item.origin,
        "createdAt": iso(item.created_at),
        "projectEnvironmentId": item.environment_id,
    }


def token(item: ApiToken) -> dict[str, Any]:
    """`Token`, as listed: never the raw value."""
    body: dict[str, Any] = {
        "id": item.id,
        "checksum": item.checksum,
        "createdBy": dict(item.created_by),
        "createdAt": iso(item.created_at),
    }
    if item.note is not None:
        body["note"] = item.note
    body["projectEnvironmentId"] = item.environment_id
    body["projectEnvironment"] = {"id": item.environment_id}
    body["scopes"] = list(item.scopes)
    return body


def token_with_raw(item: ApiToken, raw_token: str) -> dict[str, Any]:
    """`CreateTokenResponse`: the one answer that carries the raw token."""
    body = token(item)
    body = {"id": body.pop("id"), "rawToken": raw_token, **body, "active": True}
    return {"token": body}


def hostname(item: Hostname) -> dict[str, Any]:
    """`CustomHostname`."""
    body: dict[str, Any] = {
        "id": item.id,
        "hostname": item.hostname,
        "usage": item.usage,
        "status": item.status,
        "verificationRecords": [dict(r) for r in item.verification_records],
    }
    if item.errors is not None:
        body["errors"] = item.errors
    return body


def webhook(item: Webhook, *, include_secret: bool) -> dict[str, Any]:
    """`Webhook`; the `secret` only on create and on `GET ...?includeSecret=true`."""
    body: dict[str, Any] = {
        "environmentId": item.environment_id,
        "webhookId": item.id,
        "url": item.url,
    }
    if include_secret:
        body["secret"] = item.secret
    body["events"] = list(item.events)
    body["isEnabled"] = item.is_enabled
    if item.enabled_at is not None:
        body["enabledAt"] = iso(item.enabled_at)
    body["createdAt"] = iso(item.created_at)
    body["updatedAt"] = iso(item.updated_at)
    return body


def webhooks(items: list[Webhook]) -> dict[str, Any]:
    """`WebhooksResponse`: one page holding every webhook; an empty `cursor` ends the list."""
    return {"data": [webhook(w, include_secret=False) for w in items], "cursor": ""}


def account(item: TestAccount) -> dict[str, Any]:
    """`TestAccountResponse`, static sign-in code included (as Dynamic answers it)."""
    body: dict[str, Any] = {"code": item.code}
    if item.email is not None:
        body["email"] = item.email
    if item.phone is not None:
        body["phone"] = item.phone
    return body


def session(item: Session) -> dict[str, Any]:
    """`Session`: `revokedAt` is null until revoked."""
    return {
        "id": item.id,
        "createdAt": iso(item.created_at),
        "ipAddress": item.ip_address,
        "userAgent": item.user_agent,
        "revokedAt": None if item.revoked_at is None else iso(item.revoked_at),
    }


def key(item: SigningKey) -> dict[str, Any]:
    """`KeyResponse`: the key's id (its `kid`) and the base64 of its public PEM."""
    return {"key": {"id": item.kid, "publicKey": signing.public_key_base64(item)}}


def jwks(item: SigningKey) -> dict[str, Any]:
    """`JwksResponse`: the environment's current key only."""
    return {"keys": [signing.jwk(item)]}
