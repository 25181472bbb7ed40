"""A token POST whose response is lost: the token found by listing can never be delivered,
so it is revoked and issued again. No duplicate, no undeliverable live token, and the token
delivered is the one that exists."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from pulumi_dynamic_security.api.models import CreatedToken
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.errors import DynamicApiError
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.rules.token_notes import parse_note
from pulumi_dynamic_security.service.apply import apply_plan
from pulumi_dynamic_security.service.plan import plan_stage
from tests.rotation.support import Entry, live_tokens, write_policy
from tests.support.cli import dynsec
from tests.support.clients import make_client
from tests.support.ids import LEGACY_TOKEN
from tests.support.log import write_statuses
from tests.support.tokens import plant

Capsys = pytest.CaptureFixture[str]
RATE = 0.5


def seed_losing_only_the_first_write() -> int:
    """A fault seed whose first draw loses a response and whose next ones do not (the
    emulator draws `random.Random(seed).random()` once per write)."""
    for seed in range(10_000):
        draws = random.Random(seed).random  # the emulator's draws
        if draws() < RATE and all(draws() >= RATE for _ in range(6)):
            return seed
    raise AssertionError("no such seed")


def managed(emu: EmulatorHandle, name: str) -> dict[str, dict[str, object]]:
    return {i: t for i, t in live_tokens(emu).items()
            if (note := parse_note(str(t["note"]))) is not None and note.name == name}


def test_a_lost_post_response_converges_to_exactly_one_new_token(
    emu: EmulatorHandle, tmp_path: Path, capsys: Capsys
) -> None:
    old = plant(emu, "ci-deployer", age_days=91)
    policy = write_policy(tmp_path, Entry("ci-deployer"))
    secrets = tmp_path / "new-tokens.json"
    emu.set_faults(lost_response_rate=RATE, seed=seed_losing_only_the_first_write())
    emu.clear_requests()

    result = dynsec(capsys, "apply", policy, "--stage", "production", "--yes",
                    "--secrets-out", secrets)

    emu.set_faults(lost_response_rate=0)
    assert result.code == 0, result.err
    log = write_statuses(emu)
    [lost_id] = [p.rsplit("/", 1)[-1] for m, p, _ in log if m == "DELETE"]
    assert [(m, s) for m, _, s in log] == [("POST", 502), ("DELETE", 204), ("POST", 201)]
    delivered = json.loads(secrets.read_text(encoding="utf-8"))["ci-deployer"]
    tokens = managed(emu, "ci-deployer")
    assert set(tokens) == {old.id, delivered["id"]}  # exactly one new token: the delivered one
    assert lost_id not in tokens and lost_id != delivered["id"]
    assert tokens[delivered["id"]]["checksum"] == delivered["token"][-6:]


def test_every_response_lost_leaves_no_undeliverable_token(
    emu: EmulatorHandle, tmp_path: Path
) -> None:
    """The issued token is found and revoked (its DELETE lands even though the answer is
    lost too); apply then fails (exit 4 in the CLI) with nothing delivered or left alive."""
    old = plant(emu, "ci-deployer", age_days=91)
    stage = SecurityPolicy.load(write_policy(tmp_path, Entry("ci-deployer"))).stage("production")
    delivered: list[CreatedToken] = []
    with make_client(emu) as client:
        checksum = client.config.token.checksum
        plan = plan_stage(client, stage, auth_token_checksum=checksum)
        emu.set_faults(lost_response_rate=1.0)
        emu.clear_requests()
        with pytest.raises(DynamicApiError):
            apply_plan(client, plan, auth_token_checksum=checksum,
                       on_secret_issued=lambda name, token: delivered.append(token))
        emu.set_faults(lost_response_rate=0)
    assert delivered == []
    log = write_statuses(emu)
    assert [m for m, _, _ in log][:2] == ["POST", "DELETE"]  # issued, then revoked
    assert {s for _, _, s in log} == {502}
    assert set(live_tokens(emu)) == {old.id, LEGACY_TOKEN}
