"""What the three dynamic providers share: credentials, a client per call, inputs <-> stage,
and the wire's quirks.

How the Pulumi engine drives these providers, and what follows from it:

* **Pickled into the state.** Constructing a resource pickles its provider instance (dill)
  into the `__provider` property; the host process (`python -m pulumi.dynamic`) unpickles it
  and calls `configure()` once, then the CRUD methods. So providers have zero-argument
  constructors and live in an importable module (pickled by reference: a few dozen bytes,
  no code), and credentials exist on `self` only after `configure()`. `__getstate__` leaves
  them out, and the token is a `redaction.Secret`, which refuses to be pickled: were it ever
  to slip past `__getstate__`, serializing would fail instead of writing it to the state.
* **Credentials.** `configure()` reads the stack config `dynamic-security:apiToken` (secret)
  and `dynamic-security:apiUrl` (full keys: the namespace is not the project's), falling back
  to `DYNAMIC_API_TOKEN` / `DYNAMIC_API_URL`. A client is made per call and closed after it.
* **Secrets.** The host answers `acceptSecrets=False`, so the engine strips secret wrappers
  before every call and afterwards marks an output secret when the input of the same name
  was. A value the provider computes under a new key (the raw API token) is wrapped by the
  provider itself (`rpc.wrap_rpc_secret`).
* **Preview.** Check and Diff run with unknown values (`Unknown()`); an unknown is never a
  failure. Create and Update never run in preview.
* **Wire types.** Numbers travel as doubles and `None` values vanish. So every value these
  providers emit is a string, a bool, a list or a dict (durations as `"2h"`, times as
  `"2026-01-02T03:04:05Z"`), `None` is never emitted (`compact`), and keys are read with
  `.get()`.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.runtime import rpc
from pydantic import ValidationError

from pulumi_dynamic_security.api.config import DEFAULT_BASE_URL
from pulumi_dynamic_security.api.errors import NotFoundError
from pulumi_dynamic_security.errors import DynsecError, InputError
from pulumi_dynamic_security.policy.models import MFA_ACTIONS, MFA_METHODS, Stage, Waiver
from pulumi_dynamic_security.policy.stages import (
    EffectiveMfa,
    EffectiveStage,
    parse_path,
    resolve_stage,
)
from pulumi_dynamic_security.redaction import Secret, redact
from pulumi_dynamic_security.rules.base import Rule, RuleArea
from pulumi_dynamic_security.rules.engine import evaluate
from pulumi_dynamic_security.service.connection import Connection
from pulumi_dynamic_security.service.resources import declared_changes

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient

CONFIG_API_TOKEN = "dynamic-security:apiToken"
CONFIG_API_URL = "dynamic-security:apiUrl"
ENV_API_TOKEN = "DYNAMIC_API_TOKEN"
ENV_API_URL = "DYNAMIC_API_URL"

COMMON_INPUTS = ("environment_id", "stage", "production", "waivers")

_T = TypeVar("_T")


class ProviderError(Exception):
    """A failed operation, explained in one paragraph (what, where, what to do).

    Raised instead of the library's own exception so that the engine shows our sentence
    rather than a chain of tracebacks from inside the HTTP client."""


# -- wire values ------------------------------------------------------------------------------


def is_unknown(value: Any) -> bool:
    """A value not known yet (preview): the host decodes it as `Unknown()`."""
    return isinstance(value, pulumi.output.Unknown) or value == rpc.UNKNOWN


def contains_unknown(value: Any) -> bool:
    """True when `value` is unknown or holds an unknown anywhere inside."""
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(item) for item in value)
    return False


def compact(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` without its `None` entries (the wire drops them; so do we, so that what we
    compare before and after a round trip is the same)."""
    return {key: value for key, value in values.items() if value is not None}


def revealed(value: Any) -> Any:
    """A value with its secret wrapper removed (the engine strips them; a direct caller of
    the provider may not)."""
    return rpc.unwrap_rpc_secret(value) if rpc.is_rpc_secret(value) else value


def secret(value: str) -> Any:
    """`value` wrapped as a Pulumi secret for the wire."""
    return rpc.wrap_rpc_secret(value)


# -- inputs <-> EffectiveStage ----------------------------------------------------------------


@dataclass(frozen=True)
class Parsed:
    """Inputs read into a stage slice, or the reasons they cannot be."""

    stage: EffectiveStage | None
    failures: tuple[CheckFailure, ...] = ()


