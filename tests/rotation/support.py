"""Helpers of the rotation tests: policies of `api_tokens` entries, the tokens held live (tokens
planted at chosen ages: tests/support/tokens.py; the CLI in-process: tests/support/cli.py).

Every test runs against the emulator over real HTTP (`emu`, reset to the `demo` seed). The
stage is `production` on the seed's live environment, which manages nothing but
`api_tokens`: the live findings on its other areas are reported but never block, so what a
test sees is rotation alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.support.cli import Result
from tests.support.cli import write_policy as write_text
from tests.support.ids import LIVE
from tests.support.policies import policy_text as one_stage
from tests.support.tokens import READ_SCOPES


@dataclass(frozen=True)
class Entry:
    """One `api_tokens` entry of a test policy."""

    name: str
    rotate_every: str = "90d"
    overlap: str = "7d"
    scopes: Sequence[str] = READ_SCOPES

    def yaml(self) -> str:
        return (f"      - name: {self.name}\n"
                f"        scopes: [{', '.join(self.scopes)}]\n"
                f"        rotate_every: {self.rotate_every}\n"
                f"        overlap: {self.overlap}\n")


def policy_text(*entries: Entry, stage: str = "production",
                environment_id: str = LIVE) -> str:
    return one_stage(environment_id, "    api_tokens:\n" + "".join(e.yaml() for e in entries),
                     stage)


def write_policy(directory: Path, *entries: Entry, **stage: str) -> Path:
    return write_text(directory, policy_text(*entries, **stage))


def live_tokens(emu: EmulatorHandle, environment_id: str = LIVE) -> dict[str, dict[str, Any]]:
    """The environment's tokens as the emulator holds them (no raw values), by id."""
    return {t["id"]: t for t in emu.state()["tokens"] if t["environment_id"] == environment_id}


def changes_of(result: Result) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = result.json()["changes"]
    return changes


def findings_of(result: Result, rule: str) -> list[dict[str, Any]]:
    return [f for f in result.json()["findings"] if f["rule"] == rule]
