"""Policy helpers of the service tests (clients and the request log: tests/support)."""

from __future__ import annotations

from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.policy.stages import EffectiveStage


def stage_of(text: str, name: str) -> EffectiveStage:
    """Stage `name` of the policy `text`."""
    return SecurityPolicy.from_text(text).stage(name)


def policy_text(environment_id: str, body: str, stage: str = "production") -> str:
    """A one-stage policy: `body` is the stage's keys, indented by the caller's 4 spaces."""
    return f"version: 1\nstages:\n  {stage}:\n    environment_id: {environment_id}\n{body}"
