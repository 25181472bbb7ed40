"""`ApiTokenRotation`: one `api_tokens` entry, issued and rotated with overlap.

The resource stands for the entry, not for one token. `create` issues a token (the raw value
of an existing one can never be read back, so it cannot be adopted); `check` names in the
`rotation` input when a rotation or a revocation has fallen due (see `rotation`), and the
diff is due then; `update` issues the successor and revokes expired predecessors. `delete`
leaves the entry's tokens alive unless `revoke_on_delete` is true (then it revokes the
tokens the resource issued): a deleted resource may be a renamed entry or stack, and the
tokens' users should not break at the end of that run. The raw token is an output wrapped
as a secret, carried forward by `read` and `update`, never in clear. The token the provider
authenticates with is never revoked.

Its id is `<environment id>/<name>`, so a new `name` replaces the resource (the new entry's
first token issued); a new `environment_id` too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
import pulumi.dynamic
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.api.errors import NotFoundError
from pulumi_dynamic_security.escaping import clip, text
from pulumi_dynamic_security.policy.areas import ApiTokenPolicy
from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.providers.base import DynamicSecurityProvider
from pulumi_dynamic_security.providers.errors import ProviderError
from pulumi_dynamic_security.providers.inputs import common_inputs, limits_output
from pulumi_dynamic_security.providers.rotation import (
    ISSUE,
    ROTATION,
    TOKEN_OUTPUTS,
    due_for,
    live_verdict,
    offline_verdict,
    token_outputs,
)
from pulumi_dynamic_security.providers.state import id_parts
from pulumi_dynamic_security.providers.wire import compact, revealed, with_secret_output
from pulumi_dynamic_security.rules.base import RuleArea
from pulumi_dynamic_security.rules.token_schedule import rotation_state
from pulumi_dynamic_security.service.resource_reads import read_rotation
from pulumi_dynamic_security.service.resources import (
    RotationOutcome,
    revoke_tokens,
    rotate_token,
    single_entry,
)

if TYPE_CHECKING:
    from pulumi_dynamic_security.service.plan import Plan


@dataclass
class ApiTokenRotationArgs:
    """Inputs of `ApiTokenRotation`: one `api_tokens` entry, the stage's `limits` (DS502
    judges `rotate_every` against `limits.token_rotation_max`) and what deleting the
    resource does to its tokens (`revoke_on_delete`, default false: leave them alive)."""

    environment_id: pulumi.Input[str]
    stage: pulumi.Input[str]
    name: pulumi.Input[str]
    scopes: pulumi.Input[Sequence[pulumi.Input[str]]]
    rotate_every: pulumi.Input[str]  # "90d"
    overlap: pulumi.Input[str] | None = None  # "7d"; default 0d
    production: pulumi.Input[bool] | None = None
    waivers: pulumi.Input[Sequence[pulumi.Input[Mapping[str, Any]]]] | None = None
    limits: pulumi.Input[Mapping[str, str]] | None = None
    revoke_on_delete: pulumi.Input[bool] | None = None

    @classmethod
    def from_stage(
        cls, stage: EffectiveStage, entry: ApiTokenPolicy, *, revoke_on_delete: bool = False
    ) -> ApiTokenRotationArgs:
        """The inputs for one `api_tokens` entry of one stage of a loaded policy."""
        return cls(
            **common_inputs(stage, ApiTokenRotationProvider.rule_areas),
            name=entry.name,
            scopes=sorted(entry.scopes),
            rotate_every=str(entry.rotate_every),
            overlap=str(entry.overlap),
            limits=limits_output(stage),
            revoke_on_delete=revoke_on_delete,
        )

    def props(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


class ApiTokenRotationProvider(DynamicSecurityProvider):
    """The provider of `ApiTokenRotation` (zero-argument constructor; pickled into the state)."""

    rule_areas: ClassVar[tuple[RuleArea, ...]] = ("api_tokens",)
    area_inputs: ClassVar[tuple[str, ...]] = (
        "name", "scopes", "rotate_every", "overlap", "limits",
    )
    plain_inputs: ClassVar[Mapping[str, Any]] = {"revoke_on_delete": False}
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

    # -- check and diff ------------------------------------------------------------------------

    def offline_inputs(
        self, stage: EffectiveStage, olds: Mapping[str, Any]
    ) -> dict[str, Any]:
        if not olds:  # a new resource: create issues its first token
            return {ROTATION: ISSUE}
        judged = offline_verdict(olds.get(ROTATION), clock.utc_now())
        return {ROTATION: judged} if judged is not None else {}

    def live_inputs(
        self, stage: EffectiveStage, plan: Plan, olds: Mapping[str, Any]
    ) -> dict[str, Any]:
        tokens = plan.snapshot.tokens if plan.snapshot is not None else None
        state = rotation_state(single_entry(stage), tokens or ())
        actions = {c.action for c in plan.changes if c.area == "api_tokens"}
        return {ROTATION: live_verdict(
            state, rotates="rotate" in actions, revokes="revoke" in actions
        )}

    def replace_keys(self) -> tuple[str, ...]:
        return ("environment_id", "name")  # both are part of the id

    def differs(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        return super().differs(olds, news) or self.due(olds, news)

    def due(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> bool:
        """The state holds no deliverable token (never issued, revoked elsewhere, or
        succeeded elsewhere), or `check` found a rotation or a revocation due for the token
        it holds. Never by the clock here: on refresh the engine calls this with the
        refreshed outputs and the old inputs, and a rotation falling due is not drift."""
        if not olds.get("token_id") or not revealed(olds.get("token")):
            return True
        return due_for(news.get(ROTATION), olds)

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
            pulumi.log.warn(text(f"ApiTokenRotation {stage.environment_id}/"
                                 f"{single_entry(stage).name}: {skipped.reason}"))
        return outcome

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Issue a token for the entry (and revoke older managed ones past their overlap)."""
        def run() -> CreateResult:
            stage = self.stage_of(self.only_inputs(props))
            outcome = self._rotate(stage, current_token_id=None, force_issue=True)
            if outcome.issued is None:
                raise ProviderError("ApiTokenRotation create issued no token.")
            raw = outcome.issued.raw_token.reveal()
            outputs = {**self.normalized(stage, props), **token_outputs(outcome.state, raw)}
            return CreateResult(resource_id(stage), outputs)

        return self.call("create", run)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Issue the successor when due (or when the scopes changed, or the token held is no
        longer the newest), revoke predecessors past their overlap, carry the token forward."""
        def run() -> UpdateResult:
            stage = self.stage_of(self.only_inputs(news))
            held = revealed(olds.get("token"))
            scopes_changed = _scopes_of(olds) != sorted(single_entry(stage).scopes)
            outcome = self._rotate(
                stage,
                current_token_id=olds.get("token_id") if held else None,
                force_issue=scopes_changed,
            )
            raw = outcome.issued.raw_token.reveal() if outcome.issued is not None else held
            return UpdateResult(
                {**self.normalized(stage, news), **token_outputs(outcome.state, raw)}
            )

        return self.call("update", run)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The live tokens of the entry; the held raw token (as a secret) only while it is
        still the newest one; the schedule as the `rotation` input. A missing environment
        reads as gone."""
        def run() -> ReadResult:
            environment_id, name = _split_id(id_, props)
            with self.client() as client:
                state = read_rotation(client, environment_id, _entry_from(props, name))
            if state is None:
                return ReadResult("", {})
            held = revealed(props.get("token"))
            still_newest = state.token_id is not None and state.token_id == props.get("token_id")
            outputs = token_outputs(state, held if still_newest else None)
            inputs = {
                **self.only_inputs(props),
                "environment_id": environment_id,
                "name": name,
                **({"scopes": list(state.scopes)} if state.token_id else {}),
                ROTATION: outputs[ROTATION],
            }
            return ReadResult(f"{environment_id}/{name}", {**inputs, **outputs}, compact(inputs))

        return self.call("read", run)

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """Leave the tokens alive, unless `revoke_on_delete`: then revoke the tokens this
        resource issued (the current one and the predecessor it keeps), except the token the
        provider authenticates with, which is reported."""
        def run() -> None:
            environment_id, name = _split_id(id_, props)
            issued = [t for t in (props.get("token_id"), props.get("previous_token_id"))
                      if isinstance(t, str) and t]
            where = f"ApiTokenRotation {text(clip(id_, 120))}"
            if props.get("revoke_on_delete") is not True:  # only a literal true revokes
                if issued:
                    shown = ", ".join(text(clip(t, 64)) for t in issued)  # the state's words
                    pulumi.log.info(
                        f"{where}: left token(s) {shown} alive (revoke_on_delete is "
                        "false). `dynsec plan` and `dynsec drift` report them (DS504) once no "
                        "policy entry manages them; revoke them when nothing uses them."
                    )
                return
            stage = EffectiveStage(
                name=str(props.get("stage") or ""), environment_id=environment_id,
                production=bool(props.get("production")), production_inferred=False,
            )
            with self.client() as client:
                try:
                    result = revoke_tokens(
                        client, stage, issued, entry_name=name,
                        auth_token_checksum=self.auth_token_checksum,
                    )
                except NotFoundError:
                    return  # the environment is gone, and its tokens with it
            for skipped in result.skipped:
                pulumi.log.warn(f"{where}: {text(skipped.reason)}")  # it quotes live ids

        self.call("delete", run)


