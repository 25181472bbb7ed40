"""`dynsec validate --format sarif`: valid SARIF 2.1.0 that code scanning gets right: one run
per kind of stage with that kind's severities, URIs relative to the repository root, and
fingerprints that tell policy files apart. (Invalid input: test_sarif_failures.py.)

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
FINGERPRINT = "dynsecFinding/v2"
# code scanning: 9.0+ critical, 7.0-8.9 high, 4.0-6.9 medium, below 4.0 low
HIGH, MEDIUM, LOW = (7.0, 9.0), (4.0, 7.0), (0.1, 4.0)


def validate_sarif(log: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(log)


def run_of(log: dict[str, Any], kind: str) -> dict[str, Any]:
    (run,) = [r for r in log["runs"] if r["automationDetails"]["id"] == f"dynsec/{kind}/"]
    assert isinstance(run, dict)
    return run


def results(log: dict[str, Any]) -> list[dict[str, Any]]:
    return [result for run in log["runs"] for result in run["results"]]


def descriptor(run: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["id"] == result["ruleId"]
    return rule


def in_band(score: str, band: tuple[float, float]) -> bool:
    return band[0] <= float(score) < band[1]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository (its top level marked by `.git`) as the working directory."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def mixed_sarif(repo: Path, capsys: Capture) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The SARIF log and the JSON findings of MIXED, kept in `config/dynamic security.yaml`."""
    write_policy(repo, MIXED, name="config/dynamic security.yaml")
    sarif = dynsec(capsys, "validate", "config/dynamic security.yaml", "--format", "sarif")
    as_json = dynsec(capsys, "validate", "config/dynamic security.yaml", "--format", "json")
    assert sarif.code == as_json.code == 1
    return sarif.json(), findings(as_json)


def test_the_log_validates_and_has_one_run_per_kind_of_stage(
    mixed_sarif: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    log, _ = mixed_sarif
    validate_sarif(log)
    assert log["version"] == "2.1.0"
    assert [run["automationDetails"]["id"] for run in log["runs"]] == [
        "dynsec/production/", "dynsec/other/",
    ]
    for run in log["runs"]:
        assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]


def test_both_runs_are_written_even_when_one_kind_has_no_stage(
    repo: Path, capsys: Capture
) -> None:
    """An empty run tells code scanning that its category's alerts are fixed; a missing one
    would leave them open forever."""
    write_policy(repo, MIXED)
    log = dynsec(capsys, "validate", "dynamic-security.yaml", "--stage", "dev",
                 "--format", "sarif").json()
    validate_sarif(log)
    assert run_of(log, "production")["results"] == []
    assert [r["ruleId"] for r in run_of(log, "other")["results"]] == ["DS102"]


