"""The ids of the emulator's `demo` seed (docs/emulator.md#seeds), as the emulator itself
defines them, and an environment id that no seed has."""

from __future__ import annotations

from pulumi_dynamic_security.emulator.seeds import LEGACY_TOKEN_ID as LEGACY_TOKEN
from pulumi_dynamic_security.emulator.seeds import LIVE_ID as LIVE
from pulumi_dynamic_security.emulator.seeds import ORGANIZATION_ID as ORGANIZATION
from pulumi_dynamic_security.emulator.seeds import PROJECT_ID as PROJECT
from pulumi_dynamic_security.emulator.seeds import SANDBOX_ID as SANDBOX
from pulumi_dynamic_security.emulator.seeds import SECOND_LIVE_ID as SECOND_LIVE
from pulumi_dynamic_security.emulator.seeds import SECOND_PROJECT_ID as SECOND_PROJECT
from pulumi_dynamic_security.emulator.seeds import SECOND_SANDBOX_ID as SECOND_SANDBOX

# A well-formed environment id that is in no seed: every route answers 404 for it.
UNKNOWN_ENVIRONMENT = "0c000000-0000-4000-8000-0000000000ff"

__all__ = [
    "LEGACY_TOKEN",
    "LIVE",
    "ORGANIZATION",
    "PROJECT",
    "SANDBOX",
    "SECOND_LIVE",
    "SECOND_PROJECT",
    "SECOND_SANDBOX",
    "UNKNOWN_ENVIRONMENT",
]