def waiver_inputs(stage: EffectiveStage, areas: Sequence[RuleArea]) -> list[dict[str, Any]]:
    """The stage's waivers of the rules in `areas`, as resource inputs (JSON values)."""
    from pulumi_dynamic_security.rules.catalog import rule_by_id

    result = []
    for entry in stage.waivers:
        try:
            area = rule_by_id(entry.waiver.rule).area
        except KeyError:
            continue
        if area in areas:
            result.append(entry.waiver.model_dump(mode="json", exclude_none=True))
    return result


def common_inputs(stage: EffectiveStage, areas: Sequence[RuleArea]) -> dict[str, Any]:
    """`environment_id`, `stage`, `production` and the applicable `waivers` of `stage`."""
    return {
        "environment_id": stage.environment_id,
        "stage": stage.name,
        "production": stage.production,
        "waivers": waiver_inputs(stage, areas),
    }


def app_output(stage: EffectiveStage) -> dict[str, bool]:
    """The stage's `app` facts, every field of `ResolvedApp` (so a new fact travels too)."""
    return {f.name: getattr(stage.app, f.name) for f in fields(stage.app)}


def limits_output(stage: EffectiveStage) -> dict[str, str]:
    """The stage's `limits`, every field of `ResolvedLimits`, as durations (`"7d"`)."""
    return {f.name: str(getattr(stage.limits, f.name)) for f in fields(stage.limits)}


def mfa_output(value: EffectiveMfa) -> dict[str, Any]:
    """The managed MFA keys, lists in the policy's canonical order."""
    return compact({
        "methods": (
            [m for m in MFA_METHODS if m in value.methods] if value.methods is not None else None
        ),
        "require_at_login": value.require_at_login,
        "require_for_actions": (
            [a for a in MFA_ACTIONS if a in value.require_for_actions]
            if value.require_for_actions is not None else None
        ),
        "backup_codes": value.backup_codes,
    })


def _loc_path(loc: tuple[int | str, ...]) -> tuple[str | int, ...]:
    # pydantic inserts validator names ("function-after[...]") into `loc`; keep the data path.
    return tuple(part for part in loc if isinstance(part, int) or "[" not in part)


# -- the provider base ------------------------------------------------------------------------


