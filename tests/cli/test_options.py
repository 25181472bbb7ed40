"""Every command's short options, and shell completion of stage names through click's own
completion machinery (the `_DYNSEC_COMPLETE` protocol a shell's completion script speaks)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

from pulumi_dynamic_security.cli.main import COMMANDS, cli
from tests.cli.support import CLEAN, MIXED
from tests.support.cli import dynsec, write_policy

Capture = pytest.CaptureFixture[str]
SHORT = {"--stage": "-s", "--format": "-f", "--output": "-o"}


def _commands() -> dict[str, click.Command]:
    """Every command as `dynsec` itself resolves it (the lazy group's own lookup)."""
    commands = {}
    with click.Context(cli) as ctx:
        for name in COMMANDS:
            command = cli.get_command(ctx, name)
            assert isinstance(command, click.Command)
            commands[name] = command
    return commands


def _options(command: click.Command) -> list[click.Option]:
    """Every option of `command`, and of its subcommands if it is a group."""
    found = [param for param in command.params if isinstance(param, click.Option)]
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            found.extend(_options(sub))
    return found


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_long_option_with_a_short_form_has_it(name: str) -> None:
    command = _commands()[name]
    for option in _options(command):
        for long, short in SHORT.items():
            if long in option.opts:
                assert short in option.opts, f"dynsec {name} {long} has no {short}"
    shorts = [opt for option in _options(command) for opt in option.opts
              if not opt.startswith("--")]
    assert len(shorts) == len(set(shorts)), f"dynsec {name} uses a short option twice"


def test_the_walk_sees_the_options_it_checks() -> None:
    seen = {long for command in _commands().values() for option in _options(command)
            for long in SHORT if long in option.opts}
    assert seen == set(SHORT)


def test_plan_takes_output_and_o_as_names_of_out() -> None:
    (out,) = [option for option in _commands()["plan"].params if option.name == "out"]
    assert {"--out", "--output", "-o"} <= set(out.opts)


def test_short_options_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: Capture) -> None:
    monkeypatch.chdir(tmp_path)
    write_policy(tmp_path, MIXED)

    result = dynsec(capsys, "validate", "dynamic-security.yaml", "-s", "dev", "-f", "json",
                    "-o", "report.json")

    assert result.code == 0
    assert '"stage": "dev"' in (tmp_path / "report.json").read_text(encoding="utf-8")


# --- shell completion ------------------------------------------------------------------------


def _complete(words: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """What bash's completion script would get for the last of `words` (being typed)."""
    environment = {
        **os.environ, "_DYNSEC_COMPLETE": "bash_complete",
        "COMP_WORDS": " ".join(["dynsec", *words]), "COMP_CWORD": str(len(words)),
    }
    return subprocess.run(
        [sys.executable, "-c", "from pulumi_dynamic_security.cli.main import main; main()"],
        env=environment, cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
    )


def _values(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line]


@pytest.mark.slow
@pytest.mark.parametrize("command", ["validate", "plan", "apply", "drift"])
def test_stage_completes_the_stage_names_of_the_policy(command: str, tmp_path: Path) -> None:
    write_policy(tmp_path, CLEAN)

    every = _complete([command, "dynamic-security.yaml", "--stage", ""], tmp_path)
    some = _complete([command, "dynamic-security.yaml", "-s", "pr"], tmp_path)

    assert _values(every) == ["dev", "production"]
    assert _values(some) == ["production"]


@pytest.mark.slow
def test_completion_reads_every_file_named_and_skips_stages_given(tmp_path: Path) -> None:
    write_policy(tmp_path, CLEAN, name="a.yaml")
    write_policy(tmp_path, CLEAN.replace("  production:\n", "  staging:\n"), name="b.yaml")

    result = _complete(["validate", "a.yaml", "b.yaml", "-s", "dev", "-s", ""], tmp_path)

    assert _values(result) == ["production", "staging"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, []),
        ("version: 1\nstages: [\n", []),
        # a name the loader refuses is not offered (a shell would read it as more than a word)
        ("stages:\n  ok: {}\n  'bad name; rm -rf ~': {}\n", ["ok"]),
    ],
    ids=["missing", "not-yaml", "unsafe-name"],
)
def test_completion_is_quiet_about_a_bad_policy(
    content: str | None, expected: list[str], tmp_path: Path
) -> None:
    if content is not None:
        (tmp_path / "dynamic-security.yaml").write_text(content, encoding="utf-8")

    result = _complete(["validate", "dynamic-security.yaml", "--stage", ""], tmp_path)

    assert _values(result) == expected


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_completion_never_reads_a_pipe(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "dynamic-security.yaml")  # opening it to read would wait forever

    result = _complete(["validate", "dynamic-security.yaml", "--stage", ""], tmp_path)

    assert _values(result) == []
