"""Reading a policy file (YAML or JSON) into plain Python values plus a line for every key.

ruamel.yaml's round-trip loader remembers where each key and list item starts; we keep that
as a map from a path (`("stages", "dev", "allowed_origins", 1)`) to a 1-based line, so that
errors and findings can say `file:line`. JSON is read by the same parser (JSON is YAML).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from pulumi_dynamic_security.errors import PolicyFileError, Problem

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


def display_path(path: Path) -> str:
    """How we name the file in messages: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_source(path: Path) -> SourceDocument:
    """Read and parse `path`; PolicyFileError (exit 3) when it cannot be read or parsed."""
    name = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _problem(name, None, "policy file not found",
                       hint="Pass the path of your policy file (usually dynamic-security.yaml).",
                       ) from None
    except IsADirectoryError:
        raise _problem(name, None, "is a directory, not a policy file") from None
    except UnicodeDecodeError as exc:
        raise _problem(name, None, f"is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise _problem(name, None, f"cannot be read ({exc.strerror})") from None
    return parse_source(text, name)


class _Constructor(RoundTripConstructor):
    """Round-trip construction, except that an impossible date (`2027-02-30`) stays text, so
    that validation reports it with its line instead of the parser failing without one."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError:
            return self.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def parse_source(text: str, name: str) -> SourceDocument:
    """Parse YAML or JSON `text` (named `name` in messages)."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    try:
        root = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        raise _problem(name, line, f"is not valid YAML or JSON: {what}") from None
    except YAMLError as exc:
        raise _problem(name, None, f"is not valid YAML or JSON: {exc}") from None
    if root is None:
        raise _problem(name, 1, "is empty; a policy starts with `version: 1` and `stages:`")
    lines: dict[PathKey, int] = {(): 1}
    try:
        data = _plain(root, (), lines)
    except _NodeProblem as exc:
        raise _problem(name, exc.line, exc.message) from None
    if not isinstance(data, dict):
        raise _problem(name, 1, "must be a mapping with `version` and `stages` at the top level")
    return SourceDocument(file=name, data=data, lines=lines)


def _plain(node: Any, path: PathKey, lines: dict[PathKey, int]) -> Any:
    """Convert ruamel's nodes to plain dicts, lists and scalars, recording lines on the way."""
    if isinstance(node, CommentedMap):
        result: dict[str, Any] = {}
        for key, value in node.items():
            name = _text(str(key), lines.get(path, 1))
            child = (*path, name)
            lines[child] = _key_line(node, key, lines.get(path, 1))
            result[name] = _plain(value, child, lines)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            lines[child] = node.lc.item(index)[0] + 1
            items.append(_plain(value, child, lines))
        return items
    if isinstance(node, TaggedScalar):
        raise _NodeProblem(
            f"uses the YAML tag {node.tag}, which a policy does not need; remove the tag",
            lines.get(path, 1),
        )
    if isinstance(node, dt.datetime):
        # YAML timestamps: a bare date stays a date; anything else is kept as written.
        return node.date() if node.time() == dt.time() and node.tzinfo is None else node
    if isinstance(node, str):
        # str(): ruamel's scalar string subclasses carry formatting we do not need
        return _text(str(node), lines.get(path, 1))
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


class _NodeProblem(Exception):
    """Something wrong with one value of the document, found while converting it."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message, self.line = message, line


def _text(value: str, line: int) -> str:
    """`value` with UTF-16 surrogate pairs joined: the YAML parser reads JSON's escaped pair
    for one character (`"\\ud83d\\ude00"`) as two lone surrogates."""
    if not any("\ud800" <= ch <= "\udfff" for ch in value):
        return value
    try:
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    except UnicodeDecodeError:
        raise _NodeProblem(
            "contains a \\u escape that is half of a character (a lone surrogate); write the "
            "character itself or its complete escape pair",
            line,
        ) from None


def _key_line(node: CommentedMap, key: Any, fallback: int) -> int:
    """The line where `key` is written: in `node` itself or, for a key brought in by a YAML
    merge (`<<: *base`), in the mapping it came from; else `fallback` (the mapping's line)."""
    own = node.lc.data
    if own is not None and key in own:
        return int(own[key][0]) + 1
    for merged in getattr(node, "merge", None) or ():
        source = merged[1] if isinstance(merged, tuple) else merged
        if isinstance(source, CommentedMap) and key in source:
            return _key_line(source, key, fallback)
    return fallback


def _problem(
    file: str, line: int | None, message: str, *, hint: str | None = None
) -> PolicyFileError:
    return PolicyFileError([Problem(file, line, message)], hint=hint)
