"""Values as they travel between the engine and the providers.

* **Preview.** Check and Diff run with values not known yet, which the host decodes as
  `Unknown()`; an unknown is never a failure.
* **Wire types.** Numbers travel as doubles and `None` values vanish. So every value the
  providers emit is a string, a bool, a list or a dict (durations as `"2h"`, times as
  `"2026-01-02T03:04:05Z"`), `None` is never emitted (`compact`), and keys are read with
  `.get()`.
* **Secrets.** The host answers `acceptSecrets=False`, so the engine strips secret wrappers
  before every call and afterwards marks an output secret when the input of the same name
  was. A value a provider computes under a new key (the raw API token) is wrapped by the
  provider itself (`secret`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.runtime import rpc


def is_unknown(value: Any) -> bool:
    """A value not known yet (preview): the host decodes it as `Unknown()`."""
    return isinstance(value, pulumi.output.Unknown) or value == rpc.UNKNOWN


def contains_unknown(value: Any) -> bool:
    """True when `value` is unknown or holds an unknown anywhere inside."""
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(contains_unknown(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(item) for item in value)
    return False


def compact(values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` without its `None` entries (the wire drops them; so do we, so that what we
    compare before and after a round trip is the same)."""
    return {key: value for key, value in values.items() if value is not None}


def revealed(value: Any) -> Any:
    """A value with its secret wrapper removed (the engine strips them; a direct caller of
    the provider may not)."""
    return rpc.unwrap_rpc_secret(value) if rpc.is_rpc_secret(value) else value


def secret(value: str) -> Any:
    """`value` wrapped as a Pulumi secret for the wire."""
    return rpc.wrap_rpc_secret(value)


def with_secret_output(opts: pulumi.ResourceOptions | None, name: str) -> pulumi.ResourceOptions:
    """`opts` with output `name` in `additional_secret_outputs`, so that it is a secret even
    if the provider's own wrapping (`secret`) were ever lost."""
    listed = (opts.additional_secret_outputs if opts is not None else None) or []
    if name in listed and opts is not None:
        return opts
    return pulumi.ResourceOptions.merge(
        opts, pulumi.ResourceOptions(additional_secret_outputs=[name])
    )


def config_text(value: Any) -> str | None:
    """A config value as text: config values are strings; a secret one may arrive wrapped."""
    value = revealed(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None
