"""The `--state FILE`: the whole state as one JSON document, read once at start and rewritten
atomically after every committed change.

Atomic: temp file in the same directory (created with mode 0600), fsync, rename, so a crash
or a reader never sees half a document. Each save serializes the whole state
(docs/decisions/emulator-state-file.md): `--state` is for keeping a session across restarts;
in-memory state is the fast path.

What the file holds: token digests (never raw tokens); the write-only hCaptcha secret;
webhook secrets and test-account codes, which the API answers again on request; and each
environment's RS256 private key, so that JWTs minted before a restart still verify after it.
The file is a test fixture: keep it out of version control anyway.

Format 2 added webhooks, sessions, test accounts and signing keys; a format-1 file (which has
none of them) is still read.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pulumi_dynamic_security.emulator import signing
from pulumi_dynamic_security.emulator.records import (
    ApiToken,
    Environment,
    Hostname,
    Organization,
    Origin,
    Project,
    Session,
    SigningKey,
    TestAccount,
    Webhook,
)
from pulumi_dynamic_security.emulator.state import State, iso, parse_iso

STATE_FORMAT = 2
READABLE_FORMATS = (1, 2)


class StateFileError(Exception):
    """The state file exists but cannot be read as emulator state."""


def _time(value: Any) -> Any:
    return None if value is None else iso(value)


def _parsed(value: Any) -> Any:
    return None if value is None else parse_iso(value)


def _environment(e: Environment) -> dict[str, Any]:
    key = e.signing_key
    account = e.test_account
    return {
        "id": e.id,
        "project_id": e.project_id,
        "name": e.name,
        "settings": e.settings,
        "created_at": iso(e.created_at),
        "updated_at": iso(e.updated_at),
        "hcaptcha_secret": e.hcaptcha_secret,
        "signing_key": None if key is None else {
            "kid": key.kid, "private_pem": key.private_pem, "created_at": iso(key.created_at),
        },
        "test_account": None if account is None else {
            "code": account.code, "email": account.email, "phone": account.phone,
            "created_at": iso(account.created_at),
        },
    }


def dump(state: State) -> dict[str, Any]:
    """A JSON-ready document of the whole state (token digests, never raw tokens)."""
    return {
        "format": STATE_FORMAT,
        "organizations": [{"id": o.id, "name": o.name} for o in state.organizations.values()],
        "projects": [
            {"id": p.id, "name": p.name, "organization_id": p.organization_id,
             "environment_ids": dict(p.environment_ids)}
            for p in state.projects.values()
        ],
        "environments": [_environment(e) for e in state.environments.values()],
        "origins": [
            {"id": o.id, "environment_id": o.environment_id, "origin": o.origin,
             "created_at": iso(o.created_at)}
            for o in state.origins.values()
        ],
        "tokens": [
            {"id": t.id, "environment_id": t.environment_id, "digest": t.digest,
             "checksum": t.checksum, "note": t.note, "scopes": list(t.scopes),
             "created_at": iso(t.created_at), "created_by": dict(t.created_by)}
            for t in state.tokens.values()
        ],
        "hostnames": [
            {"id": h.id, "environment_id": h.environment_id, "hostname": h.hostname,
             "usage": h.usage, "status": h.status,
             "verification_records": [dict(r) for r in h.verification_records],
             "errors": h.errors}
            for h in state.hostnames.values()
        ],
        "webhooks": [
            {"id": w.id, "environment_id": w.environment_id, "url": w.url,
             "events": list(w.events), "is_enabled": w.is_enabled, "secret": w.secret,
             "created_at": iso(w.created_at), "updated_at": iso(w.updated_at),
             "enabled_at": _time(w.enabled_at)}
            for w in state.webhooks.values()
        ],
        "sessions": [
            {"id": s.id, "environment_id": s.environment_id, "user_id": s.user_id,
             "created_at": iso(s.created_at), "ip_address": s.ip_address,
             "user_agent": s.user_agent, "revoked_at": _time(s.revoked_at)}
            for s in state.sessions.values()
        ],
    }


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"{what} must be an object")
    return value


def _load_environment(e: dict[str, Any]) -> Environment:
    secret = e.get("hcaptcha_secret")
    if secret is not None and not isinstance(secret, str):
        raise TypeError("hcaptcha_secret must be a string")
    key = e.get("signing_key")
    if key is not None:
        signing.load_private_key(str(key["private_pem"]))  # ValueError for a broken key
    account = e.get("test_account")
    return Environment(
        id=e["id"],
        project_id=e["project_id"],
        name=e["name"],
        settings=_object(e["settings"], "settings"),
        created_at=parse_iso(e["created_at"]),
        updated_at=parse_iso(e["updated_at"]),
        hcaptcha_secret=secret,
        signing_key=None if key is None else SigningKey(
            str(key["kid"]), str(key["private_pem"]), parse_iso(key["created_at"])),
        test_account=None if account is None else TestAccount(
            str(account["code"]), account.get("email"), account.get("phone"),
            parse_iso(account["created_at"])),
    )


def load(data: Any) -> State:
    """Rebuild a state written by `dump`. Raises KeyError/TypeError/ValueError."""
    data = _object(data, "the document")
    if data.get("format") not in READABLE_FORMATS:
        raise ValueError(f"unsupported state format {data.get('format')!r}")
    state = State()
    for o in data["organizations"]:
        state.organizations[o["id"]] = Organization(o["id"], o["name"])
    for e in data["environments"]:
        environment = _load_environment(_object(e, "an environment"))
        state.environments[environment.id] = environment
    for p in data["projects"]:
        state.projects[p["id"]] = Project(
            p["id"], p["name"], p["organization_id"], dict(p["environment_ids"])
        )
    for o in data["origins"]:
        state.add_origin(
            Origin(o["id"], o["environment_id"], o["origin"], parse_iso(o["created_at"]))
        )
    for t in data["tokens"]:
        state.add_token(ApiToken(
            id=t["id"], environment_id=t["environment_id"], digest=t["digest"],
            checksum=t["checksum"], note=t["note"], scopes=list(t["scopes"]),
            created_at=parse_iso(t["created_at"]), created_by=dict(t["created_by"]),
        ))
    for h in data["hostnames"]:
        state.add_hostname(Hostname(
            id=h["id"], environment_id=h["environment_id"], hostname=h["hostname"],
            usage=h["usage"], status=h["status"],
            verification_records=[dict(r) for r in h["verification_records"]],
            errors=h.get("errors"),
        ))
    for w in data.get("webhooks", []):
        state.add_webhook(Webhook(
            id=w["id"], environment_id=w["environment_id"], url=w["url"],
            events=list(w["events"]), is_enabled=bool(w["is_enabled"]), secret=w["secret"],
            created_at=parse_iso(w["created_at"]), updated_at=parse_iso(w["updated_at"]),
            enabled_at=_parsed(w.get("enabled_at")),
        ))
    for s in data.get("sessions", []):
        state.add_session(Session(
            id=s["id"], environment_id=s["environment_id"], user_id=s["user_id"],
            created_at=parse_iso(s["created_at"]), ip_address=s.get("ip_address"),
            user_agent=s.get("user_agent"), revoked_at=_parsed(s.get("revoked_at")),
        ))
    return state


class StateStore:
    """The `--state FILE`: read once at start, rewritten atomically after each change."""

    def __init__(self, path: Path):
        self.path = path

    def load(self) -> State | None:
        """The saved state, or None when the file does not exist yet."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise StateFileError(f"cannot read {self.path}: {reason}") from exc
        try:
            return load(json.loads(text))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise StateFileError(
                f"{self.path} is not an emulator state file ({type(exc).__name__}: {exc})"
            ) from exc

    def save(self, state: State) -> None:
        """Write the whole state: temp file beside the target, fsync, then rename over it."""
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(dump(state), ensure_ascii=False, separators=(",", ":"))
        fd, temp_name = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=directory
        )
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_name, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp_name)
            raise