@pytest.mark.parametrize("kind", ["production", "other"])
def test_each_run_describes_the_rules_of_its_kind_at_its_severity(
    kind: str, mixed_sarif: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    driver = run_of(mixed_sarif[0], kind)["tool"]["driver"]
    assert driver["name"] == "dynsec"
    assert driver["version"]
    reported = [rule for rule in RULES if (rule.production if kind == "production"
                                           else rule.other) is not None]
    assert [d["id"] for d in driver["rules"]] == [rule.id for rule in reported]
    scores = {Severity.ERROR: HIGH, Severity.WARNING: MEDIUM, Severity.NOTE: LOW}
    for described, rule in zip(driver["rules"], reported, strict=True):
        severity = rule.production if kind == "production" else rule.other
        assert severity is not None
        assert described["name"] == rule.name
        assert described["shortDescription"]["text"] == rule.summary
        assert described["fullDescription"]["text"].startswith(rule.summary)
        assert described["helpUri"] == rule.doc_url
        assert rule.remediation in described["help"]["text"]
        assert described["defaultConfiguration"]["level"] == severity.value
        assert in_band(described["properties"]["security-severity"], scores[severity])


def test_between_them_the_runs_describe_every_rule_of_the_catalogue(
    mixed_sarif: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    """Each of the 29 rules (DS603 and DS7xx/DS8xx included) has a descriptor in at least one
    run, so a result of any of them resolves to its rule."""
    described = {d["id"] for run in mixed_sarif[0]["runs"] for d in run["tool"]["driver"]["rules"]}
    assert described == {rule.id for rule in RULES}
    assert len(described) == 29
    assert {"DS603", "DS701", "DS702", "DS703", "DS801", "DS802", "DS803", "DS804"} <= described


def test_a_note_in_dev_is_never_a_high_alert(
    mixed_sarif: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    log, _ = mixed_sarif
    other = run_of(log, "other")
    (wildcard,) = other["results"]
    assert (wildcard["ruleId"], wildcard["level"]) == ("DS102", "note")
    assert in_band(descriptor(other, wildcard)["properties"]["security-severity"], LOW)
    production = run_of(log, "production")
    ds102 = next(d for d in production["tool"]["driver"]["rules"] if d["id"] == "DS102")
    assert in_band(ds102["properties"]["security-severity"], HIGH)  # an error there


def test_a_severity_raised_by_the_facts_raises_the_rule_in_that_run(
    repo: Path, capsys: Capture
) -> None:
    """DS401 (no MFA) is a warning in production, an error with `app.high_value`: code
    scanning reads the rule's score, so the run describes DS401 at the level it reached."""
    policy = MIXED.replace("    methods: [totp, passkey]\n", "    methods: []\n").replace(
        "    require_at_login: true\n", "")
    write_policy(repo, policy)
    plain = run_of(dynsec(capsys, "validate", "dynamic-security.yaml", "-f", "sarif").json(),
                   "production")
    write_policy(repo, policy.replace("stages:\n", "  app: {high_value: true}\nstages:\n"))
    raised = run_of(dynsec(capsys, "validate", "dynamic-security.yaml", "-f", "sarif").json(),
                    "production")

    def ds401(run: dict[str, Any]) -> tuple[str, str]:
        result = next(r for r in run["results"] if r["ruleId"] == "DS401")
        return result["level"], descriptor(run, result)["properties"]["security-severity"]

    level, score = ds401(plain)
    assert level == "warning" and in_band(score, MEDIUM)
    level, score = ds401(raised)
    assert level == "error" and in_band(score, HIGH)


def test_results_carry_rule_level_and_line_relative_to_the_repository_root(
    mixed_sarif: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    log, json_findings = mixed_sarif
    by_kind = {"production": run_of(log, "production"), "other": run_of(log, "other")}
    placed = [(run, result) for run in by_kind.values() for result in run["results"]]
    assert len(placed) == len(json_findings)
    assert {result["level"] for _, result in placed} == {"error", "warning", "note"}
    for run, result in placed:
        finding = next(f for f in json_findings if (f["rule"], f["line"]) == (
            result["ruleId"], result["locations"][0]["physicalLocation"]["region"]["startLine"]))
        expected_run = "production" if finding["stage"] == "production" else "other"
        assert run is by_kind[expected_run]
        assert descriptor(run, result)["id"] == finding["rule"]
        assert result["level"] == finding["severity"]
        assert finding["message"] in result["message"]["text"]
        assert finding["stage"] in result["message"]["text"]
        (location,) = result["locations"]
        assert location["physicalLocation"]["artifactLocation"] == {
            "uri": "config/dynamic%20security.yaml", "uriBaseId": "%SRCROOT%",
        }
    lines = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"])
             for _, r in placed}
    assert {("DS104", 23), ("DS102", 18), ("DS201", 24), ("DS301", 25)} <= lines
    for run in log["runs"]:
        assert set(run["originalUriBaseIds"]) == {"%SRCROOT%"}


def test_the_log_holds_no_path_of_this_machine(
    mixed_sarif: tuple[dict[str, Any], list[dict[str, Any]]], repo: Path
) -> None:
    text = json.dumps(mixed_sarif[0])
    assert str(repo) not in text
    assert "file:" not in text


def test_uris_are_relative_to_the_git_top_level_from_any_directory(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    """Run from a subdirectory (as a CI step with `working-directory:` does), the URI still
    names the file from the repository root, so code scanning maps it."""
    write_policy(repo, MIXED, name="infra/dynamic-security.yaml")
    (repo / "infra" / "sub").mkdir()
    monkeypatch.chdir(repo / "infra" / "sub")

    log = dynsec(capsys, "validate", "../dynamic-security.yaml", "-f", "sarif").json()

    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in results(log)}
    assert uris == {"infra/dynamic-security.yaml"}


def test_repo_root_sets_the_base_of_the_uris(repo: Path, capsys: Capture) -> None:
    write_policy(repo, MIXED, name="infra/dynamic-security.yaml")

    log = dynsec(capsys, "validate", "infra/dynamic-security.yaml", "-f", "sarif",
                 "--repo-root", "infra").json()

    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in results(log)}
    assert uris == {"dynamic-security.yaml"}


def test_outside_a_repository_uris_are_relative_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    write_policy(tmp_path, MIXED, name="policies/dynamic-security.yaml")
    monkeypatch.chdir(tmp_path)

    log = dynsec(capsys, "validate", "policies/dynamic-security.yaml", "-f", "sarif").json()

    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in results(log)}
    assert uris == {"policies/dynamic-security.yaml"}


def test_waived_findings_carry_an_in_source_suppression(
    mixed_sarif: tuple[dict[str, Any], list[dict[str, Any]]],
) -> None:
    waived = [result for result in results(mixed_sarif[0]) if "suppressions" in result]
    assert [result["ruleId"] for result in waived] == ["DS301"]
    assert waived[0]["suppressions"] == [{
        "kind": "inSource",
        "justification": "A backend on another site reads the JWT from a header",
    }]


def _prints(log: dict[str, Any]) -> list[str]:
    return [result["partialFingerprints"][FINGERPRINT] for result in results(log)]


def test_fingerprints_are_stable_when_lines_move(repo: Path, capsys: Capture) -> None:
    write_policy(repo, MIXED)
    before = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "sarif").json()
    write_policy(repo, "# a comment that moves every line\n" + MIXED)
    after = dynsec(capsys, "validate", "dynamic-security.yaml", "--format", "sarif").json()

    assert _prints(before) == _prints(after)
    assert len(set(_prints(before))) == len(_prints(before))


