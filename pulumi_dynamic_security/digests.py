"""Stable digests of JSON-like data: what saved plans record of the world they were made in."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def sha256_of(value: Any) -> str:
    """The SHA-256 of `value` as canonical JSON (sorted keys, no spaces): a stable digest."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
