"""`token_storage` <-> `security.auth.storage == [X]`.

A live value that is absent, empty or holds both storages reads as `localstorage` (the SDK
then keeps the JWT where page scripts can read it); only cookie (written once or more)
reads as `cookie`. Effect: localstorage -> cookie tightens,
cookie -> localstorage weakens.
"""

from __future__ import annotations

from typing import Any

from pulumi_dynamic_security.diffing import Action, Change, Effect
from pulumi_dynamic_security.mapping import (
    Exported,
    list_or_empty,
    mapping_or_empty,
    writable_mapping,
)
from pulumi_dynamic_security.policy.stages import Area
from pulumi_dynamic_security.vocabulary import TokenStorage

AREA: Area = "token_storage"


def _storages(security: dict[str, Any]) -> list[Any]:
    return list_or_empty(mapping_or_empty(security.get("auth")).get("storage"))


def from_live(security: dict[str, Any]) -> TokenStorage:
    storages = _storages(security)
    return "cookie" if storages and set(storages) == {"cookie"} else "localstorage"


def view(value: TokenStorage | None) -> str | None:
    return value


def effect(action: Action, path: str, before: Any, after: Any, live_view: Any) -> Effect:
    if (before, after) == ("localstorage", "cookie"):
        return "tightens"
    if (before, after) == ("cookie", "localstorage"):
        return "weakens"
    return "neutral"


def apply_change(security: dict[str, Any], change: Change) -> None:
    writable_mapping(security, "auth")["storage"] = [change.after]


def holds(security: dict[str, Any], change: Change) -> bool:
    """True when the live document shows `change` made (read-back verification)."""
    return bool(from_live(security) == change.after)


def export(security: dict[str, Any]) -> Exported:
    storages = _storages(security)
    value = from_live(security)
    if sorted(set(map(str, storages))) == ["cookie", "localstorage"]:
        return Exported(value, (
            "live auth.storage holds both cookie and localstorage, which the policy cannot "
            "express; it reads as localstorage (the JWT stays readable by page scripts)",
        ))
    return Exported(value)
