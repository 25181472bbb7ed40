"""`--base-policy`: the changes a pull request makes, told apart from drift outside the policy.

The base is the policy before the pull request, the head the one it proposes. A change is
`policy` when base and head differ there (and for every change of a stage new in the head),
`drift` when they agree there, i.e. the live value moved on its own; `null` without the
option. The base is read with the same loader, so a broken base file is exit 3 naming it.
"""

from __future__ import annotations

import pytest

from tests.support.cli import Cli, json_out
from tests.support.clients import edit_settings
from tests.support.ids import LIVE, SANDBOX
from tests.support.policies import policy_text

BASE = policy_text(LIVE, """\
    jwt_lifetime: 2h
    token_storage: localstorage
    allowed_origins: [https://app.example.com]
""")
# The pull request allows one more origin in production.
HEAD = BASE.replace("[https://app.example.com]", "[https://app.example.com, https://new.example.com]")
NEW_STAGE = f"""\
  dev:
    environment_id: {SANDBOX}
    jwt_lifetime: 1h
"""


def converged_then_jwt_edited(cli: Cli) -> None:
    """Production applied to the base policy, then someone sets a 30-day JWT in the
    dashboard."""
    cli.write(BASE, "base.yaml")
    assert cli("apply", "base.yaml", "--stage", "production", "--yes").code == 0
    edit_settings(cli.emulator, LIVE, jwtDuration={"amount": 30, "unit": "days"})


def _origins(plan: dict[str, object]) -> list[tuple[str, str, object]]:
    changes = plan["changes"]
    assert isinstance(changes, list)
    return [(c["path"], c["action"], c["origin"]) for c in changes]


def test_a_pull_request_changing_origins_and_a_dashboard_jwt_edit_are_told_apart(
        cli: Cli) -> None:
    converged_then_jwt_edited(cli)
    cli.write(HEAD)

    report = json_out(cli("drift", "dynamic-security.yaml", "--base-policy", "base.yaml",
                          "--format", "json"))

    [plan] = report["stages"]
    assert _origins(plan) == [("jwt_lifetime", "update", "drift"),
                              ("allowed_origins", "add", "policy")]
    [made] = [c for c in plan["changes"] if c["origin"] == "policy"]
    assert (made["after"], made["effect"], made["live_effect"]) == (
        "https://new.example.com", "weakens", "stronger")


def test_the_markdown_and_text_show_the_two_apart(cli: Cli) -> None:
    converged_then_jwt_edited(cli)
    cli.write(HEAD)

    comment = cli("drift", "dynamic-security.yaml", "--base-policy", "base.yaml", "--format",
                  "markdown").out
    text = cli("drift", "dynamic-security.yaml", "--base-policy", "base.yaml").out

    pull_request = comment.index("**This pull request changes** (1 change: 1 weakens)")
    drifted = comment.index("**Drifted outside the policy** (1 change: live is weaker in 1)")
    assert pull_request < drifted
    assert "| 🔴 **weakens** | `allowed_origins` | add `https://new.example.com` |" in comment
    assert "- 🔴 **live is weaker**: `jwt_lifetime` `30d`, policy says `2h`" in comment
    verdict = comment.splitlines()[1]
    assert ("**1 of 1 stage drifted outside the policy**: `production` (1 change: 🔴 live is "
            "weaker in 1)") in verdict
    assert ("**this pull request changes 1 stage**: `production` (1 change: 🔴 1 weakens)"
            in verdict)
    assert "  this pull request changes: 1 change: 1 weakens" in text
    assert "  drifted outside the policy: 1 change: live is weaker in 1" in text
    assert "+ allowed_origins  weakens  https://new.example.com" in text


