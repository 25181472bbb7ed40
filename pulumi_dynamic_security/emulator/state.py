"""The emulator's in-memory state, and its optional JSON file (`--state FILE`).

Everything is keyed by id in plain dicts so that a request costs a few lookups however many
environments exist (benchmarks drive a thousand). Per-environment collections (origins,
tokens, hostnames) are insertion-ordered dicts used as ordered sets of ids: listing keeps
creation order and removal stays O(1).

Raw API tokens are never stored: a token is found by the SHA-256 of the bearer value, so
neither the state file nor `GET /_emulator/state` can leak one.

The file is written after every committed change, atomically (temp file in the same
directory, fsync, rename), so a crash or a reader never sees half a document. Each save
serializes the whole state (about 20 ms for a thousand environments): `--state` is for
keeping a session across restarts; in-memory state is the fast path.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pulumi_dynamic_security.clock import utc_now

STATE_FORMAT = 1
ENVIRONMENT_NAMES = ("sandbox", "live")


def now_ms() -> datetime:
    """Now in UTC, truncated to milliseconds (the precision of the wire format)."""
    now = utc_now()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def iso(moment: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and `Z`, as JavaScript's `toISOString()` writes it."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Read an ISO-8601 timestamp; a naive one is taken as UTC. Raises ValueError."""
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def token_digest(raw_token: str) -> str:
    """How a raw token is remembered: its SHA-256, never the value."""
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


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
class Environment:
    id: str
    project_id: str
    name: str
    settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    hcaptcha_secret: str | None = None
    origin_ids: dict[str, None] = field(default_factory=dict)
    token_ids: dict[str, None] = field(default_factory=dict)
    hostname_ids: dict[str, None] = field(default_factory=dict)


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
class State:
    """Every record, by id. Mutators keep the per-environment indexes in step."""

    organizations: dict[str, Organization] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    environments: dict[str, Environment] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)
    tokens: dict[str, ApiToken] = field(default_factory=dict)
    hostnames: dict[str, Hostname] = field(default_factory=dict)
    tokens_by_digest: dict[str, str] = field(default_factory=dict)

    # -- mutators ---------------------------------------------------------------------------

    def add_project(self, project: Project, environments: list[Environment]) -> None:
        self.projects[project.id] = project
        for environment in environments:
            self.environments[environment.id] = environment
            project.environment_ids[environment.name] = environment.id

    def add_origin(self, origin: Origin) -> None:
        self.origins[origin.id] = origin
        self.environments[origin.environment_id].origin_ids[origin.id] = None

    def remove_origin(self, origin_id: str) -> Origin:
        origin = self.origins.pop(origin_id)
        self.environments[origin.environment_id].origin_ids.pop(origin_id, None)
        return origin

    def add_token(self, token: ApiToken) -> None:
        self.tokens[token.id] = token
        self.tokens_by_digest[token.digest] = token.id
        self.environments[token.environment_id].token_ids[token.id] = None

    def remove_token(self, token_id: str) -> ApiToken:
        token = self.tokens.pop(token_id)
        self.tokens_by_digest.pop(token.digest, None)
        self.environments[token.environment_id].token_ids.pop(token_id, None)
        return token

    def add_hostname(self, hostname: Hostname) -> None:
        self.hostnames[hostname.id] = hostname
        self.environments[hostname.environment_id].hostname_ids[hostname.id] = None

    def remove_hostname(self, hostname_id: str) -> Hostname:
        hostname = self.hostnames.pop(hostname_id)
        self.environments[hostname.environment_id].hostname_ids.pop(hostname_id, None)
        return hostname

    def touch(self, environment: Environment) -> None:
        """Move `updatedAt`. It must change on every write, even two in one millisecond,
        because clients detect concurrent edits by comparing it."""
        now = now_ms()
        floor = environment.updated_at + timedelta(milliseconds=1)
        environment.updated_at = now if now >= floor else floor

    def origins_of(self, environment: Environment) -> list[Origin]:
        return [self.origins[i] for i in environment.origin_ids]

    def tokens_of(self, environment: Environment) -> list[ApiToken]:
        return [self.tokens[i] for i in environment.token_ids]

    def hostnames_of(self, environment: Environment) -> list[Hostname]:
        return [self.hostnames[i] for i in environment.hostname_ids]

    # -- (de)serialization ------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready document of the whole state (token digests, never raw tokens)."""
        return {
            "format": STATE_FORMAT,
            "organizations": [{"id": o.id, "name": o.name} for o in self.organizations.values()],
            "projects": [
                {
                    "id": p.id,
                    "name": p.name,
                    "organization_id": p.organization_id,
                    "environment_ids": dict(p.environment_ids),
                }
                for p in self.projects.values()
            ],
            "environments": [
                {
                    "id": e.id,
                    "project_id": e.project_id,
                    "name": e.name,
                    "settings": e.settings,
                    "created_at": iso(e.created_at),
                    "updated_at": iso(e.updated_at),
                    "hcaptcha_secret": e.hcaptcha_secret,
                }
                for e in self.environments.values()
            ],
            "origins": [
                {
                    "id": o.id,
                    "environment_id": o.environment_id,
                    "origin": o.origin,
                    "created_at": iso(o.created_at),
                }
                for o in self.origins.values()
            ],
            "tokens": [
                {
                    "id": t.id,
                    "environment_id": t.environment_id,
                    "digest": t.digest,
                    "checksum": t.checksum,
                    "note": t.note,
                    "scopes": list(t.scopes),
                    "created_at": iso(t.created_at),
                    "created_by": dict(t.created_by),
                }
                for t in self.tokens.values()
            ],
            "hostnames": [
                {
                    "id": h.id,
                    "environment_id": h.environment_id,
                    "hostname": h.hostname,
                    "usage": h.usage,
                    "status": h.status,
                    "verification_records": [dict(r) for r in h.verification_records],
                    "errors": h.errors,
                }
                for h in self.hostnames.values()
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        """Rebuild a state written by `to_json`. Raises KeyError/TypeError/ValueError."""
        if data.get("format") != STATE_FORMAT:
            raise ValueError(f"unsupported state format {data.get('format')!r}")
        state = cls()
        for o in data["organizations"]:
            state.organizations[o["id"]] = Organization(o["id"], o["name"])
        for e in data["environments"]:
            state.environments[e["id"]] = Environment(
                id=e["id"],
                project_id=e["project_id"],
                name=e["name"],
                settings=e["settings"],
                created_at=parse_iso(e["created_at"]),
                updated_at=parse_iso(e["updated_at"]),
                hcaptcha_secret=e.get("hcaptcha_secret"),
            )
        for p in data["projects"]:
            state.projects[p["id"]] = Project(
                p["id"], p["name"], p["organization_id"], dict(p["environment_ids"])
            )
        for o in data["origins"]:
            state.add_origin(
                Origin(o["id"], o["environment_id"], o["origin"], parse_iso(o["created_at"]))
            )
        for t in data["tokens"]:
            state.add_token(
                ApiToken(
                    id=t["id"],
                    environment_id=t["environment_id"],
                    digest=t["digest"],
                    checksum=t["checksum"],
                    note=t["note"],
                    scopes=list(t["scopes"]),
                    created_at=parse_iso(t["created_at"]),
                    created_by=dict(t["created_by"]),
                )
            )
        for h in data["hostnames"]:
            state.add_hostname(
                Hostname(
                    id=h["id"],
                    environment_id=h["environment_id"],
                    hostname=h["hostname"],
                    usage=h["usage"],
                    status=h["status"],
                    verification_records=[dict(r) for r in h["verification_records"]],
                    errors=h.get("errors"),
                )
            )
        return state


class StateFileError(Exception):
    """The state file exists but cannot be read as emulator state."""


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
        except OSError as exc:
            raise StateFileError(f"cannot read {self.path}: {exc.strerror}") from exc
        try:
            return State.from_json(json.loads(text))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StateFileError(
                f"{self.path} is not an emulator state file ({type(exc).__name__}: {exc})"
            ) from exc

    def save(self, state: State) -> None:
        """Write the whole state: temp file beside the target, fsync, then rename over it."""
        directory = self.path.parent
        directory.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(state.to_json(), ensure_ascii=False, separators=(",", ":"))
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
