"""Malformed policies, as data: each one must fail `dynsec validate` with exit 3, name the right
`file:line` and say what is wrong, never with a traceback, and leave stdout empty.

Each file in `malformed/` is one case. A YAML case says what it expects in its second line:

    # what is wrong, in words
    # expect: <line>: <fragment of the message>

A JSON case (JSON has no comments) has the same `<line>: <fragment>` in `<name>.json.expect`.
`{{today+N}}` in a case is replaced by the date N days from today (UTC) before it is checked,
so cases about waiver expiry stay true on any day.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pulumi_dynamic_security.cli.main import run
from tests.support.dated import fill_dates

CORPUS = Path(__file__).parent / "malformed"
_EXPECT = re.compile(r"^(\d+): (.+)$")
_HEADER = re.compile(r"^# expect: (.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Case:
    path: Path
    line: int
    fragment: str

    @property
    def name(self) -> str:
        return self.path.name

    def materialize(self, directory: Path) -> Path:
        """The case's text with dates filled in, written under `directory`."""
        text = fill_dates(self.path.read_text(encoding="utf-8"))
        target = directory / self.name
        target.write_text(text, encoding="utf-8")
        return target


def _expectation(path: Path) -> str:
    if path.suffix == ".json":
        return path.with_name(path.name + ".expect").read_text(encoding="utf-8").strip()
    match = _HEADER.search(path.read_text(encoding="utf-8"))
    assert match is not None, f"{path.name} has no '# expect: <line>: <fragment>' header"
    return match.group(1).strip()


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix not in (".yaml", ".json"):
            continue
        match = _EXPECT.match(_expectation(path))
        assert match is not None, f"{path.name}: the expectation must read '<line>: <fragment>'"
        cases.append(Case(path, int(match.group(1)), match.group(2)))
    return cases


CASES = load_cases()


def test_the_corpus_is_large_and_covers_json() -> None:
    assert len(CASES) >= 30
    assert any(case.path.suffix == ".json" for case in CASES)
    stray = [
        p.name for p in CORPUS.iterdir()
        if p.suffix == ".expect" and not p.with_suffix("").exists()
    ]
    assert stray == []


@pytest.mark.parametrize("output_format", ["text", "json", "sarif"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_malformed_policy_exits_3_at_the_right_line(
    case: Case, output_format: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    case.materialize(tmp_path)

    code = run(["validate", case.name, "--format", output_format])

    out, err = capsys.readouterr()
    assert code == 3, err
    assert out == ""
    assert f"{case.name}:{case.line}: " in err, err
    located = [
        line for line in err.splitlines() if f"{case.name}:{case.line}: " in line
    ]
    assert any(case.fragment in line for line in located), err
    assert "Traceback" not in err
    assert err.startswith("Error: ")


def test_an_absolute_path_outside_the_working_directory_is_named_in_full(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = next(case for case in CASES if case.name == "unknown-stage-key.yaml")
    path = case.materialize(tmp_path)

    assert run(["validate", str(path)]) == 3

    assert f"{path}:{case.line}: " in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["yaml-bad-indent.yaml", "origin-two-wildcards.yaml", "json-syntax-error.json"]
)
def test_malformed_policy_through_the_console_entry_point(name: str, tmp_path: Path) -> None:
    case = next(case for case in CASES if case.name == name)
    case.materialize(tmp_path)

    result = subprocess.run(
        [sys.executable, "-m", "pulumi_dynamic_security.cli.main", "validate", name,
         "--format", "json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )

    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    assert f"{name}:{case.line}: " in result.stderr
    assert case.fragment in result.stderr
    assert "Traceback" not in result.stderr
