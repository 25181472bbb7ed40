"""Reading a policy file (YAML or JSON) into plain Python values plus a line for every key.

The document is composed into YAML nodes, which know where they start, by PyYAML's parser
(libyaml's C parser when it is installed: fifteen times faster than a pure-Python parser on a
policy with hundreds of stages); we then convert the nodes ourselves, keeping a map from a path
(`("stages", "dev", "allowed_origins", 1)`) to a 1-based line, so that errors and findings can
say `file:line`. JSON is read by the same parser (JSON is YAML).

Scalars resolve as in YAML 1.2's core schema (not PyYAML's YAML 1.1 default), so `yes`, `on`
and `010` stay what they look like; dates resolve to dates. Duplicate keys, application tags,
recursive aliases and alias bombs are reported as problems with their line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

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


_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_SPECIAL_FLOAT = re.compile(r"^[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$")
MAX_NODES = 200_000  # an alias bomb expands beyond any real policy long before this
# A policy nests about six levels; far deeper nesting is a broken or hostile file, and past a
# few hundred levels converting it would exhaust Python's recursion limit.
MAX_DEPTH = 64
MAX_NUMBER_LENGTH = 100


class _Loader(_BaseLoader):  # type: ignore[misc]
    """PyYAML's safe loader with YAML 1.2 core-schema resolution of plain scalars."""

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {}


for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789."),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("timestamp", r"^(?:[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
                  r"(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
                  r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?)$", "0123456789"),
    ("merge", r"^<<$", "<"),
):
    _Loader.add_implicit_resolver(_TAG + _tag, re.compile(_pattern), list(_first))


def parse_source(text: str, name: str) -> SourceDocument:
    """Parse YAML or JSON `text` (named `name` in messages)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except RecursionError:  # the pure-Python parser (no libyaml) on very deep nesting
        raise _problem(name, None, f"nests values more than {MAX_DEPTH} levels deep; a "
                       "policy needs a few") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        raise _problem(name, line, f"is not valid YAML or JSON: {what}") from None
    except yaml.YAMLError as exc:
        raise _problem(name, None, f"is not valid YAML or JSON: {exc}") from None
    if root is None or _is_null(root):
        raise _problem(name, 1, "is empty; a policy starts with `version: 1` and `stages:`")
    lines: dict[PathKey, int] = {(): 1}
    try:
        data = _Converter(lines).convert(root, ())
    except _NodeProblem as exc:
        raise _problem(name, exc.line, exc.message) from None
    if not isinstance(data, dict):
        raise _problem(name, 1, "must be a mapping with `version` and `stages` at the top level")
    return SourceDocument(file=name, data=data, lines=lines)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _TAG + "null"


class _Converter:
    """Turns composed nodes into plain dicts, lists and scalars, recording lines."""

    def __init__(self, lines: dict[PathKey, int]):
        self.lines = lines
        self.visited = 0
        self.active: set[int] = set()  # nodes being converted: a repeat is a recursive alias
        self.scalars = yaml.constructor.SafeConstructor()

    def convert(self, node: Node, path: PathKey) -> Any:
        self.visited += 1
        if len(path) > MAX_DEPTH:
            raise _NodeProblem(f"nests values more than {MAX_DEPTH} levels deep; a policy "
                               "needs a few", _line(node))
        if self.visited > MAX_NODES:
            raise _NodeProblem(f"expands to more than {MAX_NODES} values (aliases repeated "
                               "inside aliases?); a policy is far smaller", _line(node))
        if id(node) in self.active:
            raise _NodeProblem("holds an alias that refers to itself", _line(node))
        self.active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            if isinstance(node, SequenceNode):
                return self._sequence(node, path)
            return self._scalar(node)
        finally:
            self.active.discard(id(node))

    def _mapping(self, node: MappingNode, path: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        own: dict[str, int] = {}
        for key_node, value_node, merged in self._pairs(node):
            key = self._key(key_node)
            if not merged and key in own:
                raise _NodeProblem(f'duplicate key "{key}" in one mapping (first written on '
                                   f"line {own[key]}); keep one", _line(key_node))
            if merged and (key in own or key in result):
                continue  # own keys, and earlier merges, win over merged ones
            if not merged:
                own[key] = _line(key_node)
            child = (*path, key)
            self.lines[child] = _line(key_node)
            result[key] = self.convert(value_node, child)
        return result

    def _pairs(self, node: MappingNode) -> Iterator[tuple[Node, Node, bool]]:
        """The mapping's own pairs, then those brought in by merge keys (`<<: *base`)."""
        merges: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                merges.extend(sources)
            else:
                yield key_node, value_node, False
        for source in merges:
            if not isinstance(source, MappingNode):
                raise _NodeProblem("a merge key (<<) must name a mapping", _line(source))
            for key_node, value_node, _ in self._pairs(source):
                yield key_node, value_node, True

    def _sequence(self, node: SequenceNode, path: PathKey) -> list[Any]:
        items = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            self.lines[child] = _line(item)
            items.append(self.convert(item, child))
        return items

    def _key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise _NodeProblem("a key must be a plain name, not a list or a mapping", _line(node))
        value = self._scalar(node)
        return _text(value if isinstance(value, str) else str(node.value), _line(node))

    def _scalar(self, node: Node) -> Any:
        assert isinstance(node, ScalarNode)
        tag = node.tag
        if not tag.startswith(_TAG):
            raise _NodeProblem(
                f"uses the YAML tag {tag}, which a policy does not need; remove the tag",
                _line(node))
        kind = tag.removeprefix(_TAG)
        if kind == "str":
            return _text(node.value, _line(node))
        if kind == "null":
            return None
        if kind == "bool":
            return node.value.lower() == "true"
        if kind in ("int", "float"):
            return self._number(node)
        if kind == "timestamp":
            return self._timestamp(node)
        if kind in ("binary", "omap", "pairs", "set", "seq", "map"):
            raise _NodeProblem(f"uses the YAML type !!{kind}, which a policy does not need",
                               _line(node))
        return _text(node.value, _line(node))

    def _number(self, node: ScalarNode) -> int | float:
        text = node.value
        if len(text) > MAX_NUMBER_LENGTH:
            # Longer numbers are no setting, and a hexadecimal one of a few thousand digits
            # converts fine but cannot be printed back in an error message.
            raise _NodeProblem(f"has a number too long to be a setting ({len(text)} digits)",
                               _line(node))
        try:
            if node.tag == _TAG + "float":
                return float(text.replace(".", "", 1) if _SPECIAL_FLOAT.match(text) else text)
            return int(text, 0) if text[:2] in ("0o", "0x") else int(text)
        except ValueError:  # e.g. more digits than Python converts
            raise _NodeProblem(f"has a number too long to be a setting ({len(text)} digits)",
                               _line(node)) from None

    def _timestamp(self, node: ScalarNode) -> Any:
        try:
            value = self.scalars.construct_yaml_timestamp(node)
        except ValueError:
            return _text(node.value, _line(node))  # an impossible date: validation says so
        if isinstance(value, dt.datetime) and value.time() == dt.time() and value.tzinfo is None:
            return value.date()
        return value


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


def _problem(
    file: str, line: int | None, message: str, *, hint: str | None = None
) -> PolicyFileError:
    return PolicyFileError([Problem(file, line, message)], hint=hint)
