"""`dynsec drift` against the emulator: exit codes, per-stage errors, formats (docs/cli.md)."""

from __future__ import annotations

import pytest

from tests.support.cli import Cli, json_out
from tests.support.clients import make_client
from tests.support.ids import LIVE, SANDBOX, SECOND_SANDBOX, UNKNOWN_ENVIRONMENT
from tests.support.output_contract import DRIFT_KEYS, assert_plan_shape

# Matches the demo seed exactly: no drift anywhere.
CLEAN = f"""\
version: 1
defaults:
  jwt_lifetime: 1d
  token_storage: localstorage
stages:
  dev:
    environment_id: {SANDBOX}
    allowed_origins: ["http://localhost:3000"]
  staging:
    environment_id: {SECOND_SANDBOX}
    allowed_origins: ["http://localhost:3000"]
    mfa: {{methods: [totp]}}
"""
PRODUCTION = f"""\
  production:
    environment_id: {LIVE}
    jwt_lifetime: 2h
    allowed_origins: ["https://*.example.com"]
    app: {{high_value: false}}
"""
GHOST = f"  ghost:\n    environment_id: {UNKNOWN_ENVIRONMENT}\n    jwt_lifetime: 1d\n"
WAIVER = """\
waivers:
  - rule: DS102
    stages: [production]
    reason: every tenant has its own subdomain
    expires: "{{today+60}}"
"""
DRIFTED = CLEAN + PRODUCTION + WAIVER


def test_no_drift_exits_0(cli: Cli) -> None:
    cli.write(CLEAN)

    result = cli("drift", "dynamic-security.yaml")

    assert result.code == 0, result.err
    assert "2 stages: no drift." in result.out
    assert cli.writes() == []


def test_drift_exits_2_and_json_has_exactly_the_drift_keys(cli: Cli) -> None:
    cli.write(DRIFTED)

    result = cli("drift", "dynamic-security.yaml", "--format", "json")

    report = json_out(result)
    assert result.code == 2, result.err
    assert set(report) == DRIFT_KEYS
    assert report["version"] == 2
    assert report["drifted"] == ["production"]
    # Production is exposed now by the seed's live http://localhost:3000 (DS103, DS104) and
    # its live environment's test account (DS603); its live wildcard is waived there, for the
    # live findings as for the others.
    assert report["exposed"] == ["production"]
    production = report["stages"][2]
    assert sorted({f["rule"] for f in production["live_findings"]
                   if f["severity"] == "error" and not f["waived"]}) == ["DS103", "DS104",
                                                                         "DS603"]
    assert [f["waived"] for f in production["live_findings"] if f["rule"] == "DS102"] == [True]
    assert report["errors"] == []
    assert [plan["stage"] for plan in report["stages"]] == ["dev", "staging", "production"]
    for plan in report["stages"]:
        assert_plan_shape(plan)


def test_a_stage_that_cannot_be_read_exits_4_and_the_others_are_still_reported(
    cli: Cli,
) -> None:
    cli.write(CLEAN + GHOST)

    result = cli("drift", "dynamic-security.yaml", "--format", "json")

    report = json_out(result)
    assert result.code == 4
    assert [plan["stage"] for plan in report["stages"]] == ["dev", "staging"]
    assert [set(error) for error in report["errors"]] == [{"stage", "message"}]
    assert report["errors"][0]["stage"] == "ghost"
    assert "404" in report["errors"][0]["message"]
    assert "stage 'ghost'" in result.err


def test_an_error_wins_over_drift(cli: Cli) -> None:
    cli.write(CLEAN + PRODUCTION + GHOST + WAIVER)

    result = cli("drift", "dynamic-security.yaml")

    assert result.code == 4
    assert "1 drifted (production)" in result.out
    assert "1 failed" in result.out


def test_a_stage_without_its_token_is_reported_and_the_others_planned(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DYNSEC_STAGING_TOKEN", raising=False)
    cli.write(CLEAN.replace(f"    environment_id: {SECOND_SANDBOX}\n",
                            f"    environment_id: {SECOND_SANDBOX}\n"
                            "    token_env: DYNSEC_STAGING_TOKEN\n"))

    result = cli("drift", "dynamic-security.yaml", "--format", "json")

    report = json_out(result)
    assert result.code == 3
    assert [plan["stage"] for plan in report["stages"]] == ["dev"]
    assert report["errors"][0]["stage"] == "staging"
    assert "DYNSEC_STAGING_TOKEN" in report["errors"][0]["message"]


def test_a_blocked_stage_exits_1_over_drift(cli: Cli) -> None:
    cli.write(DRIFTED.replace('allowed_origins: ["https://*.example.com"]',
                              'allowed_origins: ["http://app.example.com"]'))

    result = cli("drift", "dynamic-security.yaml")

    assert result.code == 1
    assert "1 blocked (production)" in result.out


def test_stage_selection_and_concurrency_one(cli: Cli) -> None:
    cli.write(DRIFTED)

    result = cli("drift", "dynamic-security.yaml", "--stage", "dev", "--stage", "staging",
                 "--concurrency", "1", "--format", "json")

    assert result.code == 0, result.err
    assert [plan["stage"] for plan in json_out(result)["stages"]] == ["dev", "staging"]
    assert all(path.startswith((f"/environments/{SANDBOX}", f"/environments/{SECOND_SANDBOX}"))
               for _, path in cli.log())


def test_an_unknown_stage_exits_3_with_nothing_on_stdout(cli: Cli) -> None:
    cli.write(CLEAN)

    result = cli("drift", "dynamic-security.yaml", "--stage", "prod", "--format", "json")

    assert result.code == 3
    assert result.out == ""
    assert cli.log() == []


def test_a_dashboard_edit_is_caught_and_the_markdown_says_drifted(cli: Cli) -> None:
    cli.write(CLEAN)
    with make_client(cli.emulator) as admin:
        admin.add_origin(SANDBOX, "https://*.vercel.app")

    result = cli("drift", "dynamic-security.yaml", "--format", "markdown")

    assert result.code == 2
    marker, verdict = result.out.splitlines()[:2]
    assert marker == "<!-- dynsec:drift:dynamic-security.yaml -->"
    assert "drifted" in verdict and "dev" in verdict
    assert "`https://*.vercel.app`" in result.out
