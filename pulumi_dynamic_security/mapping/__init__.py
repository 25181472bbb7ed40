"""Mapping between the policy and Dynamic's API, one module per settings area.

Every settings-document area (`jwt_lifetime`, `token_storage`, `mfa`) has the same shape:

* `from_live(security)`: the live value in the policy's words (`security` is the raw
  `settings.security` object; absent or malformed parts read as Dynamic's behaviour);
* `view(value, ...)`: the normalized value that `diffing.compare` sees;
* `effect(action, path, before, after, live_view)`: tightens / weakens / neutral, by the
  area's documented rule;
* `apply_change(security, change)`: write one change into a copy of `settings.security`,
  touching nothing else;
* `export(security)`: the value `dynsec export` writes, plus comments on what the policy
  cannot represent.

`allowed_origins` and `api_tokens` live behind their own endpoints, so instead of
`apply_change` they tell the executor which requests to make (`service/apply.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Exported:
    """What `export` writes for one area: a value (None: leave the area out) and comments."""

    value: Any
    comments: tuple[str, ...] = field(default=())


def mapping_or_empty(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one (for readers of untrusted JSON)."""
    return value if isinstance(value, dict) else {}


def list_or_empty(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def writable_mapping(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """`parent[key]` as a dict to write into; an absent or malformed value is replaced by a
    new empty one (for writers, e.g. `writable_mapping(settings, "security")`)."""
    value = parent.get(key)
    if not isinstance(value, dict):
        value = parent[key] = {}
    return value


def writable_list(parent: dict[str, Any], key: str) -> list[Any]:
    """`parent[key]` as a list to append to; an absent or malformed value is replaced by a
    new empty one."""
    value = parent.get(key)
    if not isinstance(value, list):
        value = parent[key] = []
    return value
