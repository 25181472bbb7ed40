"""The emulator's in-memory state: every record by id, and the times and digests it uses.

Everything is keyed by id in plain dicts so that a request costs a few lookups however many
environments exist (benchmarks drive a thousand). The records are in `records`; the
`--state` file is `persistence`.

Raw API tokens are never stored: a token is found by the SHA-256 of the bearer value, so
neither the state file nor `GET /_emulator/state` can leak one. What Dynamic itself answers
again later (webhook secrets, test-account codes) and the environments' signing keys are kept
as they are: the emulator is a test fixture, and its state file is written with mode 0600.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from pulumi_dynamic_security.clock import utc_now
from pulumi_dynamic_security.emulator.records import (
    ApiToken,
    Environment,
    Hostname,
    Organization,
    Origin,
    Project,
    Session,
    Webhook,
)

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
class State:
    """Every record, by id. Mutators keep the per-environment indexes in step."""

    organizations: dict[str, Organization] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    environments: dict[str, Environment] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)
    tokens: dict[str, ApiToken] = field(default_factory=dict)
    hostnames: dict[str, Hostname] = field(default_factory=dict)
    webhooks: dict[str, Webhook] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
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

    def add_webhook(self, webhook: Webhook) -> None:
        self.webhooks[webhook.id] = webhook
        self.environments[webhook.environment_id].webhook_ids[webhook.id] = None

    def remove_webhook(self, webhook_id: str) -> Webhook:
        webhook = self.webhooks.pop(webhook_id)
        self.environments[webhook.environment_id].webhook_ids.pop(webhook_id, None)
        return webhook

    def add_session(self, session: Session) -> None:
        self.sessions[session.id] = session
        self.environments[session.environment_id].session_ids[session.id] = None

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

    def webhooks_of(self, environment: Environment) -> list[Webhook]:
        return [self.webhooks[i] for i in environment.webhook_ids]

    def sessions_of(self, environment: Environment, user_id: str | None = None
                    ) -> Iterator[Session]:
        """The environment's sessions, oldest first; only `user_id`'s when given."""
        for session_id in environment.session_ids:
            session = self.sessions[session_id]
            if user_id is None or session.user_id == user_id:
                yield session
