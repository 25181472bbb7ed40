"""The repository keeps its promises: the README's two commands, CI running exactly the
README's test command, and an example policy that validates."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from pulumi_dynamic_security.cli.main import run

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
CI = REPO / ".ci" / "run"
EXAMPLE = "examples/dynamic-security.yaml"

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _fenced_blocks() -> list[tuple[str, str]]:
    return [(lang, body.strip()) for lang, body in _FENCE.findall(README.read_text("utf-8"))]


def _readme_commands() -> tuple[str, str]:
    """The README's first two fenced blocks, which must both be `sh`: main job, then tests."""
    blocks = _fenced_blocks()
    assert len(blocks) >= 2
    (lang_main, main), (lang_tests, tests) = blocks[0], blocks[1]
    assert (lang_main, lang_tests) == ("sh", "sh"), "the README must open with two sh blocks"
    return main, tests


def test_the_readme_opens_with_the_two_commands() -> None:
    main, tests = _readme_commands()
    for command in (main, tests):
        assert "\n" not in command, "each command is one line a reader can paste"
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install ")
    assert main.endswith(f".venv/bin/dynsec validate {EXAMPLE}") or main.endswith(
        ".venv/bin/dynsec demo"
    )
    assert ".venv/bin/python -m pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    _, tests = _readme_commands()
    ci_lines = [line.strip() for line in CI.read_text(encoding="utf-8").splitlines()]
    assert tests in ci_lines


def test_ci_runs_the_linters() -> None:
    text = CI.read_text(encoding="utf-8")
    assert ".venv/bin/ruff check" in text
    assert ".venv/bin/mypy" in text
    assert "python3 -m venv .venv" in text


def test_the_readme_main_command_succeeds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    main, _ = _readme_commands()
    last = main.split("&&")[-1].strip()
    argv = shlex.split(last)
    assert argv[0] == ".venv/bin/dynsec"
    monkeypatch.chdir(REPO)

    code = run(argv[1:])

    out, err = capsys.readouterr()
    assert code == 0, out + err


def test_the_example_policy_validates_with_exit_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)

    for output_format in ("text", "json", "sarif"):
        code = run(["validate", EXAMPLE, "--format", output_format])
        out, err = capsys.readouterr()
        assert code == 0, out + err
        assert err == ""


def test_the_example_uses_the_demo_seed_environments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pulumi_dynamic_security.policy.loader import SecurityPolicy

    monkeypatch.chdir(REPO)
    policy = SecurityPolicy.load(EXAMPLE)
    assert {name: stage.environment_id for name, stage in policy.stages.items()} == {
        "dev": "0c000000-0000-4000-8000-000000000001",
        "staging": "0c000000-0000-4000-8000-000000000003",
        "production": "0c000000-0000-4000-8000-000000000002",
    }
    assert policy.stages["production"].production
    assert not policy.stages["dev"].production
    assert not policy.stages["staging"].production



def test_the_readme_policy_example_is_a_valid_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    yaml_blocks = [body for lang, body in _fenced_blocks() if lang == "yaml"]
    policy = next(body for body in yaml_blocks if body.lstrip("# \n").startswith("yaml-language")
                  and "stages:" in body)
    (tmp_path / "dynamic-security.yaml").write_text(policy + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    code = run(["validate", "dynamic-security.yaml"])

    out, err = capsys.readouterr()
    assert code == 0, out + err
