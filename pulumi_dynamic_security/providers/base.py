"""What the dynamic providers share: inputs read as a stage slice, `check` (the rules, offline
or online), `diff` (the comparison `plan` uses), and one-paragraph errors.

How the engine drives them (the module docstrings of `credentials` and `wire` say more):
Configure once per host process; then per resource Check (olds = the old inputs, news = the
program's), then Create for a new resource, else Diff (olds = the old *outputs*, news = the
checked inputs) and Update, or Create and Delete on a replace; Read on refresh, followed by
a Diff of the refreshed outputs against the old inputs (so refresh reports only what a
`pulumi up` would undo); Delete on destroy, unless the resource is retained on delete.
Create and Update never run in preview; Check and Diff do, with unknown values.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pulumi.dynamic import CheckFailure, CheckResult, DiffResult, ResourceProvider
from pydantic import ValidationError

from pulumi_dynamic_security.errors import DynsecError
from pulumi_dynamic_security.policy.areas import area_problems
from pulumi_dynamic_security.policy.models import Stage
from pulumi_dynamic_security.policy.stages import EffectiveStage, parse_path, resolve_stage
from pulumi_dynamic_security.providers.credentials import Credentials
from pulumi_dynamic_security.providers.errors import (
    InvalidInputError,
    ProviderError,
    provider_error,
)
from pulumi_dynamic_security.providers.inputs import (
    COMMON_INPUTS,
    Parsed,
    failure_at,
    loc_path,
    render_path,
    waivers_of,
)
from pulumi_dynamic_security.providers.wire import compact, contains_unknown, is_unknown
from pulumi_dynamic_security.rules.base import Finding, Rule, RuleArea
from pulumi_dynamic_security.rules.engine import evaluate
from pulumi_dynamic_security.service.resources import declared_changes, plan_for_check

if TYPE_CHECKING:
    from pulumi_dynamic_security.service.plan import Plan

_T = TypeVar("_T")


class DynamicSecurityProvider(Credentials, ResourceProvider, ABC):
    """Shared behaviour; a subclass says which slice of a stage it holds.

    Subclasses set `rule_areas` (the offline rules `check` runs without credentials) and
    `area_inputs`, and implement the mapping between their inputs and the policy's words
    (`policy_values`, `property_of`, `area_outputs`). `plain_inputs` are inputs with no
    meaning to the policy (`revoke_on_delete`): carried as given, compared as they are.
    """

    rule_areas: ClassVar[tuple[RuleArea, ...]]
    # The inputs besides COMMON_INPUTS, in the order outputs list them.
    area_inputs: ClassVar[tuple[str, ...]]
    # name -> default (its type is the input's type)
    plain_inputs: ClassVar[Mapping[str, Any]] = {}

    def __init__(self) -> None:
        super().__init__()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

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

    def input_for(self, path: tuple[str | int, ...]) -> str:
        """The input a finding or an error at `path` is reported on: `property_of`, or
        `environment_id` for what is about the environment rather than an input."""
        prop = self.property_of(path)
        return prop if prop in self.input_keys() else "environment_id"

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
                path = loc_path(detail["loc"])
                prop = self.input_for(path)
                failures.append(CheckFailure(prop, f"{render_path(prop, path)}: {detail['msg']}"))
        for key, default in self.plain_inputs.items():
            if not isinstance(inputs.get(key, default), type(default)):
                failures.append(CheckFailure(key, f"{key} must be a {type(default).__name__}"))
        waivers = waivers_of(inputs.get("waivers"), failures)
        if failures or model is None or not isinstance(name, str):
            return Parsed(None, tuple(failures))
        stage = resolve_stage(name, model, None, waivers)
        # The loader's checks of a resolved stage, for inputs that did not come through a
        # policy file (`policy.areas.area_problems`).
        problems = [
            CheckFailure(self.input_for(parse_path(path)), message)
            for path, message in area_problems(stage)
        ]
        return Parsed(None, tuple(problems)) if problems else Parsed(stage)

    def stage_of(self, inputs: Mapping[str, Any]) -> EffectiveStage:
        """The stage slice of inputs that `check` accepted; an input error otherwise."""
        parsed = self.parse(inputs)
        if parsed.stage is None:
            if len(parsed.failures) == 1:
                only = parsed.failures[0]
                raise InvalidInputError(only.property, only.reason)
            reasons = "; ".join(f"{f.property}: {f.reason}" for f in parsed.failures)
            raise ProviderError(f"Invalid inputs for {type(self).__name__}: {reasons}.")
        return parsed.stage

    def normalized(
        self, stage: EffectiveStage, inputs: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The inputs in normal form: what `check` returns and the outputs repeat (the
        waivers that apply to the stage, the production flag resolved, plain inputs as
        given in `inputs` or their defaults)."""
        given = inputs or {}
        return compact({
            "environment_id": stage.environment_id,
            "stage": stage.name,
            "production": stage.production,
            "waivers": [
                entry.waiver.model_dump(mode="json", exclude_none=True)
                for entry in stage.waivers
            ],
            **self.area_outputs(stage),
            **{key: given.get(key, default) for key, default in self.plain_inputs.items()},
        })

    def input_keys(self) -> tuple[str, ...]:
        return (*COMMON_INPUTS, *self.area_inputs, *self.plain_inputs)

    def only_inputs(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return compact({key: values.get(key) for key in self.input_keys()})

    # -- rules ---------------------------------------------------------------------------------

    def rules(self) -> tuple[Rule, ...]:
        """The offline rules on this resource's own areas."""
        from pulumi_dynamic_security.rules.catalog import RULES

        return tuple(r for r in RULES if r.area in self.rule_areas and not r.live)

    def failures_of(self, findings: list[Finding]) -> list[CheckFailure]:
        """The blocking findings, each as a failure of the input it is about."""
        return [failure_at(self.input_for(parse_path(f.path)), f) for f in findings if f.blocks]

    def rule_failures(self, stage: EffectiveStage) -> list[CheckFailure]:
        """What the offline rules block on (no credentials: the declared values only)."""
        return self.failures_of(evaluate(stage, rules=self.rules()).findings)

    def offline_inputs(
        self, stage: EffectiveStage, olds: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Inputs `check` computes without credentials, besides the normalized ones."""
        return {}

    def live_inputs(
        self, stage: EffectiveStage, plan: Plan, olds: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Inputs `check` computes from the plan an apply would make now."""
        return {}

    def judge(
        self, stage: EffectiveStage, olds: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[CheckFailure]]:
        """The computed inputs and the failures of `check`.

        With credentials, the plan `create`/`update` would make against the environment as
        it is now: its blocking findings (the offline rules and the (live) ones, such as
        DS302) fail the check, so `pulumi preview` fails where `up` would. A new (live) rule
        needs nothing here: its finding's path names the input. Without credentials, the
        offline rules on the declared values, as `dynsec validate` judges them."""
        if not self.has_credentials:
            return self.offline_inputs(stage, olds), self.rule_failures(stage)
        try:
            with self.client() as client:
                plan = plan_for_check(client, stage, auth_token_checksum=self.auth_token_checksum)
        except DynsecError as exc:
            return {}, self.unreadable(stage, exc)
        return self.live_inputs(stage, plan, olds), self.failures_of(plan.findings)

    def unreadable(self, stage: EffectiveStage, error: DynsecError) -> list[CheckFailure]:
        """The check failures for a plan that could not be made (`judge`)."""
        return [CheckFailure("environment_id", (
            f"cannot read environment {stage.environment_id} to run the (live) rules: "
            f"{error.render()}"
        ))]

    # -- the engine's calls ---------------------------------------------------------------------

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate and normalize the inputs, and run the rules on them (`judge`).

        An unwaived `error` finding is a failure naming the rule and the input. While any
        input is unknown (preview), nothing is judged: the component already ran the whole
        stage's rules on the declared policy when the program built it."""
        inputs = {k: v for k, v in news.items() if k != "__provider"}
        if contains_unknown(inputs):
            return CheckResult(news, [])
        parsed = self.parse(inputs)
        if parsed.stage is None:
            return CheckResult(news, list(parsed.failures))
        computed, failures = self.judge(parsed.stage, olds)
        return CheckResult({**self.normalized(parsed.stage, inputs), **computed}, failures)

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
        if any(old_inputs.get(key, default) != new_inputs.get(key, default)
               for key, default in self.plain_inputs.items()):
            return True
        before, after = self.parse(old_inputs).stage, self.parse(new_inputs).stage
        if before is None or after is None:
            return old_inputs != new_inputs
        if declared_changes(before, after):
            return True
        # Besides the values themselves: which areas are managed, and what the rules see.
        return bool(_shape(self.normalized(before)) != _shape(self.normalized(after)))

    def call(self, action: str, operation: Callable[[], _T]) -> _T:
        """Run one engine call; a DynsecError becomes a one-paragraph ProviderError (a
        `pulumi.RunError`), raised without the chain behind it."""
        try:
            return operation()
        except DynsecError as exc:
            raise provider_error(type(self).__name__, action, exc) from None


def _shape(values: Mapping[str, Any]) -> Any:
    """A normalized input map with its list-valued members compared as sets."""
    return {
        key: sorted(map(repr, value)) if isinstance(value, list) else
        _shape(value) if isinstance(value, Mapping) else value
        for key, value in values.items()
    }


def _differs(old: Any, new: Any) -> bool:
    return is_unknown(new) or old != new
