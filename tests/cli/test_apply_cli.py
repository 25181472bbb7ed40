"""`dynsec apply` against the emulator: confirmation, exit codes, saved plans (docs/cli.md,
docs/apply.md)."""

from __future__ import annotations

import io
import json
import sys

import pytest

from tests.support.cli import Cli, json_out
from tests.support.clients import edit_settings, live_origins, settings_of
from tests.support.ids import LIVE, SANDBOX

POLICY = f"""\
version: 1
stages:
  production:
    environment_id: {LIVE}
    jwt_lifetime: 2h
    allowed_origins: [https://app.example.com]
"""
WITH_TOKENS = POLICY + """\
    api_tokens:
      - name: ci-deployer
        scopes: [environment.settings.read]
        rotate_every: 90d
        overlap: 7d
"""


class Terminal(io.StringIO):
    """Standard input that is a terminal, with the user's answer already typed."""

    def isatty(self) -> bool:
        return True


def test_apply_writes_reads_back_and_a_second_apply_writes_nothing(cli: Cli) -> None:
    cli.write(POLICY)

    first = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes")
    cli.clear()
    second = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes")

    assert first.code == 0, first.err
    assert "read back and verified" in first.out
    assert second.code == 0, second.err
    assert "Nothing to apply" in second.out
    assert cli.writes() == []
    assert live_origins(cli.emulator, LIVE) == ["https://app.example.com"]


def test_without_yes_and_without_a_terminal_apply_exits_3_before_any_request(cli: Cli) -> None:
    cli.write(POLICY)

    result = cli("apply", "dynamic-security.yaml", "--stage", "production")

    assert result.code == 3
    assert "--yes" in result.err
    assert cli.log() == []


def test_answering_no_at_the_prompt_writes_nothing(cli: Cli,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cli.write(POLICY)
    monkeypatch.setattr(sys, "stdin", Terminal("n\n"))

    result = cli("apply", "dynamic-security.yaml", "--stage", "production")

    assert result.code == 3
    assert "Apply 4 change(s)" in result.err
    assert cli.writes() == []


def test_answering_yes_at_the_prompt_applies(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    cli.write(POLICY)
    monkeypatch.setattr(sys, "stdin", Terminal("y\n"))

    result = cli("apply", "dynamic-security.yaml", "--stage", "production")

    assert result.code == 0, result.err
    assert settings_of(cli.emulator, LIVE)["security"]["jwtDuration"] == {"amount": 2,
                                                                         "unit": "hours"}


def test_an_unwaived_error_exits_1_and_writes_nothing(cli: Cli) -> None:
    cli.write(POLICY.replace("https://app.example.com", "http://app.example.com"))

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes")

    assert result.code == 1
    assert "DS104" in result.out
    assert "nothing was written" in result.err
    assert cli.writes() == []


def test_a_due_rotation_without_secrets_out_exits_3_naming_the_flag(cli: Cli) -> None:
    cli.write(WITH_TOKENS)

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes")

    assert result.code == 3
    assert "--secrets-out" in result.err
    assert cli.writes() == []


def test_a_failed_write_exits_4_and_a_rerun_converges(cli: Cli) -> None:
    cli.write(POLICY)
    cli.emulator.set_faults(fail_writes_after=1)

    failed = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes")
    cli.emulator.set_faults(fail_writes_after=None)
    rerun = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes")
    after = cli("plan", "dynamic-security.yaml", "--stage", "production", "--detailed-exitcode")

    assert failed.code == 4
    assert f"503 to PUT /environments/{LIVE}" in failed.err
    assert "re-run converges" in failed.err
    assert rerun.code == 0, rerun.err
    assert after.code == 0, after.out


# --- apply --plan FILE -----------------------------------------------------------------------


def test_apply_plan_carries_out_exactly_the_saved_plan(cli: Cli) -> None:
    cli.write(POLICY)
    saved = cli("plan", "dynamic-security.yaml", "--stage", "production", "--format", "json",
                "--out", "plan.json")
    cli.clear()

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes",
                 "--plan", "plan.json")

    assert result.code == 0, result.err
    assert len(json_out(saved)["changes"]) == 4
    assert [m for m, _ in cli.writes()] == ["POST", "PUT", "DELETE", "DELETE"]
    assert live_origins(cli.emulator, LIVE) == ["https://app.example.com"]
    assert settings_of(cli.emulator, LIVE)["security"]["jwtDuration"] == {"amount": 2,
                                                                         "unit": "hours"}


def test_a_saved_plan_holds_the_exposure_and_one_without_the_newer_keys_still_applies(
        cli: Cli) -> None:
    """Version 2 of the plan object added `version`, `live_findings`, `exposed` and each
    change's `live_effect` and `origin`; apply reads none of them, so a file written before
    them (the same `format_version`) applies as it did."""
    cli.write(POLICY)
    cli("plan", "dynamic-security.yaml", "--stage", "production", "--base-policy",
        "dynamic-security.yaml", "--out", "plan.json")
    saved = json.loads((cli.directory / "plan.json").read_text(encoding="utf-8"))
    assert saved["exposed"] is True and saved["version"] == 2
    assert {f["rule"] for f in saved["live_findings"] if f["severity"] == "error"} == {
        "DS102", "DS103", "DS104",  # the seed's live origins, which the plan removes
        "DS603"}  # and its live environment's test account, which no plan can remove
    assert {c["origin"] for c in saved["changes"]} == {"drift"}
    for key in ("version", "live_findings", "exposed"):
        del saved[key]
    for change in saved["changes"]:
        del change["live_effect"], change["origin"]
    (cli.directory / "plan.json").write_text(json.dumps(saved), encoding="utf-8")

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes",
                 "--plan", "plan.json")

    assert result.code == 0, result.err
    assert live_origins(cli.emulator, LIVE) == ["https://app.example.com"]


