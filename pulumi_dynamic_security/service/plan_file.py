"""Saved plans (`plan --out FILE`, `apply --plan FILE`): the file, and reading it defensively.

`plan --out` writes the plan object plus what `apply --plan` needs to check it against the
world: the environment's basis (its `updatedAt`, the digests of its settings and origins, and
of the API tokens the stage manages), the time of the plan, and the digest of the stage's
effective policy (`stage_digest`). The file is untrusted when it comes back: anyone who can
touch the artifact between the pull request and the approval-gated apply can edit it. So
`load_plan_file` only reads it (bounded in size and depth, every field type-checked, every id
a uuid) and refuses what cannot be right before any request; it never turns the file into
something apply carries out. `plan_check.verify_saved_plan` then compares it with the plan
recomputed from POLICY and the environment as they are now, and only the recomputed plan is
ever applied (docs: README, "Saved plans").
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.bounded_json import nesting_exceeds
from pulumi_dynamic_security.digests import sha256_of
from pulumi_dynamic_security.errors import InputError, PolicyBlockedError, StalePlanError
from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.mapping import registry
from pulumi_dynamic_security.mapping.changes import ACTIONS, EFFECTS, Change
from pulumi_dynamic_security.policy.areas import AREAS
from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.service.plan import Plan
from pulumi_dynamic_security.service.snapshot import EnvironmentDigest, Snapshot

PLAN_FILE_FORMAT = "dynsec-plan"
# 2: the policy digest and the managed tokens' digest; 3: the managed webhooks' digest
PLAN_FILE_VERSION = 3

MAX_PLAN_BYTES = 4 * 1024 * 1024  # a plan of thousands of origins is a few hundred KiB
MAX_PLAN_DEPTH = 16  # `plan --out` nests 5 deep (file, changes, change, before, events)
_CLOCK_SKEW = timedelta(minutes=5)  # how far in the future a plan's time may be
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_MAX_TEXT = 2048  # the longest string a change holds (a webhook url is at most 2048)
_MAX_LIST = 256  # the most members a list in a change holds (a webhook's events)


@dataclass(frozen=True)
class SavedPlan:
    """A plan file as read: what it claims, to be checked against the plan computed now."""

    path: Path
    changes: tuple[Change, ...]
    created_at: datetime
    environment_digest: EnvironmentDigest
    record_digests: dict[str, str]  # `EndpointArea.digest_key` -> the digest recorded
    policy_sha256: str


def render_plan_file(plan: Plan) -> str:
    """The JSON text `plan --out` writes: the plan plus what `apply --plan` checks it with."""
    if plan.snapshot is None or plan.created_at is None:
        raise ValueError("a saved plan is made from a plan computed against a read")
    data = {
        "format": PLAN_FILE_FORMAT,
        "format_version": PLAN_FILE_VERSION,
        **plan.to_json(),
        "created_at": plan.created_at.isoformat(),
        "basis": {
            **plan.environment_digest.to_json(),
            **record_digests(plan.stage, plan.snapshot),
        },
        "policy_sha256": stage_digest(plan.stage),
    }
    return json.dumps(data, indent=2) + "\n"


# -- digests -----------------------------------------------------------------------------------


def stage_digest(stage: EffectiveStage) -> str:
    """The SHA-256 of a stage's effective policy: every field `EffectiveStage` compares (its
    settings, app facts, limits and waivers; not where in the file they were written), so
    two files that resolve to the same stage have the same digest, whatever their layout,
    comments or line numbers, and any change to what the stage means changes it."""
    return sha256_of(_canonical(stage))


def _canonical(value: Any) -> Any:
    """`value` as plain JSON data, the same for equal values."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Duration):
        return str(value)  # canonical: `24h` and `1d` are both "1d"
    if isinstance(value, enum.Enum):
        return _canonical(value.value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in fields(value) if f.compare}
    if isinstance(value, BaseModel):
        return {name: _canonical(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((_canonical(item) for item in value), key=json.dumps)
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    raise TypeError(f"stage_digest cannot represent a {type(value).__name__}")


def record_digests(stage: EffectiveStage, snapshot: Snapshot) -> dict[str, str]:
    """The digests of the records the stage manages, for each endpoint area whose writes
    move no `updatedAt` (the API tokens): a write made since the plan changes them."""
    return {
        area.digest_key: area.digest(stage, snapshot.records(area.name))
        for area in registry.DIGESTED
    }


# -- reading -----------------------------------------------------------------------------------


class _Damaged(ValueError):
    """A plan file that is not what `plan --out` writes (becomes exit 3)."""


def load_plan_file(path: Path, stage: EffectiveStage) -> SavedPlan:
    """Read a saved plan for `stage`, without a request. InputError (exit 3) when it is
    unreadable, damaged (wrong types, ids that are not uuids, values apply could never
    write) or made for another stage; PolicyBlockedError (exit 1) when it was saved
    blocked; StalePlanError (exit 5) when the stage's policy changed since it was made."""
    data = _read_json(path)
    if not isinstance(data, dict) or data.get("format") != PLAN_FILE_FORMAT:
        raise _bad(path, "is not a plan written by `dynsec plan --out`")
    if data.get("format_version") != PLAN_FILE_VERSION:
        raise _bad(path, f"has plan format version {echo(data.get('format_version'))}; this "
                         f"dynsec reads version {PLAN_FILE_VERSION}")
    if data.get("stage") != stage.name or data.get("environment_id") != stage.environment_id:
        environment = data.get("environment_id")
        raise _bad(path, f"was made for stage {echo(data.get('stage'))} (environment "
                         f"{environment if _is_uuid(environment) else echo(environment)}), "
                         f"not {stage.name!r} ({stage.environment_id})")
    try:
        saved = _saved_plan(path, data, stage)
    except _Damaged as exc:
        raise _bad(path, f"is damaged ({exc})") from None
    if data["blocked"] is not False:
        raise PolicyBlockedError(
            f"The saved plan {path} was blocked by policy findings when it was made; nothing "
            "was written.",
            hint="Fix the policy, plan again, and apply the new plan.",
        )
    if saved.policy_sha256 != stage_digest(stage):
        raise StalePlanError(
            f"The policy of stage {stage.name!r} changed since the plan {path} was made (its "
            "effective settings or waivers differ); nothing was written.",
        )
    return saved


def _read_json(path: Path) -> Any:
    """The file's JSON, read within MAX_PLAN_BYTES and MAX_PLAN_DEPTH."""
    try:
        with open(path, "rb") as stream:
            raw = stream.read(MAX_PLAN_BYTES + 1)
        text = raw.decode("utf-8")
    except OSError as exc:
        raise _bad(path, f"cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise _bad(path, "is not UTF-8 text") from None
    if len(raw) > MAX_PLAN_BYTES:
        raise _bad(path, f"is larger than {MAX_PLAN_BYTES // (1024 * 1024)} MiB, far larger "
                         "than any plan `dynsec plan --out` writes")
    if nesting_exceeds(text, MAX_PLAN_DEPTH):  # measured before parsing: no recursion
        raise _bad(path, f"is damaged (nested deeper than {MAX_PLAN_DEPTH} levels)")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys,
                          parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise _bad(path, f"is not JSON (line {exc.lineno}: {exc.msg})") from None
    except ValueError as exc:  # a duplicate key, NaN, an integer of thousands of digits
        raise _bad(path, f"is damaged ({exc})") from None



def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {echo(key)} appears twice in one object")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a plan holds")


def _saved_plan(path: Path, data: dict[str, Any], stage: EffectiveStage) -> SavedPlan:
    changes, findings = data.get("changes"), data.get("findings")
    if not isinstance(changes, list):
        raise _Damaged(f"`changes` is {_kind(changes)}, not a list")
    if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
        raise _Damaged("`findings` is not a list of objects")  # never read: recomputed
    for key in ("blocked", "production"):
        if not isinstance(data.get(key), bool):
            raise _Damaged(f"`{key}` is {_kind(data.get(key))}, not true or false")
    basis = data.get("basis")
    if not isinstance(basis, dict):
        raise _Damaged(f"`basis` is {_kind(basis)}, not an object")
    try:
        digest = EnvironmentDigest.from_json(basis)
    except ValueError as exc:
        raise _Damaged(f"`basis`: {exc}") from None
    return SavedPlan(
        path=path,
        changes=tuple(_change(index, item, stage) for index, item in enumerate(changes)),
        created_at=_created_at(data.get("created_at")),
        environment_digest=digest,
        record_digests={
            area.digest_key: _sha256(basis.get(area.digest_key), f"basis.{area.digest_key}")
            for area in registry.DIGESTED
        },
        policy_sha256=_sha256(data.get("policy_sha256"), "policy_sha256"),
    )


def _created_at(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise _Damaged(f"`created_at` {echo(value)} is not a time with its zone")
    if moment > clock.utc_now() + _CLOCK_SKEW:
        raise _Damaged(f"`created_at` {value} is in the future")
    return moment


def _sha256(value: Any, key: str) -> str:
    if not isinstance(value, str) or not _SHA256.fullmatch(value):
        raise _Damaged(f"`{key}` {echo(value)} is not a SHA-256 digest")
    return value


def _is_uuid(value: Any) -> bool:
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def _kind(value: Any) -> str:
    return "missing" if value is None else f"{type(value).__name__} {echo(value)}"


def _change(index: int, item: Any, stage: EffectiveStage) -> Change:
    """Change `index` of the file, type-checked; _Damaged names it and what is wrong."""
    where = f"change {index + 1}"
    if not isinstance(item, dict):
        raise _Damaged(f"{where} is {_kind(item)}, not an object")
    area, action, effect, path = (item.get(k) for k in ("area", "action", "effect", "path"))
    if area not in AREAS or action not in ACTIONS or effect not in EFFECTS:
        raise _Damaged(f"{where} has area {echo(area)}, action {echo(action)} and effect "
                       f"{echo(effect)}: not a change dynsec plans")
    if not isinstance(path, str) or len(path) > 200:
        raise _Damaged(f"{where} has the path {echo(path)}")
    for side in ("before", "after"):
        problem = _value_problem(item.get(side))
        if problem:
            raise _Damaged(f"{where}: `{side}` {problem}")
    change = Change.from_json(item)
    try:
        return _checked(change, stage)
    except ValueError as exc:
        raise _Damaged(f"{where}: {exc}") from None


def _value_problem(value: Any) -> str | None:
    """Why `value` cannot be the `before` or `after` of a change, or None. A change holds a
    scalar in the policy's words, or (for a token, a webhook) an object of scalars and
    lists of texts (a webhook's events) whose `id` is a uuid or null."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return None if len(value) <= _MAX_TEXT else f"is a text of {len(value)} characters"
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, list) and len(item) <= _MAX_LIST and all(
                    isinstance(member, str) and len(member) <= _MAX_TEXT for member in item):
                continue
            if not (item is None or isinstance(item, (bool, str))) or len(str(item)) > _MAX_TEXT:
                return f"holds {echo(key)}: {_kind(item)}"
            if key == "id" and item is not None and not _is_uuid(item):
                return f"has the id {echo(item)}, which is not a uuid"
        return None
    return f"is {_kind(value)}"


def _checked(change: Change, stage: EffectiveStage) -> Change:
    """`change` if apply could carry it out as written (its area says: `check_saved`);
    ValueError otherwise, so that a hand-edited value is refused as damage before any
    request (the comparison with the plan computed now would refuse it too, later)."""
    registry.area(change.area).check_saved(change, stage)
    return change


def _bad(path: Path, problem: str) -> InputError:
    return InputError(f"The plan file {path} {problem}.",
                      hint="Make a new one with `dynsec plan POLICY --stage S --out FILE`.")
