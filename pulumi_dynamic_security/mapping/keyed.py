"""What the settings areas made of named scalars share (`external_auth`, `notifications`):
each policy key is one member of one object of `settings.security`, and only the keys a
stage writes are managed (docs/mapping.md#external_auth, docs/mapping.md#notifications).

An area says where its object is (`section`), which wire member each key is (`wire_keys`),
how a live member reads (`read`) and which value a saved change may carry (`valid`); the
comparison, the write (that one member, nothing else of the object: members this tool does
not know, such as `externalAuth.assumeEmailVerified`, stay as read), the read-back, the
saved-change check and the Pulumi input are the same for every such area.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from pulumi_dynamic_security.mapping import mapping_or_empty, writable_mapping
from pulumi_dynamic_security.mapping.area import SettingsArea, not_a_change_apply_makes
from pulumi_dynamic_security.mapping.changes import Change
from pulumi_dynamic_security.policy.areas import PartialValues
from pulumi_dynamic_security.policy.stages import EffectiveStage


class KeyedSettingsArea(SettingsArea):
    """A partial area whose keys are scalar members of `security.<section>`."""

    section: ClassVar[str]  # e.g. "externalAuth"
    wire_keys: ClassVar[Mapping[str, str]]  # policy key -> wire member, in the policy's order
    value_type: ClassVar[type[PartialValues]]

    @abstractmethod
    def read(self, key: str, member: Any) -> Any:
        """The live value of `key` in the policy's words, from its wire member as sent
        (absent: `None` passed in)."""

    @abstractmethod
    def valid(self, key: str, value: Any) -> bool:
        """True when a saved change may set `key` to `value`."""

    def object_of(self, security: dict[str, Any]) -> dict[str, Any]:
        return mapping_or_empty(security.get(self.section))

    def from_live(self, security: dict[str, Any]) -> PartialValues:
        live = self.object_of(security)
        return self.value_type(**{
            key: self.read(key, live.get(wire)) for key, wire in self.wire_keys.items()
        })

    def comparable(self, declared: PartialValues, live: PartialValues | None) -> tuple[Any, Any]:
        """(live side, declared side) over the keys the stage manages."""
        live = live if live is not None else self.value_type()
        keys = declared.managed_keys()
        return ({key: getattr(live, key) for key in keys},
                {key: getattr(declared, key) for key in keys})

    def key_of(self, change: Change) -> str:
        key = change.path.removeprefix(f"{self.name}.")
        if key not in self.wire_keys:
            raise ValueError(f"unknown {self.name} change path {change.path!r}")
        return key

    def write(self, security: dict[str, Any], change: Change) -> None:
        writable_mapping(security, self.section)[self.wire_keys[self.key_of(change)]] = (
            change.after
        )

    def is_kept(self, security: dict[str, Any], change: Change) -> bool:
        return bool(getattr(self.from_live(security), self.key_of(change)) == change.after)

    def check_saved(self, change: Change, stage: EffectiveStage) -> None:
        key = change.path.removeprefix(f"{self.name}.")
        if change.action != "update" or key not in self.wire_keys \
                or not self.valid(key, change.after):
            raise not_a_change_apply_makes(change)

    def input_form(self, value: PartialValues) -> dict[str, Any]:
        """The managed keys, in the policy's order."""
        return {key: getattr(value, key) for key in value.managed_keys()}

    def live_input(self, live: PartialValues, declared_input: Any) -> dict[str, Any]:
        """Only the keys the resource manages (every key live holds when it names none)."""
        if isinstance(declared_input, Mapping):
            live = live.only(declared_input)
        return self.input_form(live)