def test_identical_base_and_head_give_only_drift(cli: Cli) -> None:
    converged_then_jwt_edited(cli)
    cli.write(BASE)
    edit_settings(cli.emulator, LIVE, auth={"storage": ["cookie"]})

    report = json_out(cli("drift", "dynamic-security.yaml", "--base-policy", "base.yaml",
                          "--format", "json"))
    comment = cli("drift", "dynamic-security.yaml", "--base-policy", "base.yaml", "--format",
                  "markdown").out

    [plan] = report["stages"]
    assert _origins(plan) == [("jwt_lifetime", "update", "drift"),
                              ("token_storage", "update", "drift")]
    assert "This pull request changes" not in comment
    assert "**Drifted outside the policy** (2 changes: live is weaker in 1 and stronger in 1)" \
        in comment


def test_without_the_option_origin_is_null(cli: Cli) -> None:
    converged_then_jwt_edited(cli)
    cli.write(HEAD)

    report = json_out(cli("drift", "dynamic-security.yaml", "--format", "json"))

    assert [c["origin"] for c in report["stages"][0]["changes"]] == [None, None]


def test_a_stage_new_in_the_head_counts_as_policy_and_costs_no_extra_request(
        cli: Cli) -> None:
    converged_then_jwt_edited(cli)
    cli.write(BASE + NEW_STAGE)
    cli.clear()
    cli("drift", "dynamic-security.yaml", "--format", "json")
    without = sorted(cli.log())
    cli.clear()

    report = json_out(cli("drift", "dynamic-security.yaml", "--base-policy", "base.yaml",
                          "--format", "json"))

    assert sorted(cli.log()) == without  # the base is compared offline, on the same reads
    dev = next(plan for plan in report["stages"] if plan["stage"] == "dev")
    assert dev["changes"] and {c["origin"] for c in dev["changes"]} == {"policy"}
    production = next(plan for plan in report["stages"] if plan["stage"] == "production")
    assert {c["origin"] for c in production["changes"]} == {"drift"}


def test_a_stage_moved_to_another_environment_counts_as_policy(cli: Cli) -> None:
    cli.write(BASE.replace(LIVE, SANDBOX), "base.yaml")
    cli.write(BASE)

    report = json_out(cli("drift", "dynamic-security.yaml", "--base-policy", "base.yaml",
                          "--format", "json"))

    changes = report["stages"][0]["changes"]
    assert changes and {c["origin"] for c in changes} == {"policy"}


def test_plan_takes_the_base_policy_too(cli: Cli) -> None:
    converged_then_jwt_edited(cli)
    cli.write(HEAD)

    plan = json_out(cli("plan", "dynamic-security.yaml", "--stage", "production",
                        "--base-policy", "base.yaml", "--format", "json"))
    comment = cli("plan", "dynamic-security.yaml", "--stage", "production", "--base-policy",
                  "base.yaml", "--format", "markdown").out

    assert _origins(plan) == [("jwt_lifetime", "update", "drift"),
                              ("allowed_origins", "add", "policy")]
    # The seed's test account is exposed whatever the policy (no apply removes it).
    assert comment.splitlines()[1] == (
        "**dynsec plan** · `production`: 🔴 **exposed now**: 1 error live (DS603) · "
        "**2 changes pending** (this pull request makes 1: "
        "🔴 1 weakens; 1 drifted outside the policy: 🔴 live is weaker in 1)")


@pytest.mark.parametrize(("base", "expected"), [
    ("version: 1\nstages:\n  production:\n    environment_id: nope\n",
     "base.yaml:4: stages.production.environment_id"),
    (None, "base.yaml: policy file not found"),
])
def test_a_broken_or_missing_base_is_exit_3_naming_it(cli: Cli, base: str | None,
                                                      expected: str) -> None:
    cli.write(HEAD)
    if base is not None:
        cli.write(base, "base.yaml")

    for command in (["drift", "dynamic-security.yaml"],
                    ["plan", "dynamic-security.yaml", "--stage", "production"]):
        result = cli(*command, "--base-policy", "base.yaml", "--format", "json")

        assert result.code == 3
        assert result.out == ""
        assert expected in result.err
        assert "--base-policy" in result.err
        assert "Traceback" not in result.err
    assert cli.log() == []  # refused before any request
