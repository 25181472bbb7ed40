"""Reading an environment as it is now: the settings document, origins, tokens, and (only
when it matters) custom hostnames.

`plan` and `drift` read each environment with 3 GETs (docs/apply.md#reads) — also for areas
the stage does not manage, because the online rules audit them — plus the custom hostnames
only when a `live` environment is being switched to cookie storage (DS302). An endpoint
area's records (`records`) are what its one GET listed.
"""

from __future__ import annotations

from concurrent.futures import Executor, Future, wait
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.api.models import Origin, ProjectEnvironment, Token
from pulumi_dynamic_security.digests import sha256_of
from pulumi_dynamic_security.mapping import mapping_or_empty, token_storage
from pulumi_dynamic_security.policy.areas import Area
from pulumi_dynamic_security.rules.base import LiveFacts, LiveToken

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient
    from pulumi_dynamic_security.policy.stages import EffectiveStage

WALLET_PROVIDERS = ("turnkey", "coinbaseWaas")


@dataclass(frozen=True)
class EnvironmentDigest:
    """What a plan saw of the environment (its `updatedAt`, the digests of its settings and
    origins); `apply` compares it with a fresh read to refuse a stale plan
    (docs/apply.md#stale-plans). Saved plans write it as `basis`."""

    updated_at: str | None
    settings_sha256: str
    origins_sha256: str

    def to_json(self) -> dict[str, Any]:
        return {
            "updated_at": self.updated_at,
            "settings_sha256": self.settings_sha256,
            "origins_sha256": self.origins_sha256,
        }

    @classmethod
    def from_json(cls, data: Any) -> EnvironmentDigest:
        if not isinstance(data, dict):
            raise ValueError("basis missing")
        updated, settings, origins = (
            data.get("updated_at"), data.get("settings_sha256"), data.get("origins_sha256")
        )
        if not isinstance(settings, str) or not isinstance(origins, str):
            raise ValueError("basis without digests")
        return cls(updated if isinstance(updated, str) else None, settings, origins)

    def what_changed(self, now: EnvironmentDigest) -> str | None:
        """What differs in `now` (`settings`, `allowed origins` or the `environment`'s
        `updatedAt`), or None when nothing does."""
        if now == self:
            return None
        if now.settings_sha256 != self.settings_sha256:
            return "settings"
        return "allowed origins" if now.origins_sha256 != self.origins_sha256 else "environment"


@dataclass(frozen=True)
class Snapshot:
    """One environment as read; parts not read are None."""

    environment_id: str
    environment: ProjectEnvironment
    origins: tuple[Origin, ...]
    tokens: tuple[Token, ...] | None
    active_cookie_hostname: bool | None
    read_at: datetime

    @property
    def settings(self) -> dict[str, Any]:
        return self.environment.settings

    @property
    def security(self) -> dict[str, Any]:
        """The raw `settings.security` object (empty when absent)."""
        return mapping_or_empty(self.settings.get("security"))

    @property
    def environment_name(self) -> str | None:
        name = self.settings.get("environmentName")
        return name if name in ("sandbox", "live") else None

    def records(self, area: Area) -> tuple[Any, ...] | None:
        """The records of an endpoint area as listed; None when they were not read."""
        listed: dict[Area, tuple[Any, ...] | None] = {
            "allowed_origins": self.origins, "api_tokens": self.tokens,
        }
        return listed.get(area)

    def digest(self) -> EnvironmentDigest:
        updated = self.environment.updated_at
        return EnvironmentDigest(
            updated_at=updated.isoformat() if updated is not None else None,
            settings_sha256=sha256_of(self.settings),
            origins_sha256=sha256_of(sorted(
                (o.origin, o.id) for o in self.origins
            )),
        )

    def live_facts(self, auth_token_checksum: str | None) -> LiveFacts:
        """The facts the (live) rules need."""
        settings = self.settings
        sdk = mapping_or_empty(settings.get("sdk"))
        providers = [p for p in settings.get("providers") or () if isinstance(p, dict)]
        return LiveFacts(
            now=self.read_at,
            environment_name=self.environment_name,  # type: ignore[arg-type]
            tokens=tuple(
                LiveToken(t.id, t.note, t.checksum, t.created_at, tuple(t.scopes))
                for t in self.tokens or ()
            ),
            auth_token_checksum=auth_token_checksum,
            active_cookie_hostname=self.active_cookie_hostname,
            embedded_wallets_enabled=bool(sdk.get("waas")) or any(
                p.get("provider") in WALLET_PROVIDERS and _enabled(p) for p in providers
            ),
            sms_sign_in_enabled=any(p.get("provider") == "sms" and _enabled(p) for p in providers),
        )


