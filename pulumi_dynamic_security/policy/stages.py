"""One stage's effective policy: `defaults` deep-merged with the stage's own keys.

The stage wins; mappings (`mfa`, `app`, `limits`) merge key by key; lists replace. A key
written as `null` in a stage un-manages what `defaults` would have given it. An area that is
`None` here is not managed: nothing about it is ever diffed or written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from pulumi_dynamic_security.policy.areas import AreaValues, resolved_areas
from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.policy.models import (
    DEFAULT_TOKEN_ENV,
    PRODUCTION_STAGE_NAMES,
    AppFacts,
    Defaults,
    Limits,
    SettingsAreas,
    Stage,
    Waiver,
)

if TYPE_CHECKING:
    from pulumi_dynamic_security.policy.source import SourceDocument

_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class ResolvedApp:
    embedded_wallets: bool = False
    sms_sign_in: bool = False
    high_value: bool = False


_DEFAULT_PRODUCTION_JWT_MAX = Duration.of(days=7)
_DEFAULT_WALLET_JWT_MAX = Duration.of(hours=24)
_DEFAULT_TOKEN_ROTATION_MAX = Duration.of(days=90)


@dataclass(frozen=True)
class ResolvedLimits:
    production_jwt_max: Duration = _DEFAULT_PRODUCTION_JWT_MAX
    wallet_jwt_max: Duration = _DEFAULT_WALLET_JWT_MAX
    token_rotation_max: Duration = _DEFAULT_TOKEN_ROTATION_MAX


@dataclass(frozen=True)
class StageWaiver:
    """A waiver that applies to this stage, with its position in the file (`waivers[index]`)."""

    index: int
    waiver: Waiver


@dataclass(frozen=True)
class Locator:
    """Finds where a stage's value was written: in the stage itself, else in `defaults`."""

    source: SourceDocument | None
    stage: str

    def locate(self, path: str) -> tuple[str | None, int | None]:
        """(file, line) for a finding path like `allowed_origins[1]`, `mfa.methods` or
        `waivers[0]`; a path that was not written points at the stage."""
        if self.source is None:
            return None, None
        parts = parse_path(path)
        if parts and parts[0] == "waivers":
            return self.source.file, self.source.line_of(parts)
        stage_path = ("stages", self.stage, *parts)
        for candidate in (stage_path, ("defaults", *parts)):
            line = self.source.exact_line(candidate)
            if line is not None:
                return self.source.file, line
        for depth in range(len(parts) - 1, 0, -1):
            for prefix in (("stages", self.stage), ("defaults",)):
                line = self.source.exact_line((*prefix, *parts[:depth]))
                if line is not None:
                    return self.source.file, line
        return self.source.file, self.source.line_of(("stages", self.stage))


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse_path(path: str) -> tuple[str | int, ...]:
    """`allowed_origins[1]` -> ("allowed_origins", 1); `mfa.methods` -> ("mfa", "methods")."""
    return tuple(
        int(index) if index else name for name, index in _PATH_PART.findall(path)
    )


@dataclass(frozen=True, kw_only=True)
class EffectiveStage(AreaValues):
    """Everything the rules, the planner and the Pulumi resources need about one stage: its
    areas' values (`AreaValues`: `None` where the stage does not manage the area), and the
    stage's own facts."""

    name: str
    environment_id: str
    production: bool
    production_inferred: bool
    token_env: str = DEFAULT_TOKEN_ENV
    app: ResolvedApp = ResolvedApp()
    limits: ResolvedLimits = ResolvedLimits()
    waivers: tuple[StageWaiver, ...] = ()
    locator: Locator = field(default=Locator(None, ""), compare=False, repr=False)

    def locate(self, path: str) -> tuple[str | None, int | None]:
        return self.locator.locate(path)

    @property
    def kind(self) -> str:
        """`production` or `other`: the column of the rule table that applies."""
        return "production" if self.production else "other"


def infer_production(name: str) -> bool:
    """Stages named prod, production or live, or starting with one of those followed by `-`,
    `_` or `.` (`prod-eu`, `production_us`, `live.b`), are production unless they say
    otherwise (docs/policy.md#stages-and-defaults). `products` or `liveness` are not."""
    folded = name.casefold()
    return any(folded == word or folded[: len(word) + 1] in (f"{word}-", f"{word}_", f"{word}.")
               for word in PRODUCTION_STAGE_NAMES)


def resolve_stage(
    name: str,
    stage: Stage,
    defaults: Defaults | None,
    waivers: Sequence[Waiver] = (),
    source: SourceDocument | None = None,
) -> EffectiveStage:
    """Merge `defaults` into `stage` (docs/policy.md#stages-and-defaults) and resolve the
    stage's own settings."""
    merged: dict[str, Any] = {}
    for key in SettingsAreas.model_fields:
        merged[key] = _merged_value(key, stage, defaults)
    app_model: AppFacts | None = merged["app"]
    limits_model: Limits | None = merged["limits"]
    return EffectiveStage(
        **resolved_areas(merged),
        name=name,
        environment_id=stage.environment_id,
        production=stage.production if stage.production is not None else infer_production(name),
        production_inferred=stage.production is None,
        token_env=stage.token_env or DEFAULT_TOKEN_ENV,
        app=_resolved(ResolvedApp, app_model),
        limits=_resolved(ResolvedLimits, limits_model),
        waivers=tuple(
            StageWaiver(index, waiver) for index, waiver in enumerate(waivers)
            if waiver.stages is None or name in waiver.stages
        ),
        locator=Locator(source, name),
    )


def _merged_value(area: str, stage: Stage, defaults: Defaults | None) -> Any:
    inherited = getattr(defaults, area) if defaults is not None else None
    if area not in stage.model_fields_set:
        return inherited
    own = getattr(stage, area)
    if isinstance(own, BaseModel) and isinstance(inherited, BaseModel):
        return _merge_models(inherited, own)
    return own


def _merge_models(base: _M, override: _M) -> _M:
    values = {
        key: getattr(override, key) if key in override.model_fields_set else getattr(base, key)
        for key in type(base).model_fields
    }
    return type(base).model_construct(
        _fields_set=base.model_fields_set | override.model_fields_set, **values
    )


_R = TypeVar("_R", ResolvedApp, ResolvedLimits)


def _resolved(kind: type[_R], model: BaseModel | None) -> _R:
    if model is None:
        return kind()
    values = {key: getattr(model, key) for key in type(model).model_fields
              if getattr(model, key) is not None}
    return kind(**values)
