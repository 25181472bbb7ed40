"""The bounded YAML composer: parser events in, a tree of values with their lines out.

PyYAML's own composer (and its constructor) trust the document: aliases are shared nodes
that any later walk expands again and again, a merge key (`<<`) that names its own mapping
makes a cycle, merge keys nested in merge sources are re-enumerated at every level, and tags
on mappings and sequences pass unnoticed. So we read the parser's event stream (libyaml's C
parser when it is installed, the project's chosen YAML reader) and build the tree ourselves,
keeping these promises for any input:

* **Bounded expansion.** Every value counts once for each place it appears after expansion:
  an alias counts the whole value it names, so a file that would expand to more than
  `MAX_VALUES` values (the "billion laughs", merge keys ten to a level) stops at the alias
  that crosses the line, after work proportional to the file, never to its expansion.
  Aliases nest at most `MAX_ALIAS_NESTING` deep and values `MAX_DEPTH` deep.
* **No cycles.** An alias may only name a value that is complete when the alias is read:
  `&a [*a]`, or a merge key inside the mapping it merges, is an input error.
* **Merge keys** follow YAML's merge convention (the mapping's own keys win, then earlier
  sources over later ones) and are resolved once, when the mapping closes: a merge source
  is a finished mapping whose own merges are already resolved.
* **No tags**: an explicit tag on any node (scalar, mapping or sequence; `!!str` too) is
  refused; a policy has no use for one.
* **No duplicate keys** in any mapping, merge sources included (each is a mapping), and no
  anchor defined twice.

Each problem is a `ComposeProblem` with the line it was found on; `source.py` turns it into
the `file:line` message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml import events

from pulumi_dynamic_security.policy.scalars import ScalarProblem, joined, resolve

# A policy of a thousand stages is about 15,000 values; past 50,000 a file is broken or
# hostile, and stopping there keeps reading within a fraction of a second.
MAX_VALUES = 50_000
# A policy nests about six levels; far deeper nesting is a broken or hostile file.
MAX_DEPTH = 64
# `defaults: &d {<<: *common}` then `<<: *d` in a stage is two levels; real files need few.
MAX_ALIAS_NESTING = 8
MAX_KEY_LENGTH = 200  # stage names are at most 63 characters, setting names far fewer
_CORE_TAG = "tag:yaml.org,2002:"


class ComposeProblem(Exception):
    """Something wrong with the document, found at 1-based `line`."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message, self.line = message, line


@dataclass(eq=False, slots=True)
class Node:
    """A composed value: `value` is a scalar, a list of nodes or a dict of key -> Entry.

    `size` counts the values it stands for after expansion (itself included), `height` the
    levels it nests, `nesting` the aliases inside aliases within it; `text` is a scalar as
    written (a key written as a number stays the text it was written as)."""

    value: Any
    line: int
    size: int = 1
    height: int = 1
    nesting: int = 0
    text: str | None = None
    merge_key: bool = False  # a plain `<<`


@dataclass(frozen=True, slots=True)
class Entry:
    """One key of a mapping: the line the key is written on, and its value."""

    line: int
    node: Node


@dataclass(eq=False, slots=True)
class _Open:
    """A mapping or sequence whose end event has not come yet."""

    kind: str  # "mapping" | "sequence"
    line: int
    anchor: str | None
    items: list[Node] = field(default_factory=list)
    entries: dict[str, Entry] = field(default_factory=dict)
    merges: list[tuple[int, Node]] = field(default_factory=list)  # (line of `<<`, its value)
    key: tuple[str, int, bool] | None = None  # (key, line, is `<<`) awaiting its value
    size: int = 1
    height: int = 1
    nesting: int = 0


