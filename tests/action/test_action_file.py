"""action.yml holds together: the inputs and outputs docs/github.md promises, each input
reaching the script under the name `github/action.py` reads, no expression inside a script,
only modules and steps that exist; and the action installs itself into its own virtual
environment and runs, from a copy of this source tree, as a runner would run it."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from pulumi_dynamic_security.github.action import VARIABLES
from tests.action.composite import EXPRESSION, REPO, Composite, job_environment, load_action
from tests.packaging.conftest import _NOT_SOURCE

INPUTS = {"policy", "command", "stages", "base-policy", "comment", "sarif", "dynamic-token",
          "github-token", "link-base", "issue"}
OUTPUTS = {"exit-code", "drifted", "exposed"}


def _steps() -> list[dict[str, object]]:
    steps = load_action()["runs"]["steps"]
    assert isinstance(steps, list)
    return steps


def test_the_action_is_composite_with_the_promised_inputs_and_outputs() -> None:
    action = load_action()
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == INPUTS
    assert action["inputs"]["policy"]["required"] is True
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"
    assert action["inputs"]["command"]["default"] == "drift"
    assert set(action["outputs"]) == OUTPUTS
    for name, spec in action["outputs"].items():
        assert spec["value"] == f"${{{{ steps.dynsec.outputs.{name} }}}}"


def test_every_input_reaches_the_script_under_the_name_it_reads() -> None:
    (run_step,) = [step for step in _steps() if step.get("id") == "dynsec"]
    env = run_step["env"]
    assert isinstance(env, dict)
    passed = {EXPRESSION.fullmatch(value).group(1).split(".", 1)[1]: name  # type: ignore[union-attr]
              for name, value in env.items() if value.startswith("${{ inputs.")}
    assert passed == VARIABLES


def test_no_script_expands_an_expression_and_each_runs_what_exists() -> None:
    ids = [step.get("id") for step in _steps()]
    assert ids == ["install", "dynsec"]
    for step in _steps():
        script = step["run"]
        assert isinstance(script, str) and "${{" not in script
        assert step["shell"] == "bash"
        for value in (step.get("env") or {}).values():  # type: ignore[attr-defined]
            for expression in EXPRESSION.findall(value):
                head = expression.split(".")
                assert head[0] in {"inputs", "steps"}, expression
                if head[0] == "steps":
                    assert head[1] in ids[: ids.index(step["id"])], expression
    run_script = _steps()[1]["run"]
    assert run_script == '"$DYNSEC_PYTHON" -m pulumi_dynamic_security.github'
    assert importlib.util.find_spec("pulumi_dynamic_security.github.__main__") is not None
    assert '"$GITHUB_ACTION_PATH"' in str(_steps()[0]["run"])


@pytest.mark.slow
def test_the_action_installs_itself_and_validates(tmp_path: Path) -> None:
    """Both steps for real: a virtual environment from a copy of the source tree (setuptools
    writes into the tree it builds), then `validate` on the example policy, offline."""
    source = tmp_path / "action"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
    job = job_environment(tmp_path, api_url="http://127.0.0.1:9", event_name="push",
                          event={})
    workspace = Path(job["GITHUB_WORKSPACE"])
    shutil.copy(REPO / "examples" / "dynamic-security.yaml", workspace / "policy.yaml")
    composite = Composite({"policy": "policy.yaml", "command": "validate",
                           "sarif": "out.sarif"}, job, "", tmp_path, skip_install=False,
                          action_path=source)

    code = composite.run()

    assert code == 0, composite.stdout + composite.stderr
    python = Path(composite.steps["install"]["python"])
    assert python.parent.parent.parent == Path(job["RUNNER_TEMP"])
    assert (python.parent / "dynsec").is_file()
    assert composite.outputs() == {"exit-code": "0", "drifted": "", "exposed": ""}
    assert json.loads((workspace / "out.sarif").read_text(encoding="utf-8"))["runs"]
    assert "✅ **passes**" in composite.summary
