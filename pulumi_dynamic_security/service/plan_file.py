"""Saved plans (`plan --out FILE`, `apply --plan FILE`): the plan object plus its basis.

A saved plan is what a pull request showed; `apply --plan` carries out exactly its changes,
and "changed since the plan" means since the file was written (its `basis`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pulumi_dynamic_security.diffing import Change
from pulumi_dynamic_security.errors import InputError, PolicyBlockedError
from pulumi_dynamic_security.mapping import api_tokens
from pulumi_dynamic_security.policy.durations import Duration
from pulumi_dynamic_security.policy.models import DYNAMIC_JWT_MAX, MFA_ACTIONS, MFA_METHODS
from pulumi_dynamic_security.policy.origins import normalize_origin
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.rules.base import Finding, Severity
from pulumi_dynamic_security.rules.engine import StageReport
from pulumi_dynamic_security.service.plan import Plan
from pulumi_dynamic_security.service.snapshot import Basis

PLAN_FILE_FORMAT = "dynsec-plan"
PLAN_FILE_VERSION = 1


def render_plan_file(plan: Plan) -> str:
    """The JSON text `plan --out` writes: the plan plus what `apply --plan` needs."""
    data = {
        "format": PLAN_FILE_FORMAT,
        "format_version": PLAN_FILE_VERSION,
        **plan.to_json(),
        "created_at": plan.created_at.isoformat() if plan.created_at else None,
        "basis": plan.basis.to_json(),
        "api_token_names": [entry.name for entry in plan.stage.api_tokens or ()],
    }
    return json.dumps(data, indent=2) + "\n"


def load_plan_file(path: Path, stage: EffectiveStage) -> Plan:
    """Read a saved plan for `stage`; InputError (exit 3) when it is unreadable, malformed or
    made for another stage; PolicyBlockedError (exit 1) when the saved plan was blocked."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(path, f"cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    except json.JSONDecodeError as exc:
        raise _bad(path, f"is not JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict) or data.get("format") != PLAN_FILE_FORMAT:
        raise _bad(path, "is not a plan written by `dynsec plan --out`")
    if data.get("format_version") != PLAN_FILE_VERSION:
        raise _bad(path, f"has plan format version {data.get('format_version')!r}; this "
                         f"dynsec reads version {PLAN_FILE_VERSION}")
    if data.get("stage") != stage.name or data.get("environment_id") != stage.environment_id:
        raise _bad(path, f"was made for stage {data.get('stage')!r} (environment "
                         f"{data.get('environment_id')}), not {stage.name!r} "
                         f"({stage.environment_id})")
    names = [entry.name for entry in stage.api_tokens or ()]
    if data.get("api_token_names", []) != names:
        raise _bad(path, "was made when the stage's api_tokens were different")
    if data.get("blocked"):
        raise PolicyBlockedError(
            f"The saved plan {path} is blocked by policy findings; nothing was written.",
            hint="Fix the policy, plan again, and apply the new plan.",
        )
    try:
        changes = [_checked(Change.from_json(item), stage) for item in data.get("changes", [])]
        findings = [_finding(item) for item in data.get("findings", [])]
        basis = Basis.from_json(data.get("basis"))
    except (ValueError, TypeError, KeyError) as exc:
        raise _bad(path, f"is damaged ({exc})") from None
    return Plan(stage=stage, changes=changes, report=StageReport(stage, findings),
                basis=basis)


_MFA_MEMBERS = {"mfa.methods": MFA_METHODS, "mfa.require_for_actions": MFA_ACTIONS}
_MFA_FLAGS = ("mfa.require_at_login", "mfa.backup_codes")


def _checked(change: Change, stage: EffectiveStage) -> Change:
    """`change` if apply could carry it out as written; ValueError (a damaged file) otherwise,
    so that a hand-edited value fails here, before any write, and not halfway through."""
    member = change.after if change.action == "add" else change.before
    if change.area == "jwt_lifetime" and change.path == "jwt_lifetime" \
            and change.action == "update" and isinstance(change.after, str):
        if not Duration(1) <= Duration.parse(change.after) <= DYNAMIC_JWT_MAX:
            raise ValueError(f"JWT lifetime {change.after} is outside 1m..30d")
        return change
    if change.area == "token_storage" and change.path == "token_storage" \
            and change.action == "update" and change.after in ("cookie", "localstorage"):
        return change
    if change.area == "mfa" and change.action in ("add", "remove") \
            and member in _MFA_MEMBERS.get(change.path, ()):
        return change
    if change.area == "mfa" and change.action == "update" and change.path in _MFA_FLAGS \
            and isinstance(change.after, bool):
        return change
    if change.area == "allowed_origins" and change.path == "allowed_origins" \
            and change.action in ("add", "remove") and isinstance(member, str):
        if normalize_origin(member) != member:
            raise ValueError(f"origin {member!r} is not in normalized form")
        return change
    if change.area == "api_tokens" and change.action in ("rotate", "revoke"):
        try:
            entry = api_tokens.entry_for(change, stage.api_tokens or ())
        except IndexError:
            raise ValueError(f"{change.path} names no api_tokens entry") from None
        if change.action == "revoke" and not (
            isinstance(change.before, dict) and change.before.get("id")
        ):
            raise ValueError(f"a revocation of {entry.name!r} without a token id")
        return change
    raise ValueError(f"not a change apply can make: {change.to_json()!r}")


def _finding(item: Any) -> Finding:
    # Findings of a saved plan are shown again but never block (the plan was not blocked).
    return Finding(
        rule=str(item["rule"]), name=str(item["name"]), severity=Severity(item["severity"]),
        stage=str(item["stage"]), path=str(item["path"]), message=str(item["message"]),
        remediation=str(item["remediation"]), doc_url=str(item["doc_url"]),
        file=item.get("file"), line=item.get("line"), waived=bool(item.get("waived")),
        waiver_reason=item.get("waiver_reason"),
        resolved_by_plan=bool(item.get("resolved_by_plan")), managed=False,
    )


def _bad(path: Path, problem: str) -> InputError:
    return InputError(f"The plan file {path} {problem}.",
                      hint="Make a new one with `dynsec plan POLICY --stage S --out FILE`.")
