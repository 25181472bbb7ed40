"""Reading an environment as it is now: the settings document, origins, tokens, webhooks,
the test account, and (only when it matters) custom hostnames and the event catalogue.

`plan` and `drift` read each environment with 4 GETs, all sent at once (docs/apply.md#reads):
the environment (settings), its origins, its tokens and its webhooks — also for areas the
stage does not manage, because the online rules audit them — plus the test account for a
production stage (DS603 judges only those, and only on a `live` environment), the custom
hostnames only when a `live` environment is being switched to cookie storage (DS302), and
Dynamic's event catalogue once per run when a stage manages webhooks (`EventCatalogue`).
A read made only to audit (the webhooks of a stage that does not manage them, the test
account, the catalogue) that Dynamic answers 403 is recorded in `refused`, not raised: the
rules that needed it are skipped with a note (docs/rules.md#audit-reads). An endpoint
area's records (`records`) are what its one GET listed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, wait
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.api.errors import ForbiddenError
from pulumi_dynamic_security.api.models import Origin, ProjectEnvironment, Token, Webhook
from pulumi_dynamic_security.digests import sha256_of
from pulumi_dynamic_security.mapping import mapping_or_empty, token_storage, webhooks
from pulumi_dynamic_security.policy.areas import Area
from pulumi_dynamic_security.rules.base import AuditRead, LiveFacts, LiveToken, RefusedRead

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
    webhooks: tuple[Webhook, ...] | None = None
    # Whether the environment has a test account (None: not read), and its e-mail or phone
    # number; never its static code, which is dropped as soon as it is read.
    test_account: bool | None = None
    test_account_login: str | None = None
    event_names: frozenset[str] | None = None  # Dynamic's catalogue, when read
    refused: tuple[RefusedRead, ...] = ()  # audit reads answered 403

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
            "webhooks": self.webhooks,
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
            test_account=self.test_account,
            test_account_login=self.test_account_login,
            captcha_enabled=any(
                mapping_or_empty(self.security.get(key)).get("enabled") is True
                for key in ("captcha", "hCaptcha")
            ),
            environment_locked=self.security.get("environmentLocked") is True,
            webhooks=(webhooks.live_webhooks(self.webhooks) if self.webhooks is not None
                      else None),
            refused=self.refused,
        )


def _enabled(provider: dict[str, Any]) -> bool:
    # Dynamic marks an enabled provider with `enabledAt`; some payloads carry `enabled`.
    return bool(provider.get("enabledAt")) or provider.get("enabled") is True


class EventCatalogue:
    """Dynamic's webhook event names, read at most once per run (`GET /eventTypes`: the
    catalogue is the same for every environment) and shared by every stage and thread. The
    first stage that needs it sends the read (through its read pool, like its other reads);
    the others wait for that one answer, never on a thread of the pool. A 403 is kept as a
    refused audit read; another failure is raised, and the next stage that needs the
    catalogue tries again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._read: Future[frozenset[str] | RefusedRead] | None = None

    def names(self, client: DynamicClient,
              pool: Executor | None = None) -> Future[frozenset[str] | RefusedRead]:
        """The catalogue's answer, read now (through `pool` when given) or earlier."""
        with self._lock:
            read = self._read
            if read is None or (read.done() and read.exception() is not None):
                if pool is not None:
                    read = pool.submit(self._fetch, client)
                else:
                    read = Future()
                    try:
                        read.set_result(self._fetch(client))
                    except BaseException as exc:  # kept in the future, raised by the caller
                        read.set_exception(exc)
                self._read = read
            return read

    @staticmethod
    def _fetch(client: DynamicClient) -> frozenset[str] | RefusedRead:
        try:
            return frozenset(e.name for e in client.list_event_types())
        except ForbiddenError as exc:
            return RefusedRead("event_types", exc.required_scope)


@dataclass(frozen=True)
class _Audit:
    """The outcome of a read made only to audit: its value, or the 403 that refused it."""

    value: Any = None
    refused: RefusedRead | None = None


_NOT_READ: Any = object()  # a read Dynamic refused, where None means "there is none"


def _kept(audit: _Audit, refused: list[RefusedRead], missing: Any = None) -> Any:
    """The value of an audit read, or `missing` after noting its refusal in `refused`."""
    if audit.refused is not None:
        refused.append(audit.refused)
        return missing
    return audit.value


def _audited(read: AuditRead, call: Callable[[], Any]) -> Callable[[], _Audit]:
    def run() -> _Audit:
        try:
            return _Audit(call())
        except ForbiddenError as exc:
            return _Audit(refused=RefusedRead(read, exc.required_scope))
    return run


