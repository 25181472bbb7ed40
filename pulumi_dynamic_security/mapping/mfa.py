"""`mfa` <-> `security.mfa` (docs/mapping.md#mfa). Only the keys the stage sets are managed.

* `methods` -> `methods[] {type, enabled}`: listed types enabled, other known types present
  disabled (never removed); `mfa.enabled` is true exactly when a method is enabled;
* `backup_codes` -> `allowBackupCodes` on every enabled method;
* `require_at_login` -> `required` (session-based enforcement: an inference from Dynamic's
  docs, which describe it but do not name the field);
* `require_for_actions` -> `actions[] {action, required: true}`; other actions present get
  `required: false`.

`availableMethods` is never written. Live `backup_codes` reads as true or false when every
enabled method agrees, and as None (mixed, or no method enabled) otherwise.

Effect: a method, the login requirement or an action added tightens, removed weakens;
backup codes are neutral (they trade recovery for a weaker second factor).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_dynamic_security.diffing import Difference
from pulumi_dynamic_security.mapping import (
    list_or_empty,
    mapping_or_empty,
    writable_list,
    writable_mapping,
)
from pulumi_dynamic_security.mapping.area import Exported, SettingsArea, not_a_change_apply_makes
from pulumi_dynamic_security.mapping.changes import Change, Effect
from pulumi_dynamic_security.policy.areas import EffectiveMfa
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.vocabulary import MFA_ACTIONS, MFA_METHODS

_MEMBERS = {"mfa.methods": MFA_METHODS, "mfa.require_for_actions": MFA_ACTIONS}
_FLAGS = ("mfa.require_at_login", "mfa.backup_codes")


def _mfa(security: dict[str, Any]) -> dict[str, Any]:
    return mapping_or_empty(security.get("mfa"))


def _methods(mfa: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in list_or_empty(mfa.get("methods")) if isinstance(m, dict)]


def _actions(mfa: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in list_or_empty(mfa.get("actions")) if isinstance(a, dict)]


def _comparable(value: EffectiveMfa, keys: tuple[str, ...]) -> dict[str, Any]:
    """`keys` (the managed ones) of `value`: sets for lists, plain values otherwise."""
    result: dict[str, Any] = {}
    for key in keys:
        item = getattr(value, key)
        result[key] = set(item) if isinstance(item, tuple) else item
    return result


class MfaArea(SettingsArea):
    name = "mfa"
    docs = "docs/mapping.md#mfa"

    def from_live(self, security: dict[str, Any]) -> EffectiveMfa:
        """Every MFA key as it is live, in the policy's words."""
        mfa = _mfa(security)
        enabled = [m for m in _methods(mfa) if m.get("enabled") is True]
        codes = {bool(m.get("allowBackupCodes")) for m in enabled}
        return EffectiveMfa(
            methods=tuple(t for t in MFA_METHODS if any(m.get("type") == t for m in enabled)),
            require_at_login=mfa.get("required") is True,
            require_for_actions=tuple(
                a for a in MFA_ACTIONS
                if any(x.get("action") == a and x.get("required") is True for x in _actions(mfa))
            ),
            backup_codes=codes.pop() if len(codes) == 1 else None,
        )

    def comparable(self, declared: EffectiveMfa, live: EffectiveMfa | None) -> tuple[Any, Any]:
        """(live side, declared side) over the declared keys.

        Backup codes are moot when no method will be enabled after apply: comparing them then
        would show a change that no write can make, so they are left out of both sides.
        """
        live = live if live is not None else EffectiveMfa()
        keys = declared.managed_keys()
        methods_after = declared.methods if declared.methods is not None else live.methods
        if "backup_codes" in keys and not methods_after:
            keys = tuple(k for k in keys if k != "backup_codes")
        return _comparable(live, keys), _comparable(declared, keys)

    def effect(self, difference: Difference, live_form: Any, declared_form: Any) -> Effect:
        kind, after = difference.kind, difference.after
        if difference.path.endswith("backup_codes"):
            return "neutral"
        if kind == "add" or (kind == "update" and after is True):
            return "tightens"
        if kind == "remove" or (kind == "update" and after is False):
            return "weakens"
        return "neutral"

    def write(self, security: dict[str, Any], change: Change) -> None:
        mfa = writable_mapping(security, "mfa")
        key = change.path.removeprefix("mfa.")
        if key == "methods":
            _set_method(mfa, change.after or change.before, enabled=change.action == "add")
        elif key == "require_for_actions":
            _set_action(mfa, change.after or change.before, required=change.action == "add")
        elif key == "require_at_login":
            mfa["required"] = bool(change.after)
        elif key == "backup_codes":
            for method in _methods(mfa):
                if method.get("enabled") is True:
                    method["allowBackupCodes"] = bool(change.after)
        else:
            raise ValueError(f"unknown MFA change path {change.path!r}")

    def write_order(self, change: Change) -> int:
        # Methods before backup codes, so that a newly enabled method gets its backup codes.
        return 1 if change.path.endswith("backup_codes") else 0

    def is_kept(self, security: dict[str, Any], change: Change) -> bool:
        live = self.from_live(security)
        key = change.path.removeprefix("mfa.")
        if key in ("methods", "require_for_actions"):
            members = getattr(live, key) or ()
            return (change.after in members) if change.action == "add" else (
                change.before not in members)
        if key == "backup_codes":
            # Moot (and unreadable) while no method is enabled.
            return live.backup_codes == change.after or not live.methods
        return bool(getattr(live, key)) == bool(change.after)

    def export(self, security: dict[str, Any]) -> Exported:
        live = self.from_live(security)
        mfa = _mfa(security)
        comments: list[str] = []
        value: dict[str, Any] = {
            "methods": list(live.methods or ()),
            "require_at_login": live.require_at_login,
            "require_for_actions": list(live.require_for_actions or ()),
        }
        if live.require_at_login and not live.methods:
            del value["require_at_login"]
            comments.append("live MFA is required at login with no method enabled; left out")
        if live.backup_codes is not None:
            value["backup_codes"] = live.backup_codes
        elif live.methods:
            comments.append(
                "backup codes differ between enabled methods, which the policy cannot express; "
                "set mfa.backup_codes to choose one for all"
            )
        unknown = sorted(
            {str(m.get("type")) for m in _methods(mfa) if m.get("type") not in MFA_METHODS}
        )
        if unknown:
            comments.append(f"live MFA methods this tool does not know are left alone: {unknown}")
        return Exported(value, tuple(comments))

    def check_saved(self, change: Change, stage: EffectiveStage) -> None:
        member = change.after if change.action == "add" else change.before
        if change.action in ("add", "remove") and member in _MEMBERS.get(change.path, ()):
            return
        if change.action == "update" and change.path in _FLAGS \
                and isinstance(change.after, bool):
            return
        raise not_a_change_apply_makes(change)

    def input_form(self, value: EffectiveMfa) -> dict[str, Any]:
        """The managed MFA keys, lists in the policy's canonical order."""
        form: dict[str, Any] = {
            "methods": (
                [m for m in MFA_METHODS if m in value.methods]
                if value.methods is not None else None
            ),
            "require_at_login": value.require_at_login,
            "require_for_actions": (
                [a for a in MFA_ACTIONS if a in value.require_for_actions]
                if value.require_for_actions is not None else None
            ),
            "backup_codes": value.backup_codes,
        }
        return {key: item for key, item in form.items() if item is not None}

    def live_input(self, live: EffectiveMfa, declared_input: Any) -> dict[str, Any]:
        """Only the MFA keys the resource manages (every key when it names none)."""
        if isinstance(declared_input, Mapping):
            live = live.only(declared_input)
        return self.input_form(live)