def resource_id(stage: EffectiveStage) -> str:
    """`<environment id>/<name>`."""
    return f"{stage.environment_id}/{single_entry(stage).name}"


def _split_id(id_: str, props: Mapping[str, Any]) -> tuple[str, str]:
    """The environment id and entry name of the resource: its id, which the state's
    `environment_id` and `name` must repeat (`providers.state.id_parts`)."""
    environment_id, name = id_parts("ApiTokenRotation", id_, props, ("environment_id", "name"))
    return environment_id, name


def _scopes_of(olds: Mapping[str, Any]) -> list[str] | None:
    """The scopes the state says the held token has, sorted; None when the state does not
    hold a list of scope names (the token's scopes are then unknown)."""
    scopes = olds.get("scopes")
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        return None
    return sorted(scopes)


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


class ApiTokenRotation(
    pulumi.dynamic.Resource, module="dynamic-security", name="ApiTokenRotation"
):
    """One `api_tokens` entry: a token issued now, rotated every `rotate_every`, its
    predecessor revoked after `overlap`.

    Type token `pulumi-python:dynamic/dynamic-security:ApiTokenRotation`; id
    `<environment id>/<name>`. `token` is a secret output (also listed in
    `additional_secret_outputs`). `rotation` names the schedule, and what is due (computed
    by `check`). Deleting it leaves its tokens alive, unless `revoke_on_delete`."""

    environment_id: pulumi.Output[str]
    stage: pulumi.Output[str]
    production: pulumi.Output[bool]
    waivers: pulumi.Output[list[dict[str, Any]]]
    name: pulumi.Output[str]
    scopes: pulumi.Output[list[str]]
    rotate_every: pulumi.Output[str]
    overlap: pulumi.Output[str]
    limits: pulumi.Output[dict[str, str]]
    revoke_on_delete: pulumi.Output[bool]
    rotation: pulumi.Output[str]
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
        super().__init__(
            ApiTokenRotationProvider(),
            resource_name,
            {**args.props(), **dict.fromkeys((*TOKEN_OUTPUTS, ROTATION))},
            with_secret_output(opts, "token"),
        )