def read_snapshot(
    client: DynamicClient,
    environment_id: str,
    *,
    tokens: bool = True,
    webhooks: bool = False,
    webhooks_required: bool = False,
    test_account: bool = False,
    catalogue: EventCatalogue | None = None,
    cookie_storage_declared: bool = False,
    pool: Executor | None = None,
) -> Snapshot:
    """Read one environment: settings, origins and (unless told not to) tokens; with
    `webhooks`, its webhooks (an audit read unless `webhooks_required`); with
    `test_account`, whether it has one; with `catalogue`, Dynamic's event names (once per
    catalogue); the custom hostnames only when cookie storage is declared for a `live`
    environment that does not use it yet (the only case DS302 needs them).

    With `pool`, the reads are sent through it all at once (one round trip instead of one
    per read; the pool's size bounds how many requests are in flight), else one after the
    other. The first failure, in the order above, is raised once every read has ended.
    """
    reads: list[Callable[[], Any]] = [
        lambda: client.get_environment(environment_id),
        lambda: tuple(client.list_origins(environment_id)),
    ]
    if tokens:
        reads.append(lambda: tuple(client.list_tokens(environment_id)))
    if webhooks:
        listing = lambda: tuple(client.list_webhooks(environment_id))  # noqa: E731
        reads.append(listing if webhooks_required else _audited("webhooks", listing))
    if test_account:
        reads.append(_audited("test_account", lambda: client.get_test_account(environment_id)))
    shared = [catalogue.names(client, pool)] if catalogue is not None else []
    results = iter(_run_all(reads, pool, shared))
    environment: ProjectEnvironment = next(results)
    origins: tuple[Origin, ...] = next(results)
    token_list: tuple[Token, ...] | None = next(results) if tokens else None
    refused: list[RefusedRead] = []
    webhook_list: tuple[Webhook, ...] | None = None
    if webhooks:
        listed = next(results)
        webhook_list = listed if not isinstance(listed, _Audit) else _kept(listed, refused)
    has_test_account: bool | None = None
    login: str | None = None
    if test_account:
        account = _kept(next(results), refused, missing=_NOT_READ)
        if account is not _NOT_READ:
            has_test_account = account is not None
            login = (account.email or account.phone) if account is not None else None
    event_names: frozenset[str] | None = None
    if catalogue is not None:
        names = next(results)
        event_names = _kept(_Audit(refused=names) if isinstance(names, RefusedRead)
                            else _Audit(names), refused)
    return Snapshot(
        environment_id=environment_id,
        environment=environment,
        origins=origins,
        tokens=token_list,
        active_cookie_hostname=_cookie_hostname(client, environment, environment_id,
                                                cookie_storage_declared, pool),
        read_at=clock.utc_now(),
        webhooks=webhook_list,
        test_account=has_test_account,
        test_account_login=login,
        event_names=event_names,
        refused=tuple(refused),
    )


def _cookie_hostname(client: DynamicClient, environment: ProjectEnvironment,
                     environment_id: str, cookie_storage_declared: bool,
                     pool: Executor | None) -> bool | None:
    """Whether an active `cookies` custom hostname exists, read only when a `live`
    environment is being switched to cookie storage (None otherwise)."""
    security = mapping_or_empty(environment.settings.get("security"))
    switching_live_to_cookie = (
        cookie_storage_declared
        and environment.settings.get("environmentName") == "live"
        and token_storage.AREA.from_live(security) != "cookie"
    )
    if not switching_live_to_cookie:
        return None
    hostnames = (
        client.list_custom_hostnames(environment_id) if pool is None
        else pool.submit(client.list_custom_hostnames, environment_id).result()
    )
    return any(h.usage == "cookies" and h.status == "active" for h in hostnames)


def read_for_stage(
    client: DynamicClient,
    stage: EffectiveStage,
    *,
    tokens: bool = True,
    pool: Executor | None = None,
    catalogue: EventCatalogue | None = None,
) -> Snapshot:
    """The reads a plan of `stage` needs (`read_snapshot`): the webhooks always (required
    when the stage manages them), the test account for a production stage, the event
    catalogue when the stage manages webhooks (from `catalogue`, shared by a run's stages,
    or read for this plan alone), the custom hostnames only when the stage declares cookie
    storage."""
    manages_webhooks = bool(stage.webhooks)
    return read_snapshot(
        client, stage.environment_id, tokens=tokens,
        webhooks=True, webhooks_required=stage.webhooks is not None,
        test_account=stage.production,
        catalogue=(catalogue or EventCatalogue()) if manages_webhooks else None,
        cookie_storage_declared=stage.token_storage == "cookie", pool=pool,
    )


def _run_all(reads: list[Callable[[], Any]], pool: Executor | None,
             shared: list[Future[Any]]) -> list[Any]:
    """Every read's result, then the answers of `shared` (reads another stage may have
    sent), in order: the reads one after the other, or through `pool` together; the first
    failure (in order) is raised once every read has ended."""
    if pool is None:
        return [read() for read in reads] + [future.result() for future in shared]
    futures: list[Future[Any]] = [pool.submit(read) for read in reads] + shared
    wait(futures)
    for future in futures:
        error = future.exception()
        if error is not None:
            raise error
    return [future.result() for future in futures]