class Composer:
    """Consumes parser events; `compose` returns the document's value (None: no document)."""

    def __init__(self) -> None:
        self.open: list[_Open] = []
        self.anchors: dict[str, Node | None] = {}  # None: the anchored value is still open
        self.anchor_lines: dict[str, int] = {}
        self.total = 0  # values after expansion so far
        self.root: Node | None = None
        self.documents = 0

    def compose(self, stream: Iterable[events.Event]) -> Node | None:
        for event in stream:
            self._event(event)
        return self.root

    # --- events --------------------------------------------------------------------------

    def _event(self, event: events.Event) -> None:
        mark = event.start_mark
        line = int(mark.line) + 1 if mark is not None else 1
        if type(event) is events.ScalarEvent:  # the most frequent event first, and fast
            if event.tag is not None:
                parent = self.open[-1] if self.open else None
                is_key = parent is not None and parent.kind == "mapping" and parent.key is None
                self._refuse_tag(event, line, "key" if is_key else "value")
            node = self._scalar(event, line)
            self._count(1, line)
            if event.anchor is not None:
                self._define(str(event.anchor), node, line)
            self._place(node, line)
        elif isinstance(event, events.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise ComposeProblem(
                    "expected a single document, but another one starts here; a policy file "
                    "is one YAML document (remove the second `---`)", line)
        elif isinstance(event, events.AliasEvent):
            self._place(self._alias(str(event.anchor), line), line, alias=True)
        elif isinstance(event, (events.MappingStartEvent, events.SequenceStartEvent)):
            kind = "mapping" if isinstance(event, events.MappingStartEvent) else "sequence"
            self._refuse_tag(event, line, kind)
            if len(self.open) >= MAX_DEPTH:
                raise _too_deep(line)
            self._count(1, line)
            if event.anchor is not None:
                self._define(str(event.anchor), None, line)
            self.open.append(_Open(kind, line, event.anchor))
        elif isinstance(event, (events.MappingEndEvent, events.SequenceEndEvent)):
            closed = self.open.pop()
            node = self._close(closed)
            if closed.anchor is not None:
                self.anchors[closed.anchor] = node
            self._place(node, line)

    @staticmethod
    def _refuse_tag(event: events.NodeEvent, line: int, kind: str) -> None:
        tag = getattr(event, "tag", None)
        if tag is None:
            return
        if tag.startswith(_CORE_TAG):
            shown = "!!" + tag.removeprefix(_CORE_TAG)
        else:
            shown = tag if tag.startswith("!") else f"!<{tag}>"
        raise ComposeProblem(
            f"uses the YAML tag {shown[:40]} on a {kind}, which a policy does not need; "
            "remove the tag", line)

    @staticmethod
    def _scalar(event: events.ScalarEvent, line: int) -> Node:
        plain = event.style in (None, "")
        try:
            value = resolve(event.value, plain=plain)
        except ScalarProblem as exc:
            raise ComposeProblem(str(exc), line) from None
        return Node(value, line, text=event.value, merge_key=plain and event.value == "<<")

    def _alias(self, anchor: str, line: int) -> Node:
        if anchor not in self.anchors:
            raise ComposeProblem(
                f"the alias *{anchor[:40]} names no anchor (&{anchor[:40]}) written before it",
                line)
        target = self.anchors[anchor]
        if target is None:
            raise ComposeProblem(
                f"the alias *{anchor[:40]} refers to a value that contains it (an alias or a "
                "merge key (<<) inside its own anchor makes a cycle); refer to a finished value",
                line)
        if target.nesting + 1 > MAX_ALIAS_NESTING:
            raise ComposeProblem(
                f"nests aliases inside aliases more than {MAX_ALIAS_NESTING} levels deep; a "
                "policy needs one or two", line)
        self._count(target.size, line, alias=True)
        return target

    def _define(self, anchor: str, node: Node | None, line: int) -> None:
        if anchor in self.anchors:
            raise ComposeProblem(
                f"defines the anchor &{anchor[:40]} a second time (first on line "
                f"{self.anchor_lines[anchor]}); give each anchor its own name", line)
        self.anchors[anchor] = node
        self.anchor_lines[anchor] = line

    def _count(self, values: int, line: int, *, alias: bool = False) -> None:
        self.total += values
        if self.total <= MAX_VALUES:
            return
        if alias:
            raise ComposeProblem(
                f"expands to more than {MAX_VALUES:,} values through this alias (aliases or "
                "merge keys (<<) repeated inside each other?); a policy is far smaller", line)
        raise ComposeProblem(
            f"holds more than {MAX_VALUES:,} values; a policy is far smaller", line)

    # --- building ------------------------------------------------------------------------

    def _place(self, node: Node, line: int, *, alias: bool = False) -> None:
        if not self.open:
            self.root = node
            return
        parent = self.open[-1]
        parent.size += node.size
        if node.height + 1 > parent.height:
            if len(self.open) + node.height > MAX_DEPTH:
                raise _too_deep(line)  # an alias can bring deep nesting into a deep place
            parent.height = node.height + 1
        nesting = node.nesting + 1 if alias else node.nesting
        parent.nesting = max(parent.nesting, nesting)
        if parent.kind == "sequence":
            parent.items.append(node)
        elif parent.key is None:
            parent.key = self._key(parent, node, line)
        else:
            key, key_line, merge = parent.key
            parent.key = None
            if merge:
                parent.merges.append((key_line, node))
            else:
                parent.entries[key] = Entry(key_line, node)

    @staticmethod
    def _key(parent: _Open, node: Node, line: int) -> tuple[str, int, bool]:
        if isinstance(node.value, (list, dict)):
            raise ComposeProblem("a key must be a plain name, not a list or a mapping", line)
        if node.merge_key:
            if parent.merges:
                raise ComposeProblem(
                    f'duplicate key "<<" in one mapping (first written on line '
                    f"{parent.merges[0][0]}); list every merge source in one `<<: [*a, *b]`",
                    line)
            return "<<", line, True
        key = node.value if isinstance(node.value, str) else joined(node.text or "")
        if len(key) > MAX_KEY_LENGTH:
            raise ComposeProblem(
                f"has a key of {len(key):,} characters; no policy key is longer than "
                f"{MAX_KEY_LENGTH}", line)
        if key in parent.entries:
            raise ComposeProblem(
                f'duplicate key "{key}" in one mapping (first written on line '
                f"{parent.entries[key].line}); keep one", line)
        return key, line, False

    @staticmethod
    def _close(closed: _Open) -> Node:
        if closed.kind == "sequence":
            return Node(closed.items, closed.line, closed.size, closed.height, closed.nesting)
        entries = dict(closed.entries)  # own keys win over merged ones
        for line, source in closed.merges:
            for mapping in _merge_sources(source, line):
                for key, entry in mapping.items():
                    entries.setdefault(key, entry)  # earlier sources win over later ones
        size = 1 + sum(1 + entry.node.size for entry in entries.values())
        return Node(entries, closed.line, size, closed.height, closed.nesting)


def _too_deep(line: int) -> ComposeProblem:
    return ComposeProblem(f"nests values more than {MAX_DEPTH} levels deep; a policy needs a few",
                          line)


def _merge_sources(source: Node, line: int) -> list[dict[str, Entry]]:
    """The mappings a merge key's value names: one mapping, or a list of mappings."""
    items = source.value if isinstance(source.value, list) else [source]
    mappings = []
    for item in items:
        if not isinstance(item.value, dict):
            where = item.line if item is not source else line
            raise ComposeProblem("a merge key (<<) must name a mapping or a list of mappings",
                                 where)
        mappings.append(item.value)
    return mappings


def parse_events(text: str, loader: Any) -> Iterable[events.Event]:
    """The parser's events for `text`: no composing, resolving or constructing by PyYAML."""
    return yaml.parse(text, Loader=loader)
