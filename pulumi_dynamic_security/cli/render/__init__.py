"""Renderers: turn reports into text for a person, JSON for a program, SARIF for code scanning.

One module per format (docs/cli.md#output-formats). Each renders what it is given (stage
reports, plans, drift reports) into a string; writing it somewhere, and deciding whether
colour is wanted, is the caller's job. Untrusted text goes through `escaping`, the function
for that output (docs/cli.md#untrusted-text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pulumi_dynamic_security.rules.engine import StageReport


def policy_file(report: StageReport) -> str | None:
    """The name of the policy file a stage report came from (None: built in code)."""
    source = report.stage.locator.source
    return source.file if source is not None else None
