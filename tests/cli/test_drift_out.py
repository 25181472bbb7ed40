"""`dynsec drift --out FILE`: the JSON report written beside whatever --format prints (a CI
job's artifact; the GitHub Action's outputs come from it), never over the policy file."""

from __future__ import annotations

import json

from tests.cli.test_drift_cli import DRIFTED
from tests.support.cli import Cli, json_out


def test_out_holds_the_json_report_while_stdout_is_markdown(cli: Cli) -> None:
    cli.write(DRIFTED)
    as_json = json_out(cli("drift", "dynamic-security.yaml", "--format", "json"))

    result = cli("drift", "dynamic-security.yaml", "--format", "markdown", "--out",
                 "drift.json")

    assert result.code == 2, result.err
    assert result.out.startswith("<!-- dynsec:drift:dynamic-security.yaml -->\n")
    saved = json.loads((cli.directory / "drift.json").read_text(encoding="utf-8"))
    assert set(saved) == set(as_json)
    assert (saved["drifted"], saved["exposed"]) == (["production"], ["production"])
    assert [p["changes"] for p in saved["stages"]] == [p["changes"] for p in as_json["stages"]]


def test_out_never_replaces_the_policy_and_sends_nothing(cli: Cli) -> None:
    policy = cli.write(DRIFTED)
    cli.clear()

    result = cli("drift", "dynamic-security.yaml", "-o", "dynamic-security.yaml")

    assert result.code == 3
    assert "is the policy file itself" in result.err
    assert policy.read_text(encoding="utf-8").startswith(DRIFTED[:20])
    assert cli.log() == []
