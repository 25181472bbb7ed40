"""`dynsec export` against the emulator: the exported file plans with no changes
(docs/mapping.md#export)."""

from __future__ import annotations

import pytest

from pulumi_dynamic_security.policy.loader import SecurityPolicy
from tests.support.cli import Cli
from tests.support.clients import edit_settings, make_client
from tests.support.ids import LIVE, SANDBOX, UNKNOWN_ENVIRONMENT


@pytest.mark.parametrize("environment_id", [LIVE, SANDBOX])
def test_export_then_plan_shows_no_changes(cli: Cli, environment_id: str) -> None:
    exported = cli("export", "--environment-id", environment_id)
    cli.write(exported.out)

    stage = next(iter(SecurityPolicy.load(cli.directory / "dynamic-security.yaml").stages))
    planned = cli("plan", "dynamic-security.yaml", "--stage", stage, "--detailed-exitcode",
                  "--format", "json")

    assert exported.code == 0, exported.err
    assert planned.code in (0, 1), planned.err  # 1 only if the live settings break a rule
    assert planned.out and '"changes": []' in planned.out


def test_export_reads_settings_origins_and_webhooks_only(cli: Cli) -> None:
    cli("export", "--environment-id", LIVE)

    assert cli.log() == [("GET", f"/environments/{LIVE}"), ("GET", f"/environments/{LIVE}/origins"),
                         ("GET", f"/environments/{LIVE}/webhooks")]


def test_export_names_the_stage_and_comments_what_it_cannot_express(cli: Cli) -> None:
    edit_settings(cli.emulator, LIVE, auth={"storage": ["cookie", "localstorage"]})
    with make_client(cli.emulator) as admin:
        admin.add_origin(LIVE, "https://APP.example.com:443")

    result = cli("export", "--environment-id", LIVE, "--stage", "prod-eu")

    assert result.code == 0, result.err
    assert "\n  prod-eu:\n" in result.out
    assert "production: true" in result.out
    assert "holds both cookie and localstorage" in result.out
    assert "- https://app.example.com\n" in result.out
    assert "api_tokens are not exported" in result.out


def test_export_of_an_unknown_environment_exits_4_with_nothing_on_stdout(cli: Cli) -> None:
    result = cli("export", "--environment-id", UNKNOWN_ENVIRONMENT)

    assert result.code == 4
    assert result.out == ""
    assert "404" in result.err


def test_export_needs_a_lower_case_uuid(cli: Cli) -> None:
    result = cli("export", "--environment-id", LIVE.upper())

    assert result.code == 3
    assert result.out == ""
    assert cli.log() == []


def test_export_refuses_a_stage_name_the_policy_would_refuse(cli: Cli) -> None:
    result = cli("export", "--environment-id", LIVE, "--stage", "my stage")

    assert result.code == 3
    assert result.out == ""
    assert "not a valid stage name" in result.err
    assert cli.log() == []


def test_export_without_a_token_exits_3_naming_the_variable(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DYNAMIC_API_TOKEN")

    result = cli("export", "--environment-id", LIVE)

    assert result.code == 3
    assert result.out == ""
    assert "DYNAMIC_API_TOKEN" in result.err
