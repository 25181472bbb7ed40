"""Loading a policy file: parse, validate, cross-check, resolve every stage.

Every problem becomes a `Problem(file, line, message)`, all of them are reported at once in
one `PolicyFileError` (exit 3), and nothing is returned half-valid.
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from pulumi_dynamic_security.errors import InputError, PolicyFileError, Problem
from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.policy.areas import area_problems
from pulumi_dynamic_security.policy.fields import ENTRY_NAME_RULE
from pulumi_dynamic_security.policy.models import (
    STAGE_NAME_HINT,
    STAGE_ONLY_KEYS,
    PolicyFile,
    SettingsAreas,
)
from pulumi_dynamic_security.policy.rule_ids import unknown_rule
from pulumi_dynamic_security.policy.source import SourceDocument, parse_source, read_source
from pulumi_dynamic_security.policy.stages import EffectiveStage, resolve_stage
from pulumi_dynamic_security.suggestions import closest, did_you_mean

DEFAULT_POLICY_FILE = "dynamic-security.yaml"


class SecurityPolicy:
    """A loaded, valid policy file and the effective policy of each of its stages."""

    def __init__(self, model: PolicyFile, source: SourceDocument | None = None):
        self.model = model
        self.source = source
        self.file = source.file if source is not None else None
        self.stages: Mapping[str, EffectiveStage] = {
            name: resolve_stage(name, stage, model.defaults, model.waivers, source)
            for name, stage in model.stages.items()
        }

    @classmethod
    def load(cls, path: str | Path, *, today: date | None = None) -> SecurityPolicy:
        """Read and validate a policy file; PolicyFileError listing every problem otherwise."""
        return cls._from_source(read_source(Path(path)), today)

    @classmethod
    def from_text(cls, text: str, name: str = DEFAULT_POLICY_FILE, *,
                  today: date | None = None) -> SecurityPolicy:
        """Validate policy text (YAML or JSON) as if it were a file called `name`."""
        return cls._from_source(parse_source(text, name), today)

    @classmethod
    def _from_source(cls, source: SourceDocument, today: date | None) -> SecurityPolicy:
        context = {"today": today} if today is not None else None
        try:
            model = PolicyFile.model_validate(source.data, context=context)
        except ValidationError as exc:
            raise PolicyFileError(_problems_from(exc, source)) from None
        policy = cls(model, source)
        problems = list(_cross_checks(policy, source))
        if problems:
            raise PolicyFileError(problems)
        return policy

    def stage(self, name: str) -> EffectiveStage:
        """The effective policy of stage `name`; InputError (with a suggestion) if unknown."""
        try:
            return self.stages[name]
        except KeyError:
            where = self.file or "the policy"
            suggestion = did_you_mean(name, self.stages)
            raise InputError(
                f"{where} has no stage {name!r}{suggestion}"
                + ("" if suggestion.endswith("?") else "."),
                hint="Use one of the stage names under `stages:`.",
            ) from None

    def select(self, names: Iterable[str] = ()) -> list[EffectiveStage]:
        """The named stages (every stage when none is named), in file order."""
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return list(self.stages.values())
        return [self.stage(name) for name in wanted]


# --- pydantic errors -> problems -------------------------------------------------------------


def _problems_from(error: ValidationError, source: SourceDocument) -> list[Problem]:
    problems = []
    for detail in error.errors(include_url=False):
        path = _data_path(detail["loc"], source.data)
        at = (detail.get("ctx") or {}).get("at")
        if at is not None:
            path = (*path, *(at if isinstance(at, (list, tuple)) else (at,)))
        problems.append(Problem(source.file, source.line_of(path), _message(detail, path)))
    return _dedupe(problems)


def _data_path(loc: tuple[int | str, ...], data: Any) -> tuple[str | int, ...]:
    """Keep the parts of pydantic's `loc` that name keys and items of the document (pydantic
    also inserts validator and union-member names)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if _has_child(node, part):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and isinstance(part, str) and not _is_validator_step(part):
            path.append(part)  # a missing key: point at its parent's line, name it in the text
            node = None
    return tuple(path)


def _has_child(node: Any, part: int | str) -> bool:
    if isinstance(node, dict):
        return isinstance(part, str) and part in node
    if isinstance(node, list):
        return isinstance(part, int) and 0 <= part < len(node)
    return False


def _is_validator_step(part: str) -> bool:
    """pydantic names validator steps like `function-after[...]`; those are not keys."""
    return "[" in part or part.startswith(("function-", "literal[", "list[", "nullable"))