def test_apply_plan_refuses_a_plan_made_from_an_older_policy(cli: Cli) -> None:
    """The policy moved on after the pull request showed the plan: what was reviewed is no
    longer what the policy says, so nothing is written and the user is told to plan again."""
    cli.write(POLICY)
    cli("plan", "dynamic-security.yaml", "--stage", "production", "--out", "plan.json")
    cli.write(POLICY.replace("jwt_lifetime: 2h", "jwt_lifetime: 4h").replace(
        "https://app.example.com", "https://other.example.com"))
    cli.clear()

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes",
                 "--plan", "plan.json")

    assert result.code == 5, result.err
    assert "policy of stage 'production' changed since the plan" in result.err
    assert "plan again" in result.err.lower()
    assert cli.log() == []  # decided offline: not even a read


@pytest.mark.parametrize("edit", ["settings", "origin"])
def test_apply_plan_refuses_when_the_environment_changed_since_the_file(
    cli: Cli, edit: str
) -> None:
    cli.write(POLICY)
    cli("plan", "dynamic-security.yaml", "--stage", "production", "--out", "plan.json")
    if edit == "settings":
        edit_settings(cli.emulator, LIVE, jwtDuration={"amount": 5, "unit": "days"})
    else:
        from tests.support.clients import make_client

        with make_client(cli.emulator) as admin:
            admin.add_origin(LIVE, "https://dashboard.example.com")
    cli.clear()

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes",
                 "--plan", "plan.json")

    assert result.code == 5
    assert "plan again" in result.err.lower()
    assert cli.writes() == []


def test_apply_plan_refuses_a_plan_made_for_another_stage(cli: Cli) -> None:
    cli.write(POLICY + f"  dev:\n    environment_id: {SANDBOX}\n    jwt_lifetime: 1d\n")
    cli("plan", "dynamic-security.yaml", "--stage", "dev", "--out", "plan.json")
    cli.clear()

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes",
                 "--plan", "plan.json")

    assert result.code == 3
    assert "'dev'" in result.err
    assert cli.writes() == []


DAMAGE = {
    "unknown-action": {"action": "explode"},
    "jwt-not-a-duration": {"area": "jwt_lifetime", "path": "jwt_lifetime", "action": "update",
                           "after": "banana"},
    "jwt-out-of-range": {"area": "jwt_lifetime", "path": "jwt_lifetime", "action": "update",
                         "after": "90d"},
    "origin-not-normalized": {"area": "allowed_origins", "path": "allowed_origins",
                              "action": "add", "after": "HTTPS://App.example.com:443"},
    "unknown-mfa-method": {"area": "mfa", "path": "mfa.methods", "action": "add",
                           "after": "sms"},
    "no-such-token-entry": {"area": "api_tokens", "path": "api_tokens[3]", "action": "rotate"},
}


@pytest.mark.parametrize("damage", list(DAMAGE.values()), ids=list(DAMAGE))
def test_apply_plan_refuses_a_damaged_file_before_any_request(
    cli: Cli, damage: dict[str, str]
) -> None:
    cli.write(POLICY)
    cli("plan", "dynamic-security.yaml", "--stage", "production", "--out", "plan.json")
    saved = json.loads((cli.directory / "plan.json").read_text(encoding="utf-8"))
    saved["changes"][-1].update(damage)
    (cli.directory / "plan.json").write_text(json.dumps(saved), encoding="utf-8")
    cli.clear()

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes",
                 "--plan", "plan.json")

    assert result.code == 3, result.err
    assert "damaged" in result.err
    assert cli.log() == []
