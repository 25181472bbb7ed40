"""Fixtures of the action's tests: the fake GitHub API, and `act`, which runs `action.yml`
(tests/action/composite.py) in a job against it and the session's emulator."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.action.composite import Composite, job_environment, pull_request_event
from tests.action.fake_github import TOKEN, State, fake_github

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dynamic-security.yaml"
POLICY = "dynamic-security.yaml"

Act = Callable[..., Composite]


def base_commit(workspace: Path, policy: str) -> str:
    """A git repository in `workspace` with one commit holding `policy`; its SHA."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.test",
                               *args], cwd=workspace, capture_output=True, text=True,
                              check=True, timeout=60).stdout.strip()

    git("init", "--quiet")
    (workspace / POLICY).write_text(policy, encoding="utf-8")
    git("add", POLICY)
    git("commit", "--quiet", "-m", "base")
    return git("rev-parse", "HEAD")


@pytest.fixture
def github() -> Iterator[State]:
    with fake_github() as state:
        yield state


@pytest.fixture
def act(github: State, emulator: EmulatorHandle, tmp_path: Path) -> Act:
    """`act(inputs..., event_name=..., event=...)`: one run of the action in a fresh job
    directory; the workspace holds the example policy as `dynamic-security.yaml`."""
    runs = iter(range(1, 1000))

    def run(*, event_name: str = "pull_request", event: Any = None,
            github_token: str = TOKEN, env: dict[str, str] | None = None,
            base: str | None = None, **inputs: str) -> Composite:
        """`base`: the workspace is a git checkout whose base commit holds this policy."""
        work = tmp_path / f"job{next(runs)}"
        work.mkdir()
        workspace = work / "workspace"
        workspace.mkdir()
        if base is not None:
            event = pull_request_event(base_sha=base_commit(workspace, base))
        job = job_environment(
            work, api_url=github.base_url, event_name=event_name,
            event=pull_request_event() if event is None else event,
            extra={"DYNAMIC_API_URL": emulator.base_url, **(env or {})})
        source = tmp_path / POLICY
        if not source.exists():
            source.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
        (workspace / POLICY).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        defaults = {"policy": POLICY, "dynamic-token": emulator.token}
        composite = Composite({**defaults, **{k.replace("_", "-"): v for k, v in
                                              inputs.items()}},
                              job, github_token, work)
        composite.code = composite.run()
        return composite

    return run