class DynamicSecurityProvider(ResourceProvider, ABC):
    """Shared behaviour; a subclass says which slice of a stage it holds.

    Subclasses set `rule_areas` (the rules `check` runs) and implement the mapping between
    their inputs and the policy's words (`policy_values`, `property_of`, `area_outputs`).
    """

    rule_areas: ClassVar[tuple[RuleArea, ...]]
    # The inputs besides COMMON_INPUTS, in the order outputs list them.
    area_inputs: ClassVar[tuple[str, ...]]

    # Runtime-only state, set by configure() in the host and never pickled. Class-level
    # defaults, because unpickling does not run __init__.
    _RUNTIME_ONLY: ClassVar[tuple[str, ...]] = ("_api_url", "_token", "_configured")
    _api_url: str | None = None
    _token: Secret | None = None
    _configured: bool = False

    def __init__(self) -> None:
        super().__init__()

    # pickling: the instance travels in the state; credentials must not.
    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if k not in self._RUNTIME_ONLY}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        vars(self).update(state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # -- credentials and clients ---------------------------------------------------------------

    def configure(self, req: ConfigureRequest) -> None:
        """Read the API URL and token from the stack config (full keys), else the environment."""
        config = req.config
        token = _text(config.get(CONFIG_API_TOKEN)) or _text(os.environ.get(ENV_API_TOKEN))
        url = _text(config.get(CONFIG_API_URL)) or _text(os.environ.get(ENV_API_URL))
        self._token = Secret(token) if token else None
        self._api_url = url or DEFAULT_BASE_URL
        self._configured = True

    def _credentials(self) -> tuple[str, Secret | None]:
        if self._configured:
            return self._api_url or DEFAULT_BASE_URL, self._token
        # Not configured (a direct call, not through the host): the environment only.
        token = _text(os.environ.get(ENV_API_TOKEN))
        url = _text(os.environ.get(ENV_API_URL)) or DEFAULT_BASE_URL
        return url, Secret(token) if token else None

    @property
    def auth_token_checksum(self) -> str | None:
        """The last six characters of the token this provider authenticates with."""
        token = self._credentials()[1]
        return token.checksum if token is not None else None

    @contextmanager
    def client(self) -> Iterator[DynamicClient]:
        """A client for one call, closed afterwards."""
        url, token = self._credentials()
        if token is None:
            raise InputError(
                "No Dynamic API token for the dynamic-security provider.",
                hint="Run `pulumi config set --secret dynamic-security:apiToken` in the stack "
                f"(the value is read from standard input), or export {ENV_API_TOKEN}.",
            )
        with Connection(api_url=url).client(token) as client:
            yield client

    # -- inputs <-> stage -----------------------------------------------------------------------

    @abstractmethod
    def policy_values(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The resource's own inputs in the policy's words (keys of a policy stage)."""

    @abstractmethod
    def property_of(self, path: tuple[str | int, ...]) -> str:
        """The input a policy path (`allowed_origins[1]`, `mfa.methods`) belongs to."""

    @abstractmethod
    def area_outputs(self, stage: EffectiveStage) -> dict[str, Any]:
        """The resource's own values from `stage`, normalized (the outputs repeat these)."""

    def parse(self, inputs: Mapping[str, Any]) -> Parsed:
        """Validate `inputs` with the policy's own models and resolve them like a stage."""
        failures: list[CheckFailure] = []
        name = inputs.get("stage")
        if not isinstance(name, str) or not name:
            failures.append(CheckFailure("stage", "stage must be the policy's stage name"))
        data = compact({
            "environment_id": inputs.get("environment_id"),
            "production": inputs.get("production"),
            **self.policy_values(inputs),
        })
        model: Stage | None = None
        try:
            model = Stage.model_validate(data)
        except ValidationError as exc:
            for detail in exc.errors(include_url=False):
                path = _loc_path(detail["loc"])
                prop = self.property_of(path)
                failures.append(CheckFailure(prop, f"{_render(prop, path)}: {detail['msg']}"))
        waivers = self._waivers(inputs.get("waivers"), failures)
        if failures or model is None or not isinstance(name, str):
            return Parsed(None, tuple(failures))
        return Parsed(resolve_stage(name, model, None, waivers))

    def _waivers(self, value: Any, failures: list[CheckFailure]) -> list[Waiver]:
        from pulumi_dynamic_security.rules.catalog import rule_ids

        if value is None:
            return []
        if not isinstance(value, (list, tuple)):
            failures.append(CheckFailure("waivers", "waivers must be a list of waivers"))
            return []
        waivers = []
        for index, item in enumerate(value):
            try:
                waiver = Waiver.model_validate(item)
            except ValidationError as exc:
                first = exc.errors(include_url=False)[0]
                where = ".".join(str(p) for p in _loc_path(first["loc"]))
                failures.append(CheckFailure(
                    "waivers", f"waivers[{index}]{'.' + where if where else ''}: {first['msg']}"
                ))
                continue
            if waiver.rule not in rule_ids():
                failures.append(CheckFailure(
                    "waivers", f"waivers[{index}]: no rule {waiver.rule!r} (see `dynsec rules`)"
                ))
                continue
            waivers.append(waiver)
        return waivers

    def stage_of(self, inputs: Mapping[str, Any]) -> EffectiveStage:
        """The stage slice of inputs that `check` accepted; ProviderError otherwise."""
        parsed = self.parse(inputs)
        if parsed.stage is None:
            reasons = "; ".join(f"{f.property}: {f.reason}" for f in parsed.failures)
            raise ProviderError(f"Invalid inputs for {type(self).__name__}: {reasons}.")
        return parsed.stage

    def normalized(self, stage: EffectiveStage) -> dict[str, Any]:
        """The inputs in normal form: what `check` returns and the outputs repeat (the
        waivers that apply to the stage, the production flag resolved)."""
        return compact({
            "environment_id": stage.environment_id,
            "stage": stage.name,
            "production": stage.production,
            "waivers": [
                entry.waiver.model_dump(mode="json", exclude_none=True)
                for entry in stage.waivers
            ],
            **self.area_outputs(stage),
        })

    def input_keys(self) -> tuple[str, ...]:
        return (*COMMON_INPUTS, *self.area_inputs)

    def only_inputs(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return compact({key: values.get(key) for key in self.input_keys()})

    # -- rules ---------------------------------------------------------------------------------

    def rules(self) -> tuple[Rule, ...]:
        """The offline rules on this resource's own areas."""
        from pulumi_dynamic_security.rules.catalog import RULES

        return tuple(r for r in RULES if r.area in self.rule_areas and not r.live)

    def rule_failures(self, stage: EffectiveStage) -> list[CheckFailure]:
        report = evaluate(stage, rules=self.rules())
        return [
            CheckFailure(self.property_of(parse_path(f.path)),
                         f"{f.rule} {f.name}: {f.message}. {f.remediation}")
            for f in report.findings if f.blocks
        ]

    # -- the engine's calls ---------------------------------------------------------------------

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and normalize the inputs, and run this resource's rules on them.

        An unwaived `error` finding is a failure naming the rule and the input. While any
        input is unknown (preview), nothing is judged: the component already ran the whole
        stage's rules on the declared policy when the program built it."""
        inputs = {k: v for k, v in news.items() if k != "__provider"}
        if contains_unknown(inputs):
            return CheckResult(news, [])
        parsed = self.parse(inputs)
        if parsed.stage is None:
            return CheckResult(news, list(parsed.failures))
        return CheckResult(self.normalized(parsed.stage), self.rule_failures(parsed.stage))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Old outputs against new inputs, by the comparison `plan` uses; a new environment
        id replaces, everything else updates in place."""
        replaces = [key for key in self.replace_keys() if _differs(olds.get(key), news.get(key))]
        changed = bool(replaces) or self.differs(olds, news)
        return DiffResult(changes=changed, replaces=replaces, delete_before_replace=False)

    def replace_keys(self) -> tuple[str, ...]:
        return ("environment_id",)

    def differs(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """True when the new inputs ask for something the old outputs do not say."""
        new_inputs = self.only_inputs(news)
        if contains_unknown(new_inputs):
            return True  # might change; the engine shows it as such in preview
        old_inputs = self.only_inputs(olds)
        before, after = self.parse(old_inputs).stage, self.parse(new_inputs).stage
        if before is None or after is None:
            return old_inputs != new_inputs
        if declared_changes(before, after):
            return True
        # Besides the values themselves: which areas are managed, and what the rules see.
        return bool(_shape(self.normalized(before)) != _shape(self.normalized(after)))

    def call(self, action: str, operation: Callable[[], _T]) -> _T:
        """Run one engine call; a DynsecError becomes a one-paragraph ProviderError (its text
        scrubbed of every registered secret, should a vendor message ever echo one)."""
        try:
            return operation()
        except DynsecError as exc:
            message = redact(f"{type(self).__name__} {action} failed: {exc.render()}")
            raise ProviderError(message) from None


class SettingsLikeProvider(DynamicSecurityProvider):
    """A resource over part of one environment's configuration, adopted on create and left
    as it is on delete (`SecuritySettings`, `AllowedOrigins`). Its id is the environment id."""

    @abstractmethod
    def live_outputs(
        self, client: DynamicClient, environment_id: str, props: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The live values of the areas `props` manages (all of them when it names none)."""

    def _converge(self, stage: EffectiveStage) -> None:
        from pulumi_dynamic_security.service.resources import converge

        with self.client() as client:
            converge(client, stage, auth_token_checksum=self.auth_token_checksum)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Adopt the environment's current configuration and converge it to the inputs."""
        def run() -> CreateResult:
            inputs = self.only_inputs(props)
            stage = self.stage_of(inputs)
            self._converge(stage)
            return CreateResult(stage.environment_id, self.normalized(stage))

        return self.call("create", run)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Converge the environment to the new inputs (read back and verified)."""
        def run() -> UpdateResult:
            inputs = self.only_inputs(news)
            stage = self.stage_of(inputs)
            self._converge(stage)
            return UpdateResult(self.normalized(stage))

        return self.call("update", run)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The live values, as outputs and as inputs, so refresh shows drift; an environment
        that no longer exists reads as gone (empty id)."""
        def run() -> ReadResult:
            environment_id = str(props.get("environment_id") or id_)
            with self.client() as client:
                try:
                    live = self.live_outputs(client, environment_id, props)
                except NotFoundError:
                    return ReadResult("", {})
            return ReadResult(environment_id, live, dict(live))

        return self.call("read", run)

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Leave the live configuration as it is: deleting the resource stops managing it;
        it never resets settings or empties the origin list (which would allow every domain)."""


def carried_meta(props: Mapping[str, Any]) -> dict[str, Any]:
    """The inputs that describe rather than configure (stage, production, waivers, app,
    limits): live reads cannot see them, so they are carried over from the state."""
    return compact({
        key: props.get(key)
        for key in ("environment_id", "stage", "production", "waivers", "app", "limits")
    })


def _shape(values: Mapping[str, Any]) -> Any:
    """A normalized input map with its list-valued members compared as sets."""
    return {
        key: sorted(map(repr, value)) if isinstance(value, list) else
        _shape(value) if isinstance(value, Mapping) else value
        for key, value in values.items()
    }


def _differs(old: Any, new: Any) -> bool:
    return is_unknown(new) or old != new


def _render(prop: str, path: tuple[str | int, ...]) -> str:
    """A policy path in the resource's words: `allowed_origins[2]` -> `origins[2]`,
    `api_tokens[0].overlap` -> `overlap`, `mfa.methods[0]` unchanged."""
    rest = path[3:] if path[:1] == ("api_tokens",) else path[1:]
    return prop + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest)


def _text(value: Any) -> str | None:
    """A config value as text: config values are strings; a secret one may arrive wrapped."""
    value = revealed(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None