def test_fingerprints_differ_across_policy_files_and_not_across_directories(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    write_policy(repo, MIXED, name="team-a/dynamic-security.yaml")
    write_policy(repo, MIXED, name="team-b/dynamic-security.yaml")

    log = dynsec(capsys, "validate", "team-a/dynamic-security.yaml",
                 "team-b/dynamic-security.yaml", "-f", "sarif").json()
    monkeypatch.chdir(repo / "team-a")
    from_inside = dynsec(capsys, "validate", "dynamic-security.yaml", "-f", "sarif").json()

    prints = _prints(log)
    assert len(prints) == 8 and len(set(prints)) == 8  # the same findings, two files
    assert set(_prints(from_inside)) < set(prints)  # the same file from another directory


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
    validate_sarif(log)
    (result,) = results(log)
    physical = {"artifactLocation": {"uri": "policy.yaml", "uriBaseId": "%SRCROOT%"}}
    assert result["locations"] == [{"physicalLocation": physical}]


def test_a_finding_without_any_file_has_no_location() -> None:
    log = sarif_log([_report(_finding(), with_file=False)], RULES)
    validate_sarif(log)
    assert "locations" not in results(log)[0]


def test_a_rule_missing_from_the_catalogue_is_still_described() -> None:
    log = sarif_log([_report(_finding(rule="DS999", name="future-rule"))], [])
    validate_sarif(log)
    run = run_of(log, "production")
    assert descriptor(run, run["results"][0])["id"] == "DS999"


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
