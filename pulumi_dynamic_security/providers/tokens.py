"""`ApiTokenRotation`: one `api_tokens` entry, issued and rotated with overlap (SPEC §5).

The resource stands for the entry, not for one token. `create` issues a token (the raw value
of an existing one can never be read back, so it cannot be adopted); the diff is due when the
token is older than `rotate_every` or its predecessor's `overlap` has run out; `update` issues
the successor and revokes expired predecessors; `delete` revokes the tokens the resource
issued. The raw token is an output wrapped as a secret, carried forward by `read` and
`update`, never in clear. The token the provider authenticates with is never revoked.

Its id is `<environment id>/<name>`, so a new `name` replaces the resource (the old entry's
tokens are revoked, the new entry's first token issued); a new `environment_id` too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

import pulumi
import pulumi.dynamic
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.api.errors import NotFoundError
from pulumi_dynamic_security.mapping.api_tokens import timestamp
from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.policy.models import ApiTokenPolicy
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.providers.base import (
    DynamicSecurityProvider,
    ProviderError,
    common_inputs,
    compact,
    limits_output,
    revealed,
    secret,
)
from pulumi_dynamic_security.rules.base import RuleArea
from pulumi_dynamic_security.service.resources import (
    RotationOutcome,
    RotationState,
    revoke_tokens,
    rotate_token,
    rotation_state,
    single_entry,
)

TOKEN_OUTPUTS = (
    "token_id", "token", "created_at", "rotate_after", "previous_token_id",
    "revoke_previous_after",
)
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # mapping.api_tokens.timestamp's format


@dataclass
class ApiTokenRotationArgs:
    """Inputs of `ApiTokenRotation` (SPEC §6): one `api_tokens` entry and the stage's
    `limits` (DS502 judges `rotate_every` against `limits.token_rotation_max`)."""

    environment_id: pulumi.Input[str]
    stage: pulumi.Input[str]
    name: pulumi.Input[str]
    scopes: pulumi.Input[Sequence[pulumi.Input[str]]]
    rotate_every: pulumi.Input[str]  # "90d"
    overlap: pulumi.Input[str] | None = None  # "7d"; default 0d
    production: pulumi.Input[bool] | None = None
    waivers: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] | None = None
    limits: pulumi.Input[Mapping[str, str]] | None = None

    @classmethod
    def from_stage(cls, stage: EffectiveStage, entry: ApiTokenPolicy) -> ApiTokenRotationArgs:
        """The inputs for one `api_tokens` entry of one stage of a loaded policy."""
        return cls(
            **common_inputs(stage, ApiTokenRotationProvider.rule_areas),
            name=entry.name,
            scopes=sorted(entry.scopes),
            rotate_every=str(entry.rotate_every),
            overlap=str(entry.overlap),
            limits=limits_output(stage),
        )

    def props(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def parse_time(value: Any) -> datetime | None:
    """A time as the outputs write it (`2026-01-02T03:04:05Z`); None when absent or unreadable."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, _TIME_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None


def _time(value: datetime | None) -> str | None:
    return timestamp(value) if value is not None else None


def token_outputs(state: RotationState, raw_token: str | None) -> dict[str, Any]:
    """The computed outputs; the raw token wrapped as a secret."""
    return compact({
        "token_id": state.token_id,
        "token": secret(raw_token) if raw_token else None,
        "created_at": _time(state.created_at),
        "rotate_after": _time(state.rotate_after),
        "previous_token_id": state.previous_token_id,
        "revoke_previous_after": _time(state.revoke_previous_after),
    })


