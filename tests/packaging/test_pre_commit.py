"""The `dynsec-validate` pre-commit hook, run the way a user's repository runs it: `pre-commit
try-repo <this repository> dynsec-validate --all-files` in a scratch git repository.

pre-commit installs this package into a virtual environment of its own with pip, which reads
the machine's pip configuration (PIP_INDEX_URL and the other PIP_* variables, pip.conf) as
any pip does, so it works against a local package mirror. try-repo installs into a fresh
temporary store each time (about 15 s here, from pip's cache), so the test runs it twice: two
policy files that pass, then with a broken third one. (A blocked stage fails the hook the same
way, by validate's exit code 1: tests/cli.)
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.cli.support import CLEAN, MIXED
from tests.support.cli import write_policy

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BROKEN = "version: 1\nstages:\n  dev:\n    environment_id: not-a-uuid\n    jwt_lifetime: 45d\n"


def _git(*argv: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.com",
                    *argv], cwd=cwd, check=True, capture_output=True, timeout=60)


def _try_repo(project: Path) -> subprocess.CompletedProcess[str]:
    _git("add", "--all", cwd=project)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "dynsec-validate",
         "--all-files", "--color", "never"],
        cwd=project, env={**os.environ, "PRE_COMMIT_HOME": str(project.parent / "home")},
        capture_output=True, text=True, timeout=900, check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A scratch repository with two policy files (and a YAML file the hook must skip)."""
    if not (REPO / ".git").exists():
        pytest.skip("try-repo needs this project as a git repository (not an unpacked sdist)")
    tmp_path = tmp_path / "project"
    tmp_path.mkdir()
    _git("init", "--quiet", cwd=tmp_path)
    write_policy(tmp_path, CLEAN, name="dynamic-security.yaml")
    write_policy(tmp_path, MIXED.replace("      - http://app.example.com\n", ""),
                 name="services/api/dynamic-security.yml")
    (tmp_path / "other.yaml").write_text("not: [a policy\n", encoding="utf-8")
    return tmp_path


def test_the_hook_is_declared_as_documented() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "dynsec-validate"
    assert hook["entry"] == "dynsec validate"
    assert hook["language"] == "python"
    assert hook["files"] == r"(^|/)dynamic-security\.ya?ml$"
    assert hook.get("pass_filenames", True) is True


def test_two_policy_files_pass_and_a_broken_one_fails(project: Path) -> None:
    passing = _try_repo(project)

    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "dynsec validate" in passing.stdout and "Passed" in passing.stdout

    write_policy(project, BROKEN, name="services/web/dynamic-security.yaml")
    failing = _try_repo(project)

    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "Failed" in failing.stdout
    assert "services/web/dynamic-security.yaml:4: " in failing.stdout
    assert "services/web/dynamic-security.yaml:5: stages.dev.jwt_lifetime: 45d" in failing.stdout
    assert "Traceback" not in failing.stdout

