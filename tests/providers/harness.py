"""One resource in a stack, moved the way the Pulumi engine moves it, through a real provider
host (`tests.providers.host`), with what the CLI would print for each step.

What each operation sends, from the engine's source (`pkg/resource/deploy`):

* `up` / `preview`: Check (olds = the last inputs, news = the program's), then Create for a
  new resource, else Diff (olds = the last *outputs*, news = the checked inputs), then
  Update, or Create and Delete on a replace. A preview stops after Diff (the dynamic host
  does not support provider previews: Create and Update never run in one). For an update
  with no detailed diff, which the dynamic host can never send, the CLI shows the old inputs
  against the new ones (`Step.shown`).
* `refresh` (`RefreshStep.Apply`): Read (id, the last outputs and inputs); an empty id is a
  delete; else the state takes the refreshed outputs, and the refreshed inputs when Read
  returned some; then Diff with the refreshed outputs as olds and **the old inputs as news**
  (the diff an immediate `up` of an unchanged program would make), inverted for display:
  `DIFF_NONE` is "same", anything else an update the CLI reports as drift.
* `import_` (`ImportStep.Apply`): Read with the id alone, no inputs and no state; no outputs
  is "does not exist", no inputs "provider does not support importing resources".
* `destroy`: Delete, unless the resource is `retain_on_delete` (then no call at all, and the
  CLI says `delete[retain]`).

The names the rest of the provider tests use from the host and the wire helpers are
re-exported here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import grpc

from tests.providers.host import PROJECT, Diffed, ProviderHost, ReadBack, urn
from tests.providers.wire import (
    UNKNOWN,
    clear_occurrences,
    is_secret,
    secret,
    strip_secrets,
)

__all__ = [
    "PROJECT",
    "UNKNOWN",
    "CheckFailed",
    "EngineResource",
    "ImportFailed",
    "ProviderHost",
    "Refreshed",
    "Shown",
    "Step",
    "clear_occurrences",
    "is_secret",
    "secret",
    "strip_secrets",
    "urn",
]

_ABSENT = object()


class CheckFailed(AssertionError):
    def __init__(self, failures: list[tuple[str, str]]):
        super().__init__(f"check failed: {failures}")
        self.failures = failures


class ImportFailed(AssertionError):
    """The import failed as the CLI would report it (the host's error, or the engine's)."""


@dataclass(frozen=True)
class Shown:
    """The properties the CLI prints as changed under a step, `key -> (old, new)`, secrets
    stripped and the engine's internal keys (`__provider`) left out, as its display does."""

    changes: dict[str, tuple[Any, Any]]

    @classmethod
    def between(cls, old: Mapping[str, Any], new: Mapping[str, Any]) -> Shown:
        before, after = strip_secrets(dict(old)), strip_secrets(dict(new))
        keys = sorted((set(before) | set(after)) - {"__provider"})
        return cls({
            key: (before.get(key, _ABSENT), after.get(key, _ABSENT))
            for key in keys if before.get(key, _ABSENT) != after.get(key, _ABSENT)
        })

    def lines(self) -> list[str]:
        """`~ key: old => new`, `+ key: new`, `- key: old`, as the CLI's diff view."""
        result = []
        for key, (old, new) in self.changes.items():
            if old is _ABSENT:
                result.append(f"+ {key}: {json.dumps(new)}")
            elif new is _ABSENT:
                result.append(f"- {key}: {json.dumps(old)}")
            else:
                result.append(f"~ {key}: {json.dumps(old)} => {json.dumps(new)}")
        return result


@dataclass(frozen=True)
class Step:
    """One step of an operation: `op` as the CLI names it (create, update, same, replace,
    delete, delete[retain], import), and what it shows."""

    op: str
    shown: Shown = Shown({})
    diff: Diffed | None = None


@dataclass(frozen=True)
class Refreshed:
    """A refresh step: the Read the engine made, then its Diff of the refreshed outputs
    against the old inputs (`diff`; None when the resource is gone)."""

    op: str  # same | update | delete
    read: ReadBack
    diff: Diffed | None
    shown: Shown

    # what tests of the Read itself look at
    @property
    def id(self) -> str:
        return self.read.id

    @property
    def outputs(self) -> dict[str, Any]:
        return self.read.outputs

    @property
    def inputs(self) -> dict[str, Any] | None:
        return self.read.inputs


def _op(diffed: Diffed, old_inputs: Mapping[str, Any], new_inputs: Mapping[str, Any]) -> str:
    """The step a Diff makes. DIFF_UNKNOWN: the engine compares the inputs itself."""
    if diffed.changes == "DIFF_UNKNOWN":
        changed = strip_secrets(dict(old_inputs)) != strip_secrets(dict(new_inputs))
        return "update" if changed else "same"
    if diffed.changes == "DIFF_NONE":
        return "same"
    return "replace" if diffed.replaces else "update"


