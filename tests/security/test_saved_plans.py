"""Saved plans are verified, never trusted: a table of edits of a real plan file.

Each case makes a plan file with `dynsec plan --out` against the emulator, edits it as
whoever can touch the artifact between the pull request and the approval-gated apply could,
then runs `dynsec apply --plan`. Every edit is refused with its exit code, and the emulator's
own request log shows no write at all (no POST, PUT or DELETE); cases decided from the file
and the policy alone show no request at all. The untouched file, by contrast, applies and
makes exactly its writes.

The plan: production on the demo seed's live environment, which starts insecure (JWT 30d,
origins `https://*.example.com` and `http://localhost:3000`, an unmanaged token) and holds a
managed `ci` token 100 days old, so the plan has every kind of change: the JWT update, one
origin added and two removed, a rotation and (overlap 0d) a revocation of a real token id.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.mapping.changes import Change
from pulumi_dynamic_security.service.plan_check import first_difference
from tests.support.cli import Cli
from tests.support.clients import edit_settings, live_origins, make_client
from tests.support.ids import LEGACY_TOKEN, LIVE, SANDBOX
from tests.support.policies import policy_text
from tests.support.tokens import Planted, plant

STAGE = """\
    jwt_lifetime: 2h
    allowed_origins: [https://app.example.com]
    api_tokens:
      - name: ci
        scopes: [environment.settings.read]
        rotate_every: 90d
        overlap: 0d
"""
POLICY = policy_text(LIVE, STAGE) + f"""\
  dev:
    environment_id: {SANDBOX}
    jwt_lifetime: 2h
    allowed_origins: [https://dev.example.com]
"""
# The same stage with a wildcard origin: DS102 is an error in production, so it is blocked.
BLOCKED = POLICY.replace("[https://app.example.com]", '["https://*.example.com"]')
PLAN = ("dynamic-security.yaml", "--stage", "production")
APPLY = ("apply", *PLAN, "--yes", "--plan", "plan.json", "--secrets-out", "secrets.json")

# The changes of the plan, by position.
JWT, ADD, REMOVE_LOCAL, REMOVE_WILDCARD, ROTATE, REVOKE = range(6)

Plan = dict[str, Any]


@dataclass
class World:
    """What an edit may use: the command line, and the managed token planted before."""

    cli: Cli
    managed: Planted


# Edits the plan in place, or returns the file's new text.
Edit = Callable[[Plan, World], "str | None"]


@dataclass(frozen=True)
class Case:
    id: str
    edit: Edit
    code: int
    says: str  # a fragment of the one error message
    policy: str = POLICY
    stage: str = "production"  # the stage the file is planned for
    offline: bool = False  # refused from the file and policy alone: no request at all


def change(data: Plan, index: int, **values: Any) -> None:
    data["changes"][index].update(values)


def add(data: Plan, index: int, item: dict[str, Any]) -> None:
    data["changes"].insert(index, item)


def keep(*indexes: int) -> Edit:
    return lambda data, world: data.__setitem__(
        "changes", [c for i, c in enumerate(data["changes"]) if i in indexes])


def put(key: str, value: object) -> Edit:
    return lambda data, world: data.__setitem__(key, value)


def revoke_of(token_id: str) -> dict[str, Any]:
    return {"area": "api_tokens", "action": "revoke", "path": "api_tokens[0]",
            "before": {"id": token_id, "created_at": "2025-10-27T00:00:00Z",
                       "due": "2025-10-27T00:00:00Z"}, "after": None, "effect": "tightens"}


def set_token_id(token_id: object) -> Edit:
    return lambda data, world: data["changes"][REVOKE]["before"].__setitem__("id", token_id)


def dashboard_edit(data: Plan, world: World) -> None:
    edit_settings(world.cli.emulator, LIVE, jwtDuration={"amount": 5, "unit": "days"})


def token_revoked_elsewhere(data: Plan, world: World) -> None:
    with make_client(world.cli.emulator) as admin:
        admin.delete_token(LIVE, world.managed.id)


def token_planted_elsewhere(data: Plan, world: World) -> None:
    plant(world.cli.emulator, "ci", age_days=200)  # older: the newest is still the same


def policy_moved_on(data: Plan, world: World) -> None:
    world.cli.write(POLICY.replace("jwt_lifetime: 2h\n    allowed_origins: [https://app",
                                   "jwt_lifetime: 4h\n    allowed_origins: [https://app"))


def as_production(data: Plan, world: World) -> None:
    data.update(stage="production", environment_id=LIVE)


def unblock(data: Plan, world: World) -> None:
    data["blocked"] = False
    data["findings"] = [dict(f, severity="note", waived=True) for f in data["findings"]]


def deep(data: Plan, world: World) -> str:
    return json.dumps(data)[:-1] + ', "x": ' + "[" * 100_000 + "]" * 100_000 + "}"


def shallow_but_deeper_than_a_plan(data: Plan, world: World) -> str:
    return json.dumps(data)[:-1] + ', "x": ' + "[" * 50 + "]" * 50 + "}"


def huge(data: Plan, world: World) -> str:
    return json.dumps(data)[:-1] + ', "x": "' + "a" * (5 * 1024 * 1024) + '"}'


def duplicate_changes(data: Plan, world: World) -> str:
    return '{"changes": [], ' + json.dumps(data)[1:]


CASES = [
    # Changes removed, added, altered or reordered: exit 3 "does not match POLICY".
    Case("only-the-origin-removals", keep(REMOVE_LOCAL, REMOVE_WILDCARD), 3,
         "The saved plan does not match POLICY"),
    Case("one-change-removed", keep(ADD, REMOVE_LOCAL, REMOVE_WILDCARD, ROTATE, REVOKE), 3,
         "change 1 differs"),
    Case("every-change-removed", keep(), 3, "the file has 0 change(s)"),
    Case("wildcard-origin-added", lambda d, w: add(d, ADD, {
        "area": "allowed_origins", "action": "add", "path": "allowed_origins", "before": None,
        "after": "https://*", "effect": "weakens"}), 3, "'https://*'"),
    Case("jwt-raised-to-30d", lambda d, w: change(d, JWT, after="30d", effect="neutral"), 3,
         "'30d'"),
    Case("jwt-before-changed", lambda d, w: change(d, JWT, before="12h"), 3, "'12h'"),
    Case("origin-add-retargeted", lambda d, w: change(d, ADD, after="https://evil.example"), 3,
         "'https://evil.example'"),
    Case("origin-removal-retargeted", lambda d, w: change(
        d, REMOVE_LOCAL, before="https://app.example.com"), 3, "change 3 differs"),
    Case("effect-relabelled", lambda d, w: change(d, ADD, effect="tightens"), 3,
         "(weakens)"),
    Case("changes-reordered", lambda d, w: d["changes"].insert(0, d["changes"].pop(ADD)), 3,
         "change 1 differs"),
    Case("unmanaged-area-written", lambda d, w: add(d, 1, {
        "area": "token_storage", "action": "update", "path": "token_storage",
        "before": "localstorage", "after": "localstorage", "effect": "neutral"}), 3,
         "token_storage update 'localstorage' -> 'localstorage'"),
    Case("unmanaged-mfa-turned-off", lambda d, w: add(d, 1, {
        "area": "mfa", "action": "remove", "path": "mfa.methods", "before": "totp",
        "after": None, "effect": "weakens"}), 3, "mfa mfa.methods remove 'totp'"),
    Case("revoke-of-a-token-dynsec-never-issued", lambda d, w: add(d, REVOKE + 1,
                                                                   revoke_of(LEGACY_TOKEN)),
         3, "change 7 differs"),
    Case("revoke-retargeted-to-a-foreign-token", set_token_id(LEGACY_TOKEN), 3,
         LEGACY_TOKEN),
    Case("revoke-of-a-random-uuid", set_token_id(str(uuid.uuid4())), 3, "does not match"),
    Case("rotation-claims-an-issued-id", lambda d, w: d["changes"][ROTATE]["after"].update(
        id=str(uuid.uuid4())), 3, "change 5 differs"),
    # Ids that are not uuids, and other damage: exit 3 before any request.
    Case("id-dot-dot", set_token_id(".."), 3, "'..', which is not a uuid", offline=True),
    Case("id-dot", set_token_id("."), 3, "which is not a uuid", offline=True),
    Case("id-path", set_token_id("../../environments"), 3, "not a uuid", offline=True),
    Case("id-percent", set_token_id("%2e%2e"), 3, "not a uuid", offline=True),
    Case("id-upper-case-uuid", lambda d, w: set_token_id(w.managed.id.upper())(d, w), 3,
         "not a uuid", offline=True),
    Case("id-a-number", set_token_id(7), 3, "holds 'id': int 7", offline=True),
    Case("token-path-out-of-range", lambda d, w: change(d, REVOKE, path="api_tokens[-1]"), 3,
         "names no api_tokens entry", offline=True),
    Case("changes-not-a-list", put("changes", "nope"), 3,
         "`changes` is str 'nope', not a list", offline=True),
    Case("change-not-an-object", lambda d, w: d["changes"].__setitem__(0, ["jwt"]), 3,
         "change 1 is list", offline=True),
    Case("deep-nesting", deep, 3, "nested deeper than", offline=True),
    Case("nesting-past-the-bound", shallow_but_deeper_than_a_plan, 3, "nested deeper than",
         offline=True),
    Case("huge-file", huge, 3, "is larger than 4 MiB", offline=True),
    Case("duplicate-key", duplicate_changes, 3, "the key 'changes' appears twice",
         offline=True),
    Case("not-a-number", lambda d, w: json.dumps(d).replace('"blocked": false',
                                                            '"blocked": NaN'), 3,
         "NaN is not a number", offline=True),
    Case("blocked-not-a-boolean", put("blocked", "no"), 3, "`blocked` is str 'no'",
         offline=True),
    Case("basis-damaged", put("basis", "yesterday"), 3,
         "`basis` is str 'yesterday'", offline=True),
    Case("policy-digest-damaged", put("policy_sha256", "zz"), 3,
         "is not a SHA-256 digest", offline=True),
    Case("created-in-the-future", put("created_at", "2999-01-01T00:00:00+00:00"), 3,
         "is in the future", offline=True),
    # Another stage's plan.
    Case("another-stages-plan", lambda d, w: None, 3, "was made for stage 'dev'",
         stage="dev", offline=True),
    Case("another-stages-plan-relabelled", as_production, 5, "policy of stage 'production'",
         stage="dev", offline=True),
    # Findings and `blocked` are recomputed; a saved blocked plan is never applied.
    Case("blocked-flipped-on", put("blocked", True), 1, "was blocked by policy findings",
         offline=True),
    Case("blocked-flipped-off", put("blocked", False), 1, "is blocked by policy",
         policy=BLOCKED),
    Case("findings-waived-and-unblocked", unblock, 1, "is blocked by policy", policy=BLOCKED),
    # The policy or the environment changed since the plan: exit 5.
    Case("plan-from-an-older-policy", policy_moved_on, 5, "policy of stage 'production' "
         "changed since the plan", offline=True),
    Case("policy-digest-of-another-policy", put("policy_sha256", "0" * 64), 5,
         "changed since the plan", offline=True),
    Case("environment-changed-since", dashboard_edit, 5, "settings of stage 'production'"),
    Case("basis-digest-altered", lambda d, w: d["basis"].__setitem__(
        "origins_sha256", "0" * 64), 5, "allowed origins of stage"),
    Case("managed-token-revoked-since", token_revoked_elsewhere, 5,
         "The API tokens 'ci' of stage 'production'"),
    Case("managed-token-issued-since", token_planted_elsewhere, 5, "were issued or revoked"),
]


def make_plan(cli: Cli, case: Case) -> tuple[Plan, World]:
    managed = plant(cli.emulator, "ci", age_days=100)
    cli.write(case.policy)
    made = cli("plan", "dynamic-security.yaml", "--stage", case.stage, "--out", "plan.json")
    assert made.code in (0, 1), made.err
    return json.loads((cli.directory / "plan.json").read_text(encoding="utf-8")), World(
        cli, managed)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_an_edited_plan_file_is_refused_and_nothing_is_written(cli: Cli, case: Case) -> None:
    data, world = make_plan(cli, case)
    text = case.edit(data, world)
    (cli.directory / "plan.json").write_text(text or json.dumps(data), encoding="utf-8")
    origins = live_origins(cli.emulator, LIVE)
    cli.clear()

    result = cli(*APPLY)


    assert result.code == case.code, result.out + result.err
    assert case.says in result.err, result.err
    assert "Traceback" not in result.err
    assert cli.writes() == []
    if case.offline:
        assert cli.log() == []
    assert not (cli.directory / "secrets.json").exists()
    assert live_origins(cli.emulator, LIVE) == origins


def writes_of_the_plan(world: World) -> list[tuple[str, str]]:
    """The writes the untouched plan makes, in order: origins added, the settings document,
    origins removed, the token issued, the overdue token revoked."""
    return [
        ("POST", f"/environments/{LIVE}/origins"),
        ("PUT", f"/environments/{LIVE}"),
        ("DELETE", "/origins/0d000000-0000-4000-8000-000000000005"),
        ("DELETE", "/origins/0d000000-0000-4000-8000-000000000004"),
        ("POST", f"/environments/{LIVE}/tokens"),
        ("DELETE", f"/environments/{LIVE}/tokens/{world.managed.id}"),
    ]


def test_the_untouched_plan_applies_and_makes_exactly_its_writes(cli: Cli) -> None:
    case = Case("untouched", lambda d, w: None, 0, "")
    data, world = make_plan(cli, case)
    cli.clear()

    result = cli(*APPLY)

    assert result.code == 0, result.err
    assert [c["action"] for c in data["changes"]] == [
        "update", "add", "remove", "remove", "rotate", "revoke"]
    assert cli.writes() == writes_of_the_plan(world)
    assert live_origins(cli.emulator, LIVE) == ["https://app.example.com"]
    assert "ci" in json.loads((cli.directory / "secrets.json").read_text(encoding="utf-8"))


def test_a_rotation_that_fell_due_since_the_plan_is_a_stale_plan_not_a_forgery(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file was made when the managed token was not yet due; two days later, at apply, a
    rotation is due. The file is what dynsec wrote then (recomputing at its own time gives it
    back exactly), so the answer is "plan again" (exit 5), not "edited" (exit 3)."""
    plant(cli.emulator, "ci", age_days=89)
    cli.write(POLICY)
    assert cli("plan", *PLAN, "--out", "plan.json").code == 0
    data = json.loads((cli.directory / "plan.json").read_text(encoding="utf-8"))
    assert "rotate" not in [c["action"] for c in data["changes"]]
    later = clock.utc_now() + timedelta(days=2)
    monkeypatch.setattr(clock, "utc_now", lambda: later)
    cli.clear()

    result = cli(*APPLY)

    assert result.code == 5, result.err
    assert "fell due since the plan was made" in result.err
    assert cli.writes() == []


def test_the_times_a_rotation_forecasts_are_not_compared_but_which_token_is() -> None:
    rotate = Change("api_tokens", "rotate", "api_tokens[0]",
                    {"id": "a" * 8 + "-0000-4000-8000-" + "0" * 12,
                     "created_at": "2026-01-01T00:00:00Z", "due": "2026-04-01T00:00:00Z"},
                    {"id": None, "created_at": "2026-05-01T00:00:00Z",
                     "due": "2026-08-01T00:00:00Z"}, "tightens")
    later = Change(rotate.area, rotate.action, rotate.path, dict(rotate.before, due="x"),
                   dict(rotate.after, created_at="2026-05-01T00:01:00Z", due="y"),
                   rotate.effect)
    other_token = Change(rotate.area, rotate.action, rotate.path,
                         dict(rotate.before, id="b" * 8 + "-0000-4000-8000-" + "0" * 12),
                         rotate.after, rotate.effect)
    older_token = Change(rotate.area, rotate.action, rotate.path,
                         dict(rotate.before, created_at="2025-01-01T00:00:00Z"),
                         rotate.after, rotate.effect)

    assert first_difference((rotate,), [later]) is None
    assert first_difference((rotate,), [other_token]) == (0, rotate, other_token)
    assert first_difference((rotate,), [older_token]) == (0, rotate, older_token)
    assert first_difference((rotate,), []) == (0, rotate, None)