def _set_method(mfa: dict[str, Any], method_type: str, *, enabled: bool) -> None:
    methods = writable_list(mfa, "methods")
    entries = [m for m in _methods(mfa) if m.get("type") == method_type]
    # A method being enabled follows the backup-code setting the enabled ones agree on, so
    # that enabling it never leaves them disagreeing (a disabled entry may carry an old one).
    # Compared as `from_live` reads them: an absent `allowBackupCodes` means false.
    codes = {
        bool(m.get("allowBackupCodes")) for m in _methods(mfa)
        if m.get("enabled") is True and m.get("type") != method_type
    }
    agreed = codes.pop() if len(codes) == 1 else None
    if enabled and not entries:
        entries = [{"type": method_type, "enabled": False}]
        methods.append(entries[0])
    for entry in entries:
        newly_enabled = enabled and entry.get("enabled") is not True
        if newly_enabled and agreed is not None and bool(entry.get("allowBackupCodes")) != agreed:
            entry["allowBackupCodes"] = agreed
        entry["enabled"] = enabled
    mfa["enabled"] = any(m.get("enabled") is True for m in _methods(mfa))


def _set_action(mfa: dict[str, Any], action: str, *, required: bool) -> None:
    actions = writable_list(mfa, "actions")
    entries = [a for a in _actions(mfa) if a.get("action") == action]
    if required and not entries:
        actions.append({"action": action, "required": True})
    for entry in entries:
        entry["required"] = required


AREA = MfaArea()
