"""The httpx client for Dynamic's admin API: everything online goes through `DynamicClient`."""

from __future__ import annotations

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.config import ClientConfig, RetryPolicy

__all__ = ["ClientConfig", "DynamicClient", "RetryPolicy"]
