"""Reading a policy file (YAML or JSON) into plain Python values plus a line for every key.

PyYAML's parser (libyaml's C parser when it is installed; docs/decisions/yaml-parser.md)
turns the text into events, and our own bounded composer (`compose.py`) builds the values
from them, refusing tags, duplicate keys, alias cycles and expansion bombs
(docs/policy.md#reading-untrusted-yaml); we then convert the composed tree into plain dicts,
lists and scalars, keeping a map from a path (`("stages", "dev", "allowed_origins", 1)`) to a
1-based line, so that errors and findings can say `file:line`. JSON is read by the same
parser (JSON is YAML), but for one spelling: JSON escapes a character beyond U+FFFF as a
UTF-16 surrogate pair (`"\\ud83d\\ude00"`, what `json.dumps` writes by default), which YAML
refuses (it writes `"\\U0001f600"`); in a file that is JSON each such pair is rewritten
first. Scalars resolve as in YAML 1.2's core schema (`scalars.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import yaml

from pulumi_dynamic_security.errors import PolicyFileError, Problem
from pulumi_dynamic_security.policy.compose import (
    MAX_DEPTH,
    ComposeProblem,
    Composer,
    Node,
    parse_events,
)

PathKey = tuple[str | int, ...]


@dataclass(frozen=True)
class SourceDocument:
    """A parsed file: its plain data, and where each key or item was written."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(repr=False)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of `path`, or of its nearest written ancestor."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)

    def exact_line(self, path: Sequence[str | int]) -> int | None:
        """The line of `path` itself, or None when it was not written."""
        return self.lines.get(tuple(path))


# A policy of a thousand stages is a few hundred kilobytes; reading stops well past that.
MAX_FILE_BYTES = 8 * 1024 * 1024


def display_path(path: Path) -> str:
    """How we name the file in messages: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


# The name a policy read from standard input (`dynsec validate -`) goes by in messages.
STDIN_NAME = "<stdin>"


def read_source(path: Path) -> SourceDocument:
    """Read and parse `path`; PolicyFileError (exit 3) when it cannot be read or parsed."""
    name = display_path(path)
    try:
        with path.open("rb") as stream:
            text = read_text(stream, name)
    except FileNotFoundError:
        raise _problem(name, None, "policy file not found",
                       hint="Pass the path of your policy file (usually dynamic-security.yaml).",
                       ) from None
    except IsADirectoryError:
        raise _problem(name, None, "is a directory, not a policy file") from None
    except OSError as exc:
        raise _problem(name, None, f"cannot be read ({exc.strerror})") from None
    return parse_source(text, name)


def read_text(stream: BinaryIO, name: str) -> str:
    """The UTF-8 text of `stream` (a file, or standard input), read within the size bound:
    a device or a pipe that never ends is cut past it, and `parse_source` refuses that.
    PolicyFileError (exit 3) when it is not UTF-8; OSError passes through."""
    content = stream.read(MAX_FILE_BYTES + 1)
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _problem(name, None, f"is not UTF-8 text ({exc.reason})") from None


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc]
    """The parser that reads a policy: PyYAML's (libyaml's when installed), used for its
    events only; composing and resolving are ours."""


# An escaped surrogate pair, after an even number of backslashes (an odd one escapes the `\`).
_SURROGATE_PAIR = re.compile(
    r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE
)


def _json_surrogate_pairs(text: str) -> str:
    """`text` with JSON's escaped surrogate pairs written as YAML's `\\U` escapes, when `text`
    is JSON (in JSON a backslash appears only inside a double-quoted string, so the rewrite
    cannot touch anything else); `text` as it is otherwise."""
    if not _SURROGATE_PAIR.search(text):
        return text
    try:
        json.loads(text)
    except (ValueError, RecursionError):  # not JSON (or beyond it): YAML's reader answers
        return text

    def joined(match: re.Match[str]) -> str:
        high, low = int(match[2], 16), int(match[3], 16)
        return f"{match[1]}\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08x}"

    return _SURROGATE_PAIR.sub(joined, text)


def parse_source(text: str, name: str) -> SourceDocument:
    """Parse YAML or JSON `text` (named `name` in messages)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise _problem(name, None, f"is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; a "
                       "policy is far smaller")
    text = _json_surrogate_pairs(text)
    try:
        root = Composer().compose(parse_events(text, _Loader))
    except ComposeProblem as exc:
        raise _problem(name, exc.line, exc.message) from None
    except RecursionError:  # defensive: neither parser nor composer recurses per level
        raise _problem(name, None, f"nests values more than {MAX_DEPTH} levels deep; a "
                       "policy needs a few") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        raise _problem(name, line, f"is not valid YAML or JSON: {what}") from None
    except yaml.YAMLError as exc:
        raise _problem(name, None, f"is not valid YAML or JSON: {exc}") from None
    if root is None or root.value is None:
        raise _problem(name, 1, "is empty; a policy starts with `version: 1` and `stages:`")
    if not isinstance(root.value, dict):
        raise _problem(name, 1, "must be a mapping with `version` and `stages` at the top level")
    lines: dict[PathKey, int] = {(): 1}
    return SourceDocument(file=name, data=_plain(root, (), lines), lines=lines)


def _plain(node: Node, path: PathKey, lines: dict[PathKey, int]) -> Any:
    """`node` as plain values, recording the line of every key and item below `path`. The
    composer bounded the expanded size and depth, so this walk is bounded too."""
    if isinstance(node.value, dict):
        result: dict[str, Any] = {}
        for key, entry in node.value.items():
            child = (*path, key)
            lines[child] = entry.line
            result[key] = _plain(entry.node, child, lines)
        return result
    if isinstance(node.value, list):
        items = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            lines[child] = item.line
            items.append(_plain(item, child, lines))
        return items
    return node.value


def _problem(
    file: str, line: int | None, message: str, *, hint: str | None = None
) -> PolicyFileError:
    return PolicyFileError([Problem(file, line, message)], hint=hint)
