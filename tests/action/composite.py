"""`action.yml` run as the runner runs a composite action, without the runner.

Each `run:` step goes to bash with the environment the runner would give it: the job's
`GITHUB_*` variables (a fresh `GITHUB_OUTPUT` file per step, one shared
`GITHUB_STEP_SUMMARY`), `GITHUB_ACTION_PATH`, and the step's `env:` with its expressions
evaluated. Only the expressions the action uses are understood (`inputs.X`, `github.token`,
`steps.ID.outputs.X`); anything else, or an input or step that does not exist, fails the
test, so the file can only reference what it declares. The install step can be replaced by
its output (`python`: this interpreter) so that the suite does not build a virtual
environment per test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
ACTION = REPO / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load_action() -> dict[str, Any]:
    document = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def read_outputs(path: Path) -> dict[str, str]:
    """`name=value` lines of a `GITHUB_OUTPUT` file (the action writes no multi-line ones)."""
    if not path.is_file():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines()
             if "=" in line)
    return dict((name, value) for name, value in pairs)


@dataclass
class Composite:
    """One run of the action: `inputs` as a workflow's `with:` gives them."""

    inputs: Mapping[str, str]
    job_env: Mapping[str, str]  # GITHUB_*, RUNNER_TEMP, DYNAMIC_API_URL, ...
    github_token: str
    work: Path
    skip_install: bool = True
    action_path: Path = REPO
    code: int | None = None  # the exit code of `run`, once it ran
    steps: dict[str, dict[str, str]] = field(default_factory=dict)
    logs: list[subprocess.CompletedProcess[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.action = load_action()
        declared = self.action["inputs"]
        unknown = set(self.inputs) - set(declared)
        assert not unknown, f"inputs the action does not declare: {unknown}"

    def evaluate(self, expression: str) -> str:
        parts = expression.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            declared = self.action["inputs"]
            assert parts[1] in declared, f"action.yml uses undeclared input {parts[1]}"
            if parts[1] in self.inputs:
                return self.inputs[parts[1]]
            return self.substitute(str(declared[parts[1]].get("default", "")))
        if expression == "github.token":
            return self.github_token
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            assert parts[1] in self.steps, f"action.yml reads step {parts[1]} before it ran"
            return self.steps[parts[1]].get(parts[3], "")
        raise AssertionError(f"expression the harness does not know: {expression}")

    def substitute(self, value: str) -> str:
        return EXPRESSION.sub(lambda m: self.evaluate(m.group(1)), value)

    def run(self) -> int:
        """Every step in order, as `bash -e {0}` would (the runner's `shell: bash`); the exit
        code of the first step that fails, or 0."""
        summary = self.work / "step-summary.md"
        for index, step in enumerate(self.action["runs"]["steps"]):
            step_id = step.get("id", f"step{index}")
            if step_id == "install" and self.skip_install:
                self.steps[step_id] = {"python": sys.executable}
                continue
            assert step.get("shell") == "bash" and "run" in step, step
            assert "${{" not in step["run"], "no expression inside a script"
            output = self.work / f"output-{step_id}"
            output.write_text("", encoding="utf-8")
            env = {**self.job_env, "GITHUB_OUTPUT": str(output),
                   "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTION_PATH": str(self.action_path)}
            env.update({name: self.substitute(str(value))
                        for name, value in (step.get("env") or {}).items()})
            done = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                env=env, cwd=self.job_env.get("GITHUB_WORKSPACE", str(self.work)),
                capture_output=True, text=True, timeout=600, check=False,
            )
            self.logs.append(done)
            self.steps[step_id] = read_outputs(output)
            if done.returncode != 0:
                return done.returncode
        return 0

    def outputs(self) -> dict[str, str]:
        return {name: self.substitute(spec["value"])
                for name, spec in self.action["outputs"].items()}

    @property
    def stdout(self) -> str:
        return "".join(done.stdout for done in self.logs)

    @property
    def stderr(self) -> str:
        return "".join(done.stderr for done in self.logs)

    @property
    def summary(self) -> str:
        path = self.work / "step-summary.md"
        return path.read_text(encoding="utf-8") if path.is_file() else ""


def job_environment(work: Path, *, api_url: str, event_name: str, event: Any,
                    extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """What the runner sets for every step of a job, for a repository `acme/infra`."""
    event_file = work / "event.json"
    event_file.write_text(json.dumps(event), encoding="utf-8")
    temp = work / "runner-temp"
    temp.mkdir(exist_ok=True)
    workspace = work / "workspace"
    workspace.mkdir(exist_ok=True)
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "SYSTEMROOT")
            if name in os.environ}
    return {**keep, "GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(event_file), "GITHUB_REPOSITORY": "acme/infra",
            "GITHUB_SERVER_URL": "https://github.test", "GITHUB_API_URL": api_url,
            "GITHUB_SHA": "a" * 40, "GITHUB_ACTOR": "octocat", "GITHUB_WORKSPACE":
            str(workspace), "RUNNER_TEMP": str(temp), **(extra or {})}


def pull_request_event(number: int = 7, *, fork: bool = False,
                       base_sha: str = "b" * 40) -> dict[str, Any]:
    head_repo = "someone/infra" if fork else "acme/infra"
    return {"pull_request": {"number": number,
                             "base": {"sha": base_sha, "repo": {"full_name": "acme/infra"}},
                             "head": {"sha": "c" * 40,
                                      "repo": {"full_name": head_repo, "fork": fork}}}}
