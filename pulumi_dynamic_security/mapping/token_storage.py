"""`token_storage` <-> `security.auth.storage == [X]` (docs/mapping.md#token_storage).

A live value that is absent, empty or holds both storages reads as `localstorage` (the SDK
then keeps the JWT where page scripts can read it); only cookie (written once or more)
reads as `cookie`. Effect: localstorage -> cookie tightens, cookie -> localstorage weakens.
"""

from __future__ import annotations

from typing import Any

from pulumi_dynamic_security.diffing import Difference
from pulumi_dynamic_security.mapping import list_or_empty, mapping_or_empty, writable_mapping
from pulumi_dynamic_security.mapping.area import Exported, SettingsArea, not_a_change_apply_makes
from pulumi_dynamic_security.mapping.changes import Change, Effect
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.vocabulary import TOKEN_STORAGES, TokenStorage


def _storages(security: dict[str, Any]) -> list[Any]:
    return list_or_empty(mapping_or_empty(security.get("auth")).get("storage"))


class TokenStorageArea(SettingsArea):
    name = "token_storage"
    docs = "docs/mapping.md#token_storage"

    def from_live(self, security: dict[str, Any]) -> TokenStorage:
        storages = _storages(security)
        return "cookie" if storages and set(storages) == {"cookie"} else "localstorage"

    def effect(self, difference: Difference, live_form: Any, declared_form: Any) -> Effect:
        if (difference.before, difference.after) == ("localstorage", "cookie"):
            return "tightens"
        if (difference.before, difference.after) == ("cookie", "localstorage"):
            return "weakens"
        return "neutral"

    def write(self, security: dict[str, Any], change: Change) -> None:
        writable_mapping(security, "auth")["storage"] = [change.after]

    def is_kept(self, security: dict[str, Any], change: Change) -> bool:
        return bool(self.from_live(security) == change.after)

    def export(self, security: dict[str, Any]) -> Exported:
        storages = _storages(security)
        value = self.from_live(security)
        if sorted(set(map(str, storages))) == ["cookie", "localstorage"]:
            return Exported(value, (
                "live auth.storage holds both cookie and localstorage, which the policy cannot "
                "express; it reads as localstorage (the JWT stays readable by page scripts)",
            ))
        return Exported(value)

    def check_saved(self, change: Change, stage: EffectiveStage) -> None:
        if change.path != self.name or change.action != "update" \
                or change.after not in TOKEN_STORAGES:
            raise not_a_change_apply_makes(change)


AREA = TokenStorageArea()