class ApiTokenRotationProvider(DynamicSecurityProvider):
    """The provider of `ApiTokenRotation` (zero-argument constructor; pickled into the state)."""

    rule_areas: ClassVar[tuple[RuleArea, ...]] = ("api_tokens",)
    area_inputs: ClassVar[tuple[str, ...]] = (
        "name", "scopes", "rotate_every", "overlap", "limits",
    )
    _ENTRY_KEYS = ("name", "scopes", "rotate_every", "overlap")

    # -- inputs <-> stage ----------------------------------------------------------------------

    def policy_values(self, inputs: Mapping[str, Any]) -> dict[str, Any]:
        entry = compact({key: inputs.get(key) for key in self._ENTRY_KEYS})
        return {"api_tokens": [entry], "limits": inputs.get("limits")}

    def property_of(self, path: tuple[str | int, ...]) -> str:
        if path and path[0] == "api_tokens":
            field = path[2] if len(path) > 2 else None
            return field if isinstance(field, str) and field in self._ENTRY_KEYS else "name"
        return str(path[0]) if path else "name"

    def area_outputs(self, stage: EffectiveStage) -> dict[str, Any]:
        entry = single_entry(stage)
        return {
            "name": entry.name,
            "scopes": sorted(entry.scopes),
            "rotate_every": str(entry.rotate_every),
            "overlap": str(entry.overlap),
            "limits": limits_output(stage),
        }

    # -- diff ----------------------------------------------------------------------------------

    def replace_keys(self) -> tuple[str, ...]:
        return ("environment_id", "name")  # both are part of the id

    def differs(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        return super().differs(olds, news) or self.due(olds, news)

    def due(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """A rotation or a revocation is due (by the new durations), or the state holds no
        deliverable token (never issued, revoked elsewhere, or succeeded elsewhere)."""
        if not olds.get("token_id") or not revealed(olds.get("token")):
            return True
        created = parse_time(olds.get("created_at"))
        rotate_every = _duration(news.get("rotate_every"))
        if created is None or rotate_every is None:
            return True
        now = clock.utc_now()
        if now >= created + timedelta(minutes=rotate_every.minutes):
            return True
        if olds.get("previous_token_id"):
            overlap = _duration(news.get("overlap")) or Duration(0)
            return now >= created + timedelta(minutes=overlap.minutes)
        return False

    # -- the engine's calls --------------------------------------------------------------------

    def _rotate(
        self, stage: EffectiveStage, *, current_token_id: str | None, force_issue: bool
    ) -> RotationOutcome:
        with self.client() as client:
            outcome = rotate_token(
                client, stage, current_token_id=current_token_id, force_issue=force_issue,
                auth_token_checksum=self.auth_token_checksum,
            )
        for skipped in outcome.skipped:
            pulumi.log.warn(f"ApiTokenRotation {stage.environment_id}/{single_entry(stage).name}: "
                            f"{skipped.reason}")
        return outcome

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Issue a token for the entry (and revoke older managed ones past their overlap)."""
        def run() -> CreateResult:
            stage = self.stage_of(self.only_inputs(props))
            outcome = self._rotate(stage, current_token_id=None, force_issue=True)
            if outcome.issued is None:
                raise ProviderError("ApiTokenRotation create issued no token.")
            raw = outcome.issued.raw_token.reveal()
            return CreateResult(
                resource_id(stage), {**self.normalized(stage), **token_outputs(outcome.state, raw)}
            )

        return self.call("create", run)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Issue the successor when due (or when the scopes changed, or the token held is no
        longer the newest), revoke predecessors past their overlap, carry the token forward."""
        def run() -> UpdateResult:
            stage = self.stage_of(self.only_inputs(news))
            held = revealed(olds.get("token"))
            old_scopes = olds.get("scopes")
            scopes_changed = sorted(old_scopes or ()) != sorted(single_entry(stage).scopes)
            outcome = self._rotate(
                stage,
                current_token_id=olds.get("token_id") if held else None,
                force_issue=scopes_changed,
            )
            raw = outcome.issued.raw_token.reveal() if outcome.issued is not None else held
            return UpdateResult({**self.normalized(stage), **token_outputs(outcome.state, raw)})

        return self.call("update", run)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The live tokens of the entry; the held raw token (as a secret) only while it is
        still the newest one. A missing environment reads as gone."""
        def run() -> ReadResult:
            environment_id, name = _split_id(id_, props)
            entry = _entry_from(props, name)
            with self.client() as client:
                try:
                    # The environment first: the token list declares no 404, so only this
                    # read tells a deleted environment from one without tokens.
                    client.get_environment(environment_id)
                    tokens = client.list_tokens(environment_id)
                except NotFoundError:
                    return ReadResult("", {})
            state = rotation_state(entry, tokens)
            held = revealed(props.get("token"))
            still_newest = state.token_id is not None and state.token_id == props.get("token_id")
            inputs = {
                **self.only_inputs(props),
                "environment_id": environment_id,
                "name": name,
                **({"scopes": list(state.scopes)} if state.token_id else {}),
            }
            outs = {**inputs, **token_outputs(state, held if still_newest else None)}
            return ReadResult(f"{environment_id}/{name}", outs, compact(inputs))

        return self.call("read", run)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Revoke the tokens this resource issued (the current one and the predecessor it
        keeps), except the token the provider authenticates with, which is reported."""
        def run() -> None:
            environment_id, name = _split_id(id_, props)
            issued = [str(t) for t in (props.get("token_id"), props.get("previous_token_id")) if t]
            stage = EffectiveStage(
                name=str(props.get("stage") or ""), environment_id=environment_id,
                production=bool(props.get("production")), production_inferred=False,
            )
            with self.client() as client:
                try:
                    result = revoke_tokens(
                        client, stage, issued, auth_token_checksum=self.auth_token_checksum
                    )
                except NotFoundError:
                    return  # the environment is gone, and its tokens with it
            for skipped in result.skipped:
                pulumi.log.warn(f"ApiTokenRotation {environment_id}/{name}: {skipped.reason}")

        self.call("delete", run)


def resource_id(stage: EffectiveStage) -> str:
    """`<environment id>/<name>`."""
    return f"{stage.environment_id}/{single_entry(stage).name}"


def _split_id(id_: str, props: Mapping[str, Any]) -> tuple[str, str]:
    environment_id, _, name = id_.partition("/")
    return (str(props.get("environment_id") or environment_id),
            str(props.get("name") or name))


def _entry_from(props: Mapping[str, Any], name: str) -> ApiTokenPolicy:
    """The entry the state describes; for an import (`get`, no inputs yet), a placeholder
    that only names it (rotation times are then computed with the defaults)."""
    try:
        return ApiTokenPolicy.model_validate(compact({
            "name": name, "scopes": props.get("scopes"),
            "rotate_every": props.get("rotate_every"), "overlap": props.get("overlap"),
        }))
    except ValueError:
        return ApiTokenPolicy.model_construct(
            name=name, scopes=[], rotate_every=Duration.of(days=90), overlap=Duration(0)
        )


def _duration(value: Any) -> Duration | None:
    try:
        return Duration.parse(value) if isinstance(value, str) else None
    except ValueError:
        return None


class ApiTokenRotation(
    pulumi.dynamic.Resource, module="dynamic-security", name="ApiTokenRotation"
):
    """One `api_tokens` entry: a token issued now, rotated every `rotate_every`, its
    predecessor revoked after `overlap`.

    Type token `pulumi-python:dynamic/dynamic-security:ApiTokenRotation`; id
    `<environment id>/<name>`. `token` is a secret output (also listed in
    `additional_secret_outputs`). Deleting it revokes the tokens it issued."""

    environment_id: pulumi.Output[str]
    stage: pulumi.Output[str]
    production: pulumi.Output[bool]
    waivers: pulumi.Output[list[dict[str, Any]]]
    name: pulumi.Output[str]
    scopes: pulumi.Output[list[str]]
    rotate_every: pulumi.Output[str]
    overlap: pulumi.Output[str]
    limits: pulumi.Output[dict[str, str]]
    token_id: pulumi.Output[str]
    token: pulumi.Output[str]
    created_at: pulumi.Output[str]
    rotate_after: pulumi.Output[str]
    previous_token_id: pulumi.Output[str | None]
    revoke_previous_after: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        args: ApiTokenRotationArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        listed = (opts.additional_secret_outputs if opts is not None else None) or []
        if "token" not in listed:  # secret even when the provider's own wrapping were lost
            secret_token = pulumi.ResourceOptions(additional_secret_outputs=["token"])
            opts = pulumi.ResourceOptions.merge(opts, secret_token)
        super().__init__(
            ApiTokenRotationProvider(),
            resource_name,
            {**args.props(), **dict.fromkeys(TOKEN_OUTPUTS)},
            opts,
        )
