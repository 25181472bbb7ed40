"""`dynsec plan` against the emulator: exit codes, formats, --out, and errors (docs/cli.md)."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import Cli, json_out
from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT
from tests.support.output_contract import assert_plan_shape

# Production on the live environment: every managed area differs from the demo seed, and no
# unwaived error (the seed's token and the stage's facts give warnings only).
POLICY = f"""\
version: 1
defaults:
  jwt_lifetime: 2h
  token_storage: localstorage
  mfa:
    methods: [totp]
    require_for_actions: [wallet.waas.export, wallet.waas.sign]
stages:
  production:
    environment_id: {LIVE}
    allowed_origins: [https://app.example.com]
  dev:
    environment_id: {SANDBOX}
    allowed_origins: ["http://localhost:3000"]
    jwt_lifetime: 1d
    mfa: {{methods: [totp], require_for_actions: []}}
"""
BLOCKED = POLICY.replace("[https://app.example.com]", "[http://app.example.com]")


def test_pending_changes_exit_0_without_and_2_with_detailed_exitcode(cli: Cli) -> None:
    cli.write(POLICY)

    plain = cli("plan", "dynamic-security.yaml", "--stage", "production")
    detailed = cli("plan", "dynamic-security.yaml", "--stage", "production",
                   "--detailed-exitcode")

    assert plain.code == 0, plain.err
    assert detailed.code == 2, detailed.err
    assert "30d, policy says 2h" in plain.out
    assert cli.writes() == []


def test_nothing_pending_exits_0_with_detailed_exitcode(cli: Cli) -> None:
    cli.write(POLICY)

    result = cli("plan", "dynamic-security.yaml", "--stage", "dev", "--detailed-exitcode")

    assert result.code == 0, result.err
    assert "no changes" in result.out


def test_an_unwaived_error_exits_1_even_with_changes_pending(cli: Cli) -> None:
    cli.write(BLOCKED)

    result = cli("plan", "dynamic-security.yaml", "--stage", "production",
                 "--detailed-exitcode", "--format", "json")

    assert result.code == 1
    plan = json_out(result)
    assert plan["blocked"] is True
    assert any(f["rule"] == "DS104" and f["severity"] == "error" for f in plan["findings"])


def test_json_has_exactly_the_plan_keys(cli: Cli) -> None:
    cli.write(POLICY)

    result = cli("plan", "dynamic-security.yaml", "--stage", "production", "--format", "json")

    plan = json_out(result)
    assert_plan_shape(plan)
    assert (plan["stage"], plan["environment_id"], plan["production"]) == (
        "production", LIVE, True)
    assert {"area": "jwt_lifetime", "action": "update", "path": "jwt_lifetime",
            "before": "30d", "after": "2h", "effect": "tightens", "live_effect": "weaker",
            "origin": None} in plan["changes"]
    assert {"area": "allowed_origins", "action": "remove", "path": "allowed_origins",
            "before": "https://*.example.com", "after": None,
            "effect": "tightens", "live_effect": "weaker", "origin": None} in plan["changes"]
    live_findings = [f for f in plan["findings"] if f["rule"] == "DS504"]
    assert live_findings and live_findings[0]["file"] is None and live_findings[0]["line"] is None


def test_plan_reads_five_gets_on_a_live_environment_and_writes_nothing(cli: Cli) -> None:
    cli.write(POLICY)

    cli("plan", "dynamic-security.yaml", "--stage", "production")

    assert cli.log() == [("GET", f"/environments/{LIVE}"), ("GET", f"/environments/{LIVE}/origins"),
                         ("GET", f"/environments/{LIVE}/tokens"),
                         ("GET", f"/environments/{LIVE}/webhooks"),
                         ("GET", f"/environments/{LIVE}/test/account")]


def test_markdown_starts_with_a_one_line_verdict(cli: Cli) -> None:
    cli.write(POLICY)

    result = cli("plan", "dynamic-security.yaml", "--stage", "production", "--format",
                 "markdown")

    marker, first, second = result.out.splitlines()[:3]
    assert marker == "<!-- dynsec:plan:dynamic-security.yaml -->"
    # Exposure first (the seed's live origins and test account), then the changes in the
    # direction they happened: 6 that apply tightens (live is weaker), 1 that it weakens
    # (live is stronger).
    assert first == ("**dynsec plan** · `production`: 🔴 **exposed now**: 4 errors live "
                     "(DS102, DS103, DS104, DS603) · **7 changes pending** "
                     "(🔴 live is weaker in 6 and stronger in 1)")
    assert second == ""
    assert "- 🔴 **live is weaker**: `jwt_lifetime` `30d`, policy says `2h`" in result.out
    assert ("- 🟢 live is stronger: `allowed_origins` lacks `https://app.example.com`, policy "
            "has it") in result.out


def test_text_has_no_colour_when_not_on_a_terminal(cli: Cli) -> None:
    cli.write(POLICY)

    result = cli("plan", "dynamic-security.yaml", "--stage", "production")

    assert "\x1b[" not in result.out


def test_out_saves_the_plan_with_its_basis_and_no_secret(cli: Cli) -> None:
    cli.write(POLICY)

    result = cli("plan", "dynamic-security.yaml", "--stage", "production", "--format", "json",
                 "--out", "plan.json")

    saved = json.loads((cli.directory / "plan.json").read_text(encoding="utf-8"))
    assert {k: saved[k] for k in json_out(result)} == json_out(result)
    assert saved["format"] == "dynsec-plan"
    assert set(saved["basis"]) == {"updated_at", "settings_sha256", "origins_sha256",
                                   "tokens_sha256", "webhooks_sha256"}
    assert len(saved["policy_sha256"]) == 64
    assert cli.emulator.token not in json.dumps(saved)


# --- failures: exit 3 or 4, stdout empty with --format json ----------------------------------


def test_a_missing_token_exits_3_naming_the_variable(cli: Cli,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DYNAMIC_API_TOKEN")
    cli.write(POLICY)

    result = cli("plan", "dynamic-security.yaml", "--stage", "production", "--format", "json")

    assert result.code == 3
    assert result.out == ""
    assert "DYNAMIC_API_TOKEN" in result.err
    assert cli.log() == []


def test_a_stage_token_env_is_the_variable_named(cli: Cli) -> None:
    cli.write(POLICY.replace(f"    environment_id: {LIVE}\n",
                             f"    environment_id: {LIVE}\n    token_env: DYNSEC_PROD_TOKEN\n"))

    result = cli("plan", "dynamic-security.yaml", "--stage", "production", "--format", "json")

    assert result.code == 3
    assert result.out == ""
    assert "DYNSEC_PROD_TOKEN" in result.err


def test_an_unreachable_api_exits_4(cli: Cli) -> None:
    cli.write(POLICY)

    result = cli("plan", "dynamic-security.yaml", "--stage", "production", "--format", "json",
                 "--api-url", "http://127.0.0.1:9/api/v0")

    assert result.code == 4
    assert result.out == ""
    assert "could not connect" in result.err


def test_an_unknown_environment_exits_4(cli: Cli) -> None:
    cli.write(POLICY.replace(LIVE, UNKNOWN_ENVIRONMENT))

    result = cli("plan", "dynamic-security.yaml", "--stage", "production", "--format", "json")

    assert result.code == 4
    assert result.out == ""
    assert "404" in result.err and UNKNOWN_ENVIRONMENT in result.err


def test_a_token_without_the_read_scope_exits_4_naming_the_scope(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = cli.emulator.plant_token(LIVE, "tokens only", ["environment.apiTokens.read"])
    monkeypatch.setenv("DYNAMIC_API_TOKEN", planted["token"]["rawToken"])
    cli.write(POLICY)

    result = cli("plan", "dynamic-security.yaml", "--stage", "production", "--format", "json")

    assert result.code == 4
    assert result.out == ""
    assert "403" in result.err and "environment.settings.read" in result.err
    assert planted["token"]["rawToken"] not in result.err


def test_an_invalid_policy_exits_3_before_any_request(cli: Cli) -> None:
    cli.write(POLICY.replace("jwt_lifetime: 2h", "jwt_lifetme: 2h"))

    result = cli("plan", "dynamic-security.yaml", "--stage", "production", "--format", "json")

    assert result.code == 3
    assert result.out == ""
    assert "jwt_lifetime" in result.err  # did you mean
    assert cli.log() == []


def test_an_unknown_stage_exits_3(cli: Cli) -> None:
    cli.write(POLICY)

    result = cli("plan", "dynamic-security.yaml", "--stage", "prod", "--format", "json")

    assert result.code == 3
    assert result.out == ""
    assert "production" in result.err


def test_markdown_folds_waived_findings_and_is_compact_without_changes(cli: Cli) -> None:
    cli.write(POLICY.replace('allowed_origins: ["http://localhost:3000"]',
                             'allowed_origins: ["http://localhost:3000"]\n'
                             '    app: {sms_sign_in: true}')
              + "waivers:\n  - rule: DS402\n    stages: [dev]\n"
                "    reason: SMS sign-in is for internal testers only\n"
                '    expires: "{{today+30}}"\n')

    result = cli("plan", "dynamic-security.yaml", "--stage", "dev", "--format", "markdown")

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "<!-- dynsec:plan:dynamic-security.yaml -->"
    assert lines[1] == "**dynsec plan** · `dev`: ✅ **matches the policy**"
    assert "| Effect |" not in result.out
    assert "<details><summary>1 waived finding</summary>" in lines
    assert "*waived: SMS sign-in is for internal testers only*" in result.out