def _enabled(provider: dict[str, Any]) -> bool:
    # Dynamic marks an enabled provider with `enabledAt`; some payloads carry `enabled`.
    return bool(provider.get("enabledAt")) or provider.get("enabled") is True


def read_snapshot(
    client: DynamicClient,
    environment_id: str,
    *,
    tokens: bool = True,
    cookie_storage_declared: bool = False,
    pool: Executor | None = None,
) -> Snapshot:
    """Read one environment: settings, origins and (unless told not to) tokens; the custom
    hostnames only when cookie storage is declared for a `live` environment that does not
    use it yet (the only case DS302 needs them).

    With `pool`, the reads are sent through it all at once (one round trip instead of three;
    the pool's size bounds how many requests are in flight), else one after the other.
    """
    if pool is None:
        environment = client.get_environment(environment_id)
        origins = tuple(client.list_origins(environment_id))
        token_list = tuple(client.list_tokens(environment_id)) if tokens else None
    else:
        environment, origins, token_list = _read_concurrently(
            client, environment_id, tokens=tokens, pool=pool
        )
    active_cookie_hostname: bool | None = None
    security = mapping_or_empty(environment.settings.get("security"))
    switching_live_to_cookie = (
        cookie_storage_declared
        and environment.settings.get("environmentName") == "live"
        and token_storage.AREA.from_live(security) != "cookie"
    )
    if switching_live_to_cookie:
        hostnames = (
            client.list_custom_hostnames(environment_id) if pool is None
            else pool.submit(client.list_custom_hostnames, environment_id).result()
        )
        active_cookie_hostname = any(
            h.usage == "cookies" and h.status == "active" for h in hostnames
        )
    return Snapshot(
        environment_id=environment_id,
        environment=environment,
        origins=origins,
        tokens=token_list,
        active_cookie_hostname=active_cookie_hostname,
        read_at=clock.utc_now(),
    )


def read_for_stage(
    client: DynamicClient,
    stage: EffectiveStage,
    *,
    tokens: bool = True,
    pool: Executor | None = None,
) -> Snapshot:
    """The reads a plan of `stage` needs (`read_snapshot`; the custom hostnames only when
    the stage declares cookie storage)."""
    return read_snapshot(
        client, stage.environment_id, tokens=tokens,
        cookie_storage_declared=stage.token_storage == "cookie", pool=pool,
    )


def _read_concurrently(
    client: DynamicClient, environment_id: str, *, tokens: bool, pool: Executor
) -> tuple[ProjectEnvironment, tuple[Origin, ...], tuple[Token, ...] | None]:
    """The three reads of `read_snapshot`, sent through `pool` together; the first failure
    (in the order settings, origins, tokens) is raised once every read has ended."""
    reads: list[Future[Any]] = [
        pool.submit(client.get_environment, environment_id),
        pool.submit(client.list_origins, environment_id),
    ]
    if tokens:
        reads.append(pool.submit(client.list_tokens, environment_id))
    wait(reads)
    for read in reads:
        error = read.exception()
        if error is not None:
            raise error
    environment: ProjectEnvironment = reads[0].result()
    origins = tuple(reads[1].result())
    token_list = tuple(reads[2].result()) if tokens else None
    return environment, origins, token_list
