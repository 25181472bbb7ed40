"""The httpx client for Dynamic's admin API: everything online goes through `DynamicClient`.

`DynamicClient` is loaded on first use (PEP 562), so that importing a light module of this
package (`api.config`, `api.errors`, `api.models`) does not import the HTTP stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pulumi_dynamic_security.api.config import ClientConfig, RetryPolicy

if TYPE_CHECKING:
    from pulumi_dynamic_security.api.client import DynamicClient

__all__ = ["ClientConfig", "DynamicClient", "RetryPolicy"]


def __getattr__(name: str) -> Any:
    if name == "DynamicClient":
        from pulumi_dynamic_security.api.client import DynamicClient

        return DynamicClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
