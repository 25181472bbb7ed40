"""The machine-output keys and vocabularies docs/cli.md#output-formats fixes."""

from __future__ import annotations

from typing import Any

from pulumi_dynamic_security.policy.areas import AREAS

PLAN_KEYS = {"version", "stage", "environment_id", "production", "changes", "findings",
             "live_findings", "exposed", "blocked"}
CHANGE_KEYS = {"area", "action", "path", "before", "after", "effect", "live_effect", "origin"}
DRIFT_KEYS = {"version", "stages", "drifted", "exposed", "errors"}
# The mirror of each effect: a change that tightens means live is weaker.
LIVE_EFFECT_OF = {"tightens": "weaker", "weakens": "stronger", "neutral": "neutral"}
FINDING_KEYS = {
    "rule", "name", "severity", "stage", "path", "message", "remediation", "doc_url", "waived",
    "waiver_reason", "resolved_by_plan", "file", "line",
}


def assert_plan_shape(plan: dict[str, Any]) -> None:
    """Exactly the keys docs/cli.md#output-formats fixes, with the fixed vocabularies."""
    assert set(plan) == PLAN_KEYS
    assert plan["version"] == 2
    for change in plan["changes"]:
        assert set(change) == CHANGE_KEYS
        assert change["area"] in AREAS
        assert change["action"] in {"add", "remove", "update", "rotate", "revoke"}
        assert change["effect"] in {"tightens", "weakens", "neutral"}
        assert change["live_effect"] == LIVE_EFFECT_OF[change["effect"]]
        assert change["origin"] in {None, "policy", "drift"}
    for finding in [*plan["findings"], *plan["live_findings"]]:
        assert set(finding) == FINDING_KEYS
        assert finding["severity"] in {"error", "warning", "note"}
    assert plan["exposed"] is any(
        f["severity"] == "error" and not f["waived"] for f in plan["live_findings"])
