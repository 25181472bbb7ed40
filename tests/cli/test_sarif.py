"""`dynsec validate --format sarif`: valid SARIF 2.1.0 that code scanning can place on lines.

`tests/data/sarif-schema-2.1.0.json` is the OASIS SARIF 2.1.0 JSON schema (published data).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from pulumi_dynamic_security.cli.render.sarif import artifact_uri, sarif_log
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.policy.stages import Locator
from pulumi_dynamic_security.rules.base import Finding, Severity
from pulumi_dynamic_security.rules.catalog import RULES
from pulumi_dynamic_security.rules.engine import StageReport
from tests.cli.support import MIXED, findings
from tests.support.cli import dynsec, write_policy
from tests.support.dated import fill_dates

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"
Capture = pytest.CaptureFixture[str]


def _validate(log: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(log)


@pytest.fixture
def mixed_sarif(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The SARIF log and the JSON findings of MIXED, kept in `config/dynamic security.yaml`."""
    monkeypatch.chdir(tmp_path)
    write_policy(tmp_path, MIXED, name="config/dynamic security.yaml")
    sarif = dynsec(capsys, "validate", "config/dynamic security.yaml", "--format", "sarif")
    as_json = dynsec(capsys, "validate", "config/dynamic security.yaml", "--format", "json")
    assert sarif.code == as_json.code == 1
    return sarif.json(), findings(as_json)


def test_the_log_validates_against_the_sarif_schema(
    mixed_sarif: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    log, _ = mixed_sarif
    _validate(log)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_the_driver_describes_every_rule(
    mixed_sarif: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    driver = mixed_sarif[0]["runs"][0]["tool"]["driver"]
    assert driver["name"] == "dynsec"
    assert driver["version"]
    assert [rule["id"] for rule in driver["rules"]] == [rule.id for rule in RULES]
    assert len(driver["rules"]) == 29
    for descriptor, rule in zip(driver["rules"], RULES, strict=True):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"].startswith(rule.summary)
        assert descriptor["helpUri"] == rule.doc_url
        assert rule.remediation in descriptor["help"]["text"]
        default = rule.production or rule.other
        assert default is not None
        assert descriptor["defaultConfiguration"]["level"] == default.value


def test_results_carry_rule_level_and_line(
    mixed_sarif: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    log, json_findings = mixed_sarif
    run = log["runs"][0]
    results = run["results"]
    assert len(results) == len(json_findings)
    assert {result["level"] for result in results} == {"error", "warning", "note"}
    for result, finding in zip(results, json_findings, strict=True):
        assert result["ruleId"] == finding["rule"]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == finding["rule"]
        assert result["level"] == finding["severity"]
        assert finding["message"] in result["message"]["text"]
        assert finding["stage"] in result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "config/dynamic%20security.yaml"
        assert physical["region"]["startLine"] == finding["line"]
    lines = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
             for r in results}
    assert {("DS104", 23), ("DS102", 18), ("DS201", 24), ("DS301", 25)} <= lines


def test_waived_findings_carry_an_external_suppression(
    mixed_sarif: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    results = mixed_sarif[0]["runs"][0]["results"]
    waived = [result for result in results if "suppressions" in result]
    assert [result["ruleId"] for result in waived] == ["DS301"]
    assert waived[0]["suppressions"] == [{
        "kind": "external",
        "justification": "A backend on another site reads the JWT from a header",
    }]


def test_fingerprints_are_stable_when_lines_move(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.chdir(tmp_path)
    write_policy(tmp_path, MIXED)
    before = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "sarif").json()
    write_policy(tmp_path, "# a comment that moves every line\n" + MIXED)
    after = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "sarif").json()

    def prints(log: dict[str, Any]) -> list[str]:
        return [r["partialFingerprints"]["dynsecFinding/v1"] for r in log["runs"][0]["results"]]

    assert prints(before) == prints(after)
    assert len(set(prints(before))) == len(prints(before))


# --- the renderer on its own -----------------------------------------------------------------


def _finding(**changes: Any) -> Finding:
    values: dict[str, Any] = {
        "rule": "DS504", "name": "token-unmanaged", "severity": Severity.WARNING,
        "stage": "production", "path": "api_tokens", "message": "token abc is not managed",
        "remediation": "Manage or revoke it.", "doc_url": "https://example.com/doc",
    }
    values.update(changes)
    return Finding(**values)


def _report(*found: Finding, with_file: bool = True) -> StageReport:
    """A production stage report holding `found`; `with_file=False`: a policy read from no
    file (as the Pulumi program builds it)."""
    policy = SecurityPolicy.from_text(fill_dates(MIXED), "policy.yaml")
    stage = policy.stages["production"]
    if not with_file:
        stage = replace(stage, locator=Locator(None, "production"))
    return StageReport(stage=stage, findings=list(found))


def test_a_finding_on_a_live_value_points_at_the_policy_file_without_a_region() -> None:
    log = sarif_log([_report(_finding())], RULES, base=Path.cwd())
    _validate(log)
    (result,) = log["runs"][0]["results"]
    physical = {"artifactLocation": {"uri": "policy.yaml"}}
    assert result["locations"] == [{"physicalLocation": physical}]


def test_a_finding_without_any_file_has_no_location() -> None:
    log = sarif_log([_report(_finding(), with_file=False)], RULES)
    _validate(log)
    assert "locations" not in log["runs"][0]["results"][0]


def test_a_rule_missing_from_the_catalogue_is_still_described() -> None:
    log = sarif_log([_report(_finding(rule="DS999", name="future-rule"))], [])
    _validate(log)
    run = log["runs"][0]
    assert run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]["id"] == "DS999"


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("dynamic-security.yaml", "dynamic-security.yaml"),
        ("config/dynamic-security.yaml", "config/dynamic-security.yaml"),
        ("config/my policy.yaml", "config/my%20policy.yaml"),
        ("../elsewhere/policy.yaml", "../elsewhere/policy.yaml"),
    ],
)
def test_artifact_uris_are_relative_with_forward_slashes(
    file: str, expected: str, tmp_path: Path
) -> None:
    base = tmp_path / "repo"
    base.mkdir()
    assert artifact_uri(str(base / file), base) == expected
