"""`apply --plan FILE`: a saved plan is verified, never trusted.

The file is never carried out. `apply --plan` recomputes the plan from POLICY and the
environment as they are now (the same `plan_stage` a plain `apply` runs) and carries out the
*recomputed* plan, only when the file agrees with it. So no edit of the file can make apply
write anything that `dynsec plan` followed by `dynsec apply` (no `--plan`) would not write at
that moment; an edit can only make it refuse. Findings, `blocked` and effects are always the
recomputed ones.

The checks, in this order; the first that fails decides, and nothing is written
(`plan_file.load_plan_file` makes the first four, before any request):

1. the file is readable, at most 4 MiB, JSON nested at most 16 deep, shaped as `plan --out`
   writes it, every id in it a uuid, every change one apply could make: else exit 3;
2. it was made for this stage and environment: else exit 3;
3. it was not saved blocked: else exit 1;
4. the stage's effective policy has the digest the file recorded: else exit 5 (the policy
   changed since the plan);
5. (reads: the same GETs as `plan`) the environment's basis (`updatedAt`, settings, origins)
   is the one the file recorded, no rotation it plans was made meanwhile, and the tokens the
   stage manages are those it saw: else exit 5 (the environment changed since the plan);
6. the recomputed changes equal the file's, one for one and in the same order (area, action,
   path, before, after, and the effect): else exit 3, "the saved plan does not match POLICY",
   naming the first difference, or exit 5 when recomputing as of the file's own time
   reproduces the file exactly (a token rotation fell due since: plan again);
7. the recomputed plan is not blocked (`apply` itself): else exit 1.

Apply then re-reads the environment right before its first write, as it always does (exit 5
if it moved in between).

Compared "exactly" means every value except the times a token rotation forecasts: the new
token's creation time and the `due` times are those of the moment the plan is computed, so a
plan recomputed a minute later differs there by design; which token is rotated or revoked
(its id and creation time) is compared.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import zip_longest
from typing import Any

from pulumi_dynamic_security.clock import timestamp
from pulumi_dynamic_security.errors import InputError, StalePlanError
from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.mapping import registry
from pulumi_dynamic_security.mapping.changes import Change
from pulumi_dynamic_security.service.plan import Plan, plan_from_snapshot
from pulumi_dynamic_security.service.plan_file import SavedPlan, record_digests


def verify_saved_plan(saved: SavedPlan, now: Plan, *, policy: str) -> Plan:
    """`now` (the plan just computed from POLICY and the environment) if the saved plan
    agrees with it; StalePlanError (exit 5) when the environment changed since the file was
    written, InputError (exit 3) when the file's changes are not the ones computed now."""
    stage, snapshot = now.stage, now.snapshot
    if snapshot is None:
        raise ValueError("verify_saved_plan needs a plan computed against a read")
    changed = saved.environment_digest.what_changed(now.environment_digest)
    if changed is not None:
        raise _stale(saved, now, f"The {changed} of stage {stage.name!r} (environment "
                                 f"{stage.environment_id}) changed since the plan was made")
    for area in registry.ENDPOINTS:
        overtaken = area.overtaken(saved.changes, stage, snapshot.records(area.name) or ())
        if overtaken is not None:
            raise _stale(saved, now, f"{overtaken} since the plan was made")
    digests = record_digests(stage, snapshot)
    for area in registry.DIGESTED:
        if digests[area.digest_key] != saved.record_digests[area.digest_key]:
            raise _stale(saved, now, f"{area.changed_since(stage)} since the plan was made")
    difference = first_difference(saved.changes, now.changes)
    if difference is None:
        return now
    if saved.created_at <= snapshot.read_at:
        then = plan_from_snapshot(stage, replace(snapshot, read_at=saved.created_at),
                                  auth_token_checksum=None)
        if first_difference(saved.changes, then.changes) is None:
            made = timestamp(saved.created_at)
            raise _stale(saved, now, f"A token rotation or revocation of stage {stage.name!r} "
                                     f"fell due since the plan was made ({made}), so the plan "
                                     "computed now differs")
    index, in_file, computed = difference
    raise InputError(
        f"The saved plan does not match POLICY: {saved.path} is not the plan that {policy} "
        f"and the environment give now; change {index + 1} differs (in the file: "
        f"{describe(in_file)}; "
        f"computed now: {describe(computed)}; the file has {len(saved.changes)} change(s), "
        f"the plan computed now {len(now.changes)}). Nothing was written.",
        hint="A saved plan is applied only as `dynsec plan --out` wrote it, for the policy and "
        "environment it was made from: make a new one with `dynsec plan POLICY --stage S "
        "--out FILE`, review it, and apply that.",
    )


def first_difference(
    saved: tuple[Change, ...] | list[Change], computed: list[Change]
) -> tuple[int, Change | None, Change | None] | None:
    """(position, the file's change, the computed change) of the first pair that differs,
    None when both lists are equal, one for one and in order."""
    for index, (in_file, now) in enumerate(zip_longest(saved, computed)):
        if in_file is None or now is None or _compared(in_file) != _compared(now):
            return index, in_file, now
    return None


def _compared(change: Change) -> tuple[Any, ...]:
    """What is compared of a change: all of it but what its area says is a forecast (the
    times a token rotation computes from "now")."""
    before, after = registry.area(change.area).saved_form(change)
    return change.area, change.action, change.path, before, after, change.effect


def describe(change: Change | None) -> str:
    """A change as an error message shows it (`allowed_origins remove 'http://a.test'`,
    `jwt_lifetime update '30d' -> '2h'`), each value cut to 80 characters."""
    if change is None:
        return "no change"
    where = change.area if change.path == change.area else f"{change.area} {change.path}"
    if change.action == "add":
        values = echo(change.after)
    elif change.action in ("remove", "revoke"):
        values = echo(change.before)
    else:
        values = f"{echo(change.before)} -> {echo(change.after)}"
    return f"{where} {change.action} {values} ({change.effect})"


def _stale(saved: SavedPlan, now: Plan, what: str) -> StalePlanError:
    return StalePlanError(
        f"{what}: the saved plan {saved.path} no longer describes it; nothing was written.",
    )
