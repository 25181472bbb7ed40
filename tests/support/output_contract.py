"""The machine-output keys and vocabularies docs/cli.md#output-formats fixes."""

from __future__ import annotations

from typing import Any

from pulumi_dynamic_security.policy.areas import AREAS

PLAN_KEYS = {"stage", "environment_id", "production", "changes", "findings", "blocked"}
CHANGE_KEYS = {"area", "action", "path", "before", "after", "effect"}
FINDING_KEYS = {
    "rule", "name", "severity", "stage", "path", "message", "remediation", "doc_url", "waived",
    "waiver_reason", "resolved_by_plan", "file", "line",
}


def assert_plan_shape(plan: dict[str, Any]) -> None:
    """Exactly the keys docs/cli.md#output-formats fixes, with the fixed vocabularies."""
    assert set(plan) == PLAN_KEYS
    for change in plan["changes"]:
        assert set(change) == CHANGE_KEYS
        assert change["area"] in AREAS
        assert change["action"] in {"add", "remove", "update", "rotate", "revoke"}
        assert change["effect"] in {"tightens", "weakens", "neutral"}
    for finding in plan["findings"]:
        assert set(finding) == FINDING_KEYS
        assert finding["severity"] in {"error", "warning", "note"}
