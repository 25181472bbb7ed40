"""Security settings of Dynamic (dynamic.xyz) environments as code.

The Pulumi names (`EnvironmentSecurity`, the resources) are loaded lazily (PEP 562), so that
importing this package, or running the CLI, never imports `pulumi` until it is used.
"""

from __future__ import annotations

import importlib
from typing import Any

from pulumi_dynamic_security._version import __version__

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "SecurityPolicy": "pulumi_dynamic_security.policy.loader",
    "EnvironmentSecurity": "pulumi_dynamic_security.component",
    "SecuritySettings": "pulumi_dynamic_security.providers",
    "AllowedOrigins": "pulumi_dynamic_security.providers",
    "ApiTokenRotation": "pulumi_dynamic_security.providers",
}

__all__ = [
    "AllowedOrigins",
    "ApiTokenRotation",
    "EnvironmentSecurity",
    "SecurityPolicy",
    "SecuritySettings",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
