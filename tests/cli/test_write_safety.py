"""`plan --out` and `validate --output` never write over the policy file they read: not by
its own name, another spelling of it, a symbolic link or a hard link, and not through a link
made while the command ran. Exit 3, nothing written, and the policy byte for byte as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from tests.cli.support import CLEAN
from tests.support.cli import Cli

Target = Callable[[Path], str]  # makes the output path (given the policy's), returns it


def same_name(policy: Path) -> str:
    return policy.name


def other_spelling(policy: Path) -> str:
    (policy.parent / "sub").mkdir()
    return f"sub/../{policy.name}"


def symlink(policy: Path) -> str:
    (policy.parent / "out.json").symlink_to(policy)
    return "out.json"


def symlink_to_a_symlink(policy: Path) -> str:
    (policy.parent / "inner").symlink_to(policy)
    (policy.parent / "out.json").symlink_to(policy.parent / "inner")
    return "out.json"


def hard_link(policy: Path) -> str:
    os.link(policy, policy.parent / "out.json")
    return "out.json"


TARGETS = {"same-name": same_name, "other-spelling": other_spelling, "symlink": symlink,
           "symlink-to-a-symlink": symlink_to_a_symlink, "hard-link": hard_link}
COMMANDS = {
    "plan --out": ("plan", "dynamic-security.yaml", "--stage", "production", "--out"),
    "validate --output": ("validate", "dynamic-security.yaml", "--format", "sarif",
                          "--output"),
}


@pytest.mark.parametrize("command", list(COMMANDS.values()), ids=list(COMMANDS))
@pytest.mark.parametrize("target", list(TARGETS.values()), ids=list(TARGETS))
def test_output_onto_the_policy_is_refused_and_the_policy_is_unchanged(
    cli: Cli, command: tuple[str, ...], target: Target
) -> None:
    policy = cli.write(CLEAN)
    before = policy.read_bytes()
    out = target(policy)
    cli.clear()

    result = cli(*command, out)

    assert result.code == 3, result.out + result.err
    assert "is the policy file itself" in result.err
    assert "nothing was written" in result.err
    assert policy.read_bytes() == before
    assert cli.log() == []  # refused before any request
    assert sorted(p.name for p in cli.directory.iterdir() if p.name.startswith(".")) == []


def test_a_link_to_the_policy_made_while_plan_runs_is_refused_at_the_write(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check is made again right before writing, not only when the command starts."""
    policy = cli.write(CLEAN)
    before = policy.read_bytes()
    real = DynamicClient.get_environment

    def get_environment(self: DynamicClient, environment_id: str) -> object:
        if not (cli.directory / "plan.json").exists():
            (cli.directory / "plan.json").symlink_to(policy)
        return real(self, environment_id)

    monkeypatch.setattr(DynamicClient, "get_environment", get_environment)

    result = cli("plan", "dynamic-security.yaml", "--stage", "production", "--out", "plan.json")

    assert result.code == 3, result.err
    assert "is the policy file itself" in result.err
    assert policy.read_bytes() == before


def test_another_file_is_written_as_usual(cli: Cli) -> None:
    policy = cli.write(CLEAN)
    before = policy.read_bytes()
    (cli.directory / "link.json").symlink_to(cli.directory / "plan.json")  # dangling

    result = cli("plan", "dynamic-security.yaml", "--stage", "production", "--out", "link.json")

    assert result.code == 0, result.err
    assert (cli.directory / "plan.json").read_text(encoding="utf-8").startswith("{")
    assert (cli.directory / "link.json").is_symlink()
    assert policy.read_bytes() == before
