"""Between a stage of the policy and a resource's inputs, both ways.

The component builds each resource's inputs from a loaded stage (`common_inputs`,
`app_output`, `limits_output`, and each area's `input_form` in the registry: the policy's
normalized forms, `"2h"`, lists in canonical order); a provider reads inputs back into a
stage slice with the policy's own models and checks, reporting what cannot be read as check
failures (`Parsed`, `waivers_of`, `failure_at`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from pulumi.dynamic import CheckFailure
from pydantic import ValidationError

from pulumi_dynamic_security.policy.models import Waiver
from pulumi_dynamic_security.policy.rule_ids import unknown_rule
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.rules.base import Finding, RuleArea

COMMON_INPUTS = ("environment_id", "stage", "production", "waivers")


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


def loc_path(loc: tuple[int | str, ...]) -> tuple[str | int, ...]:
    """A pydantic error location as a data path (pydantic inserts validator names such as
    `function-after[...]` into `loc`)."""
    return tuple(part for part in loc if isinstance(part, int) or "[" not in part)


def render_path(prop: str, path: tuple[str | int, ...]) -> str:
    """A policy path in the resource's words: `allowed_origins[2]` -> `origins[2]`,
    `api_tokens[0].overlap` -> `overlap`, `mfa.methods[0]` unchanged."""
    rest = path[3:] if path[:1] == ("api_tokens",) else path[1:]
    return prop + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in rest)


def waivers_of(value: Any, failures: list[CheckFailure]) -> list[Waiver]:
    """The `waivers` input read with the policy's model and checks (as the loader reads
    `waivers:`); each bad entry is a failure."""
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
            where = ".".join(str(p) for p in loc_path(first["loc"]))
            failures.append(CheckFailure(
                "waivers", f"waivers[{index}]{'.' + where if where else ''}: {first['msg']}"
            ))
            continue
        problem = unknown_rule(waiver.rule)
        if problem is not None:
            failures.append(CheckFailure("waivers", f"waivers[{index}].rule: {problem}"))
            continue
        waivers.append(waiver)
    return waivers


def failure_at(prop: str, finding: Finding) -> CheckFailure:
    """A blocking finding as the check failure of input `prop`: rule, name, what, what to do."""
    return CheckFailure(prop, f"{finding.rule} {finding.name}: {finding.message}. "
                              f"{finding.remediation}")