def _message(detail: ErrorDetails, path: tuple[str | int, ...]) -> str:
    kind = detail["type"]
    key = path[-1] if path else None
    where = _describe(path)
    if kind == "extra_forbidden" and isinstance(key, str):
        return _unknown_key_message(key, path[:-1])
    if kind == "missing" and isinstance(key, str):
        parent = _describe(path[:-1]) or "the file"
        return f"{parent} is missing the required key {key!r}"
    if kind == "literal_error":
        expected = str((detail.get("ctx") or {}).get("expected", ""))
        choices = re.findall(r"'([^']*)'", expected) or [expected]
        match = closest(str(detail["input"])[:100], choices)
        advice = f"did you mean {match!r}?" if match else f"use {expected}"
        return f"{where}: {echo(detail['input'])} is not allowed; {advice}"
    if kind in ("value_error", "origin", "overlap", "duplicate", "assertion_error", "version"):
        message = detail["msg"].removeprefix("Value error, ")
        return f"{where}: {message}"
    if kind == "string_pattern_mismatch" and detail["loc"][-1:] == ("[key]",):
        return f"{where}: {echo(detail['input'])} is not a valid stage name: {STAGE_NAME_HINT}"
    if kind == "string_pattern_mismatch":
        listed_in = str(path[-3]) if len(path) >= 3 and isinstance(path[-2], int) else ""
        hint = _PATTERN_HINTS.get(f"{listed_in}.{key}") or _PATTERN_HINTS.get(
            str(key), "has the wrong form")
        return f"{where}: {echo(detail['input'])} {hint}"
    if kind == "too_short":
        return f"{where}: must not be empty"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{where}: expected a mapping (key: value), got {_kind_of(detail['input'])}"
    if kind == "list_type":
        return f"{where}: expected a list, got {_kind_of(detail['input'])}"
    if kind in ("bool_type", "bool_parsing"):
        return f"{where}: {_bool_message(detail['input'])}"
    if kind in ("string_type",):
        return f"{where}: expected text, got {_kind_of(detail['input'])}"
    if kind.startswith("date"):
        return f"{where}: expected a date like 2027-03-31, got {echo(detail['input'])}"
    return f"{where}: {detail['msg']}"


# What YAML 1.1 (and pydantic's lax mode) would have read as a boolean: said so, never taken.
_LOOKS_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_LOOKS_FALSE = frozenset({"false", "no", "n", "off", "0"})


def _bool_message(value: Any) -> str:
    got = f"expected true or false, got {_kind_of(value)}"
    spelled = str(value).strip().lower() if isinstance(value, (str, int)) else None
    if spelled in _LOOKS_TRUE or spelled in _LOOKS_FALSE:
        meant = "true" if spelled in _LOOKS_TRUE else "false"
        return (f"{got}, which is not a boolean (only the unquoted words true and false are); "
                f"write {meant} if that is what you mean")
    return got


_PATTERN_HINTS = {
    "environment_id": "is not a lower-case uuid (copy the id from Dynamic's dashboard)",
    "api_tokens.name": f"is not a valid token name: {ENTRY_NAME_RULE}",
    "webhooks.name": f"is not a valid webhook name: {ENTRY_NAME_RULE}",
    "token_env": "is not an environment variable name",
    "reason": "must not be blank",
}


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    return echo(value)


def _describe(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _unknown_key_message(key: str, parent: tuple[str | int, ...]) -> str:
    model = _model_at(PolicyFile, parent)
    where = _describe(parent) or "the top level"
    if model is None:
        return f"unknown key {echo(key)} in {where}"
    names = [field.alias or name for name, field in model.model_fields.items()]
    if key in STAGE_ONLY_KEYS and parent == ("defaults",):
        return f"{echo(key)} belongs in a stage, not in defaults (each stage has its own)"
    if model is PolicyFile and key in SettingsAreas.model_fields:
        return f"unknown key {key!r} at the top level: settings go under `defaults:` or a stage"
    match = closest(key, [n for n in names if n != "$schema"])
    suggestion = f"; did you mean {match!r}?" if match else f"; valid keys: {', '.join(names)}"
    return f"unknown key {echo(key)} in {where}{suggestion}"


def _model_at(model: type[BaseModel], path: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The model class that validates the mapping at `path` (walking field annotations)."""
    current: Any = model
    index = 0
    while index < len(path):
        part = path[index]
        inner = unwrap_annotation(current)
        if isinstance(inner, type) and issubclass(inner, BaseModel) and isinstance(part, str):
            field = inner.model_fields.get(part)
            if field is None:
                return None
            current = field.annotation
            index += 1
            continue
        origin = typing.get_origin(inner)
        if origin in (list, dict):
            current = typing.get_args(inner)[-1]
            index += 1
            continue
        return None
    inner = unwrap_annotation(current)
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def unwrap_annotation(annotation: Any) -> Any:
    """Strip Optional[...] and Annotated[...] down to the type that matters."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _dedupe(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda problem: problem.line or 0)


# --- checks that span several parts of the file ----------------------------------------------


def _cross_checks(policy: SecurityPolicy, source: SourceDocument) -> Iterator[Problem]:
    model = policy.model
    seen: dict[str, str] = {}
    for name, stage in model.stages.items():
        other = seen.setdefault(stage.environment_id, name)
        if other != name:
            yield Problem(
                source.file, source.line_of(("stages", name, "environment_id")),
                f"stages.{name}.environment_id is also used by stage {other!r}; each stage "
                "needs its own Dynamic environment",
            )
    for index, waiver in enumerate(model.waivers):
        problem = unknown_rule(waiver.rule)
        if problem is not None:
            yield Problem(
                source.file, source.line_of(("waivers", index, "rule")),
                f"waivers[{index}].rule: {problem}",
            )
        for position, stage_name in enumerate(waiver.stages or ()):
            if stage_name not in model.stages:
                yield Problem(
                    source.file, source.line_of(("waivers", index, "stages", position)),
                    f"waivers[{index}].stages: no stage named {echo(stage_name)}"
                    f"{did_you_mean(stage_name, model.stages)}",
                )
    for effective in policy.stages.values():
        for path, message in area_problems(effective):
            file, line = effective.locate(path)
            yield Problem(file or source.file, line, f"stages.{effective.name}: {message}")
