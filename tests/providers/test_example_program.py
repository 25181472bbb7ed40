"""The example program (`examples/__main__.py`) run under mocks for every stack file, so that
the examples cannot rot; and the Pulumi project files that run it."""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from pulumi_dynamic_security.policy.loader import SecurityPolicy
from tests.providers.mocks import RAW_TOKEN, run_under_mocks

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
STACK_FILES = sorted(p for p in EXAMPLES.glob("Pulumi.*.yaml"))


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def test_there_is_a_stack_file_per_stage() -> None:
    stages = set(SecurityPolicy.load(EXAMPLES / "dynamic-security.yaml").stages)
    assert {p.name.split(".")[1] for p in STACK_FILES} == stages == {
        "dev", "staging", "production"}


@pytest.mark.parametrize("stack_file", STACK_FILES, ids=lambda p: p.name)
def test_stack_file_configures_the_provider(stack_file: Path) -> None:
    config = load_yaml(stack_file)["config"]
    # the token is never committed, neither in clear nor as a placeholder ciphertext (which
    # no secrets provider can decrypt, so every preview would fail until replaced)
    assert set(config) == {"dynamic-security:apiUrl"}
    assert config["dynamic-security:apiUrl"].startswith("https://")
    assert "secure:" not in stack_file.read_text()
    stack = stack_file.name.split(".")[1]
    assert (f"pulumi config set --secret dynamic-security:apiToken --stack {stack}"
            in stack_file.read_text())
    assert "dynamic-security:stage" in stack_file.read_text()  # how to deploy another stage


@pytest.mark.parametrize("stack_file", STACK_FILES, ids=lambda p: p.name)
def test_example_program_runs_under_mocks(stack_file: Path) -> None:
    stack = stack_file.name.split(".")[1]
    project = load_yaml(EXAMPLES / "Pulumi.yaml")["name"]
    stage = SecurityPolicy.load(EXAMPLES / "dynamic-security.yaml").stage(stack)

    monitor = run_under_mocks(
        lambda: runpy.run_path(str(EXAMPLES / "__main__.py"), run_name="__main__"),
        project=project, stack=stack,
    )

    names = [r.name for r in monitor.registrations]
    expected = [stack, f"{stack}-settings", f"{stack}-origins"] + [
        f"{stack}-token-{entry.name}" for entry in stage.api_tokens or ()
    ] + [f"{stack}-webhook-{entry.name}" for entry in stage.webhooks or ()]
    assert names == expected
    assert monitor.by_name(stack).type == "dynamic-security:index:EnvironmentSecurity"
    exports = monitor.exports
    assert exports["environment_id"] == stage.environment_id
    assert exports["production"] is stage.production
    assert exports["origins"] == sorted(set(stage.allowed_origins or ()))
    assert exports["jwt_lifetime"] == str(stage.jwt_lifetime)
    assert exports["tokens"] == {"ci-deployer": RAW_TOKEN}
    assert set(exports) >= {"token_ids", "rotate_after", "mfa", "token_storage"}


def test_root_project_runs_the_example_program() -> None:
    root = load_yaml(ROOT / "Pulumi.yaml")
    example = load_yaml(EXAMPLES / "Pulumi.yaml")
    assert root["name"] == example["name"]
    assert root["runtime"] == "python" and example["runtime"]["name"] == "python"
    assert (ROOT / root["main"] / "__main__.py").is_file()
    assert (ROOT / root["stackConfigDir"]).resolve() == EXAMPLES
    requirements = (EXAMPLES / "requirements.txt").read_text().split()
    assert any(r.startswith("pulumi>=") for r in requirements)
    assert any(r.startswith("pulumi-dynamic-security") for r in requirements)
    # every preview and update refreshes first, from either directory
    assert root["options"] == example["options"] == {"refresh": "always"}


def test_the_pulumi_sdk_floor_is_the_same_everywhere_and_tested() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.findall(r'"(pulumi[<>=~!][^"]*)"', pyproject) == ["pulumi>=3.216,<4"]
    assert "pulumi>=3.216,<4" in (EXAMPLES / "requirements.txt").read_text().split()
    assert "pulumi>=3.216" in (ROOT / "README.md").read_text()
    # CI installs exactly the floor in a second environment and runs these tests with it
    ci = (ROOT / ".ci" / "run").read_text()
    assert ".venv-floor/bin/pip install --quiet -e '.[test]' 'pulumi==3.216.0'" in ci
    assert ".venv-floor/bin/python -m pytest -q -n 2 tests/providers" in ci


def test_ci_workflow_treats_exit_codes_as_results() -> None:
    workflow = load_yaml(EXAMPLES / "ci" / "github-actions.yml")
    policy_steps = {step.get("name"): step for step in workflow["jobs"]["policy"]["steps"]}
    upload = policy_steps["Upload SARIF to code scanning"]
    assert upload["if"].startswith("always()")
    # The steps run the dynsec action (pinned by commit), which decides on the exit codes:
    # validate's 1 (blocked) fails the job, drift's 2 is a result, 3 and above fail.
    validate = policy_steps["Validate the policy (SARIF)"]
    drift = policy_steps["Drift of every stage (the pull-request comment)"]
    for step, command in ((validate, "validate"), (drift, "drift")):
        assert re.fullmatch(r"dynsec-dev/pulumi-dynamic-security@[0-9a-f]{40}", step["uses"])
        assert step["with"]["command"] == command
    assert validate["with"]["sarif"] == upload["with"]["sarif_file"]
    from pulumi_dynamic_security.github.action import job_code

    assert [job_code(code) for code in range(6)] == [0, 1, 0, 3, 4, 5]
    deploy = workflow["jobs"]["deploy"]
    assert deploy["environment"] == "${{ matrix.stage }}"
    assert deploy["strategy"]["max-parallel"] == 1
    text = (EXAMPLES / "ci" / "github-actions.yml").read_text()
    assert "DYNAMIC_API_TOKEN_READONLY" in text and "gh secret set" in text
    # rotation runs on a schedule too, not only when someone merges
    assert [entry["cron"] for entry in workflow["on"]["schedule"]]
    assert "schedule" in deploy["if"] and "push" in deploy["if"]
    assert "--secrets-out" in text
    # the write token only in the approval-gated deploy job
    for job in ("policy", "preview"):
        assert "secrets.DYNAMIC_API_TOKEN }}" not in repr(workflow["jobs"][job])
