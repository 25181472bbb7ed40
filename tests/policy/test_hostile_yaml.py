"""Hostile YAML, bounded: every bomb and trap ends in exit 3 with one located message, fast.

The traps of the malformed corpus (`malformed/yaml-*`: alias and merge-key bombs, self-merges,
alias cycles, tags on every node kind, duplicate keys in merge sources, ...) and bombs of
several shapes generated at growing sizes go through `dynsec validate` (the real command
line, in this process), each under a hang guard: exit 3, one `Error:` paragraph naming
`file:line`, in under a second. Then a hypothesis fuzz of the composer: documents built from
anchors, aliases, merge keys, tags and nesting either load or are refused with a
`PolicyFileError`, each within a second.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_dynamic_security.errors import PolicyFileError
from pulumi_dynamic_security.policy.compose import MAX_ALIAS_NESTING, MAX_DEPTH, MAX_VALUES
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.policy.source import MAX_FILE_BYTES, parse_source
from tests.policy.test_malformed import CASES, Case
from tests.support.cli import dynsec

BOUND = 1.0  # seconds: a hang guard, not a speed goal (those are `python -m bench`)
ENV = "0c000000-0000-4000-8000-000000000001"
HEAD = f"version: 1\nstages:\n  dev:\n    environment_id: {ENV}\n"


class Hang(Exception):
    pass


@contextmanager
def hang_guard(seconds: float = 10.0) -> Iterator[None]:
    """Interrupts a run that would hang, so a regression fails instead of stalling CI."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _lists(levels: int) -> str:  # "billion laughs": ten aliases of the level below
    lines = [HEAD + "    allowed_origins: &l0 [https://a.example.com, https://b.example.com]"]
    lines += [f"    l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _mappings(levels: int) -> str:
    lines = [f"version: 1\nstages:\n  s0: &m0 {{environment_id: {ENV}}}"]
    lines += [f"  s{i}: &m{i} {{{', '.join(f'k{j}: *m{i - 1}' for j in range(10))}}}"
              for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _merges_ten_per_level(levels: int) -> str:  # the shape that used to hang for minutes
    lines = [f"version: 1\nstages:\n  s0: &m0 {{environment_id: {ENV}, jwt_lifetme: 1h}}"]
    lines += [f"  s{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 10)}]}}"
              for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _merges_growing(levels: int) -> str:
    lines = [f"version: 1\nstages:\n  s0: &m0 {{environment_id: {ENV}}}"]
    lines += [f"  s{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], a{i}: *m{i - 1}, b{i}: *m{i - 1}}}"
              for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _deep_self_merge(levels: int) -> str:  # a cycle closed `levels` mappings further down
    inner = "{a: " * levels + "{<<: *dev}" + "}" * levels
    return f"version: 1\nstages:\n  dev: &dev\n    environment_id: {ENV}\n    app: {inner}\n"


def _many_values(count: int) -> str:
    origins = "".join(f"      - https://a{i}.example.com\n" for i in range(count))
    return HEAD + "    allowed_origins:\n" + origins


def _deep(levels: int) -> str:
    return HEAD + "    app: " + "{a: " * levels + "1" + "}" * levels + "\n"


def _aliases_nested(levels: int) -> str:
    lines = [HEAD + "    allowed_origins: &a0 [https://a.example.com]"]
    lines += [f"    a{i}: &a{i} [*a{i - 1}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def _long_key(length: int) -> str:
    return HEAD + "    " + "k" * length + ": 1\n"


def _too_large(_: int) -> str:
    return HEAD + "# " + "x" * MAX_FILE_BYTES + "\n"


Shape = Callable[[int], str]
GENERATED: list[tuple[str, Shape, int]] = [
    *[("lists", _lists, n) for n in (6, 9, 12, 30)],
    *[("mappings", _mappings, n) for n in (6, 8, 12)],
    *[("merges-ten-per-level", _merges_ten_per_level, n) for n in (8, 20, 60)],
    *[("merges-growing", _merges_growing, n) for n in (8, 9, 16)],
    *[("deep-self-merge", _deep_self_merge, n) for n in (1, 20, 55)],
    ("many-values", _many_values, MAX_VALUES),
    *[("deep", _deep, n) for n in (MAX_DEPTH + 1, 100_000)],
    ("aliases-nested", _aliases_nested, MAX_ALIAS_NESTING + 2),
    ("long-key", _long_key, 1_000_000),
    ("too-large", _too_large, 0),
]
TRAPS = [case for case in CASES if case.name.startswith("yaml-")]


def test_the_traps_cover_every_kind() -> None:
    names = " ".join(case.name for case in TRAPS)
    for kind in ("alias-bomb", "merge-bomb", "self-merge", "alias-cycle", "tag-on-mapping",
                 "tag-on-sequence", "tag-core-str", "tag-on-key", "duplicate-key-in-inline-merge",
                 "duplicate-key-in-anchored-merge-source", "duplicate-merge-key"):
        assert kind in names, kind
    assert len(TRAPS) + len(GENERATED) >= 50


def _validate_within_bound(capsys: pytest.CaptureFixture[str], name: str) -> str:
    started = time.perf_counter()
    with hang_guard():
        result = dynsec(capsys, "validate", name)
    elapsed = time.perf_counter() - started
    assert result.code == 3, result.err
    assert result.out == ""
    assert "Traceback" not in result.err
    assert result.err.startswith("Error: ") and result.err.count("Error:") == 1, result.err
    assert elapsed < BOUND, f"{name} took {elapsed:.2f} s"
    return result.err


@pytest.mark.parametrize("case", TRAPS, ids=lambda case: case.name)
def test_a_trap_of_the_corpus_is_refused_within_a_second(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    case.materialize(tmp_path)
    err = _validate_within_bound(capsys, case.name)
    assert f"{case.name}:{case.line}: " in err


@pytest.mark.parametrize("bomb", GENERATED, ids=[f"{shape}-{size}" for shape, _, size in GENERATED])
def test_a_generated_bomb_is_refused_within_a_second(
    bomb: tuple[str, Shape, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, build, size = bomb
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bomb.yaml").write_text(build(size), encoding="utf-8")
    err = _validate_within_bound(capsys, "bomb.yaml")
    assert "bomb.yaml:" in err


# --- fuzz ------------------------------------------------------------------------------------

ANCHORS = ["a", "b", "c"]
TAGS = ["!x ", "!!str ", "!!map ", "!!seq ", "! ", "!!python/name:os.system ", "!<tag:x> "]


@st.composite
def _node(draw: st.DrawFn, depth: int = 0) -> str:
    anchor = f"&{draw(st.sampled_from(ANCHORS))} " if draw(st.integers(0, 4)) == 0 else ""
    tag = draw(st.sampled_from(TAGS)) if draw(st.integers(0, 9)) == 0 else ""
    kind = draw(st.sampled_from(["scalar", "alias", "list", "map", "merge"]
                                if depth < 4 else ["scalar", "alias"]))
    if kind == "alias":
        return f"*{draw(st.sampled_from(ANCHORS))}"
    if kind == "scalar":
        value = draw(st.sampled_from(["1", "x", "true", "yes", "'q'", "1.5", "<<", "~", "0x1f"]))
        return f"{anchor}{tag}{value}"
    children = draw(st.lists(_node(depth + 1), max_size=4))
    if kind == "list":
        return f"{anchor}{tag}[{', '.join(children)}]"
    keys = draw(st.lists(st.sampled_from(["k", "m", "n", "<<", "version", "stages"]),
                         min_size=len(children), max_size=len(children)))
    if kind == "merge" and keys:
        keys[0] = "<<"
    pairs = ", ".join(f"{key}: {child}" for key, child in zip(keys, children, strict=True))
    return f"{anchor}{tag}{{{pairs}}}"


@settings(max_examples=120, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(_node(), min_size=1, max_size=6))
def test_fuzzed_documents_load_or_are_refused_within_a_second(values: list[str]) -> None:
    text = "".join(f"key{index}: {value}\n" for index, value in enumerate(values))
    started = time.perf_counter()
    with hang_guard():
        try:
            document = parse_source(text, "fuzz.yaml")
        except PolicyFileError as error:
            assert error.problems and error.problems[0].message
        else:
            assert isinstance(document.data, dict)
            with suppress(PolicyFileError):
                SecurityPolicy.from_text(text, "fuzz.yaml")
    assert time.perf_counter() - started < BOUND


@pytest.mark.parametrize("value", [
    "https://" + "a" * 100_000 + "/path",          # an invalid origin
    "x" * 100_000,                                 # an invalid stage setting
])
def test_a_long_value_is_cut_to_80_characters_in_the_message(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    key = "allowed_origins" if value.startswith("https") else "token_storage"
    item = f"[{value}]" if key == "allowed_origins" else value
    (tmp_path / "long.yaml").write_text(HEAD + f"    {key}: {item}\n", encoding="utf-8")

    err = _validate_within_bound(capsys, "long.yaml")

    assert "long.yaml:5: " in err
    assert "a" * 78 not in err and "x" * 78 not in err
    assert len(err) < 600, err