@dataclass
class EngineResource:
    """One resource's state in a stack (`id`, last checked `inputs`, last outputs `state`),
    moved by `up`, `preview`, `refresh`, `import_` and `destroy` as the engine moves it."""

    host: ProviderHost
    type_token: str
    name: str
    id: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)  # last checked inputs
    state: dict[str, Any] = field(default_factory=dict)  # last outputs
    steps: list[str] = field(default_factory=list)
    retain_on_delete: bool = False

    @property
    def urn(self) -> str:
        return urn(self.type_token, self.name)

    def _checked(self, program_inputs: Mapping[str, Any]) -> dict[str, Any]:
        checked = self.host.check(self.urn, self.inputs, program_inputs)
        if checked.failures:
            raise CheckFailed(checked.failures)
        return checked.inputs

    def preview(self, program_inputs: Mapping[str, Any], *, refresh: bool = False) -> Step:
        """`pulumi preview --diff` (with `refresh`: `--refresh`, or `options: refresh:
        always`) of this resource; nothing is written, nor kept in the state."""
        resource = self.copy()
        if refresh and resource.id is not None:
            resource.refresh()
        checked = resource._checked(program_inputs)
        if resource.id is None:
            return Step("create", Shown.between({}, checked))
        diffed = self.host.diff(resource.id, self.urn, resource.state, resource.inputs, checked)
        op = _op(diffed, resource.inputs, checked)
        shown = Shown.between(resource.inputs, checked) if op != "same" else Shown({})
        return Step(op, shown, diffed)

    def up(self, program_inputs: Mapping[str, Any]) -> str:
        """One `pulumi up` of this resource; returns the step: create/update/same/replace."""
        checked = self._checked(program_inputs)
        if self.id is None:
            created = self.host.create(self.urn, checked)
            self.id, self.inputs, self.state = created.id, checked, created.outputs
            return self._step("create")
        diffed = self.host.diff(self.id, self.urn, self.state, self.inputs, checked)
        op = _op(diffed, self.inputs, checked)
        if op == "same":
            self.inputs = checked
        elif op == "replace":
            created = self.host.create(self.urn, checked)
            self._delete()
            self.id, self.inputs, self.state = created.id, checked, created.outputs
        else:
            updated = self.host.update(self.id, self.urn, self.state, self.inputs, checked)
            self.inputs, self.state = checked, updated.outputs
        return self._step(op)

    def refresh(self) -> Refreshed:
        """`pulumi refresh` of this resource (the state is kept, as refresh keeps it)."""
        assert self.id is not None
        old_inputs, old_state = self.inputs, self.state
        read = self.host.read(self.id, self.urn, old_state, old_inputs)
        if not read.id:
            self.id, self.state = None, {}
            self._step("refresh")
            return Refreshed("delete", read, None, Shown.between(old_state, {}))
        self.id, self.state = read.id, read.outputs
        if read.inputs is not None:
            self.inputs = read.inputs
        diffed = self.host.diff(self.id, self.urn, self.state, self.inputs, old_inputs)
        op = "same" if diffed.changes == "DIFF_NONE" else "update"
        self._step("refresh")
        shown = Shown.between(old_state, self.state) if op != "same" else Shown({})
        return Refreshed(op, read, diffed, shown)

    def import_(self, resource_id: str) -> Step:
        """`pulumi import` (or the `import` resource option) of `resource_id`."""
        try:
            read = self.host.read(resource_id, self.urn, {}, {})
        except grpc.RpcError as error:
            raise ImportFailed(error.details()) from None
        if not read.id or not read.outputs:
            raise ImportFailed(f"resource '{resource_id}' does not exist")
        if read.inputs is None:
            raise ImportFailed("provider does not support importing resources")
        self.id, self.inputs, self.state = read.id, read.inputs, read.outputs
        self._step("import")
        return Step("import", Shown.between({}, read.outputs))

    def destroy(self) -> str:
        """`pulumi destroy` of this resource; returns the step as the CLI names it."""
        assert self.id is not None
        op = "delete[retain]" if self.retain_on_delete else "delete"
        self._delete()
        self.id, self.state = None, {}
        return self._step(op)

    def _delete(self) -> None:
        if not self.retain_on_delete:  # the engine skips the provider for a retained one
            assert self.id is not None
            self.host.delete(self.id, self.urn, self.state, self.inputs)

    def copy(self) -> EngineResource:
        return EngineResource(self.host, self.type_token, self.name, self.id, dict(self.inputs),
                              dict(self.state), list(self.steps), self.retain_on_delete)

    def _step(self, name: str) -> str:
        self.steps.append(name)
        return name
