"""The JSON shapes of the emulator's answers, one function per official-client model."""

from __future__ import annotations

from typing import Any

from pulumi_dynamic_security.emulator.state import (
    ApiToken,
    Environment,
    Hostname,
    Origin,
    Project,
    State,
    iso,
)


def settings(environment: Environment) -> dict[str, Any]:
    """`ProjectSettings` as stored (the write-only hCaptcha secret is never stored in it)."""
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
