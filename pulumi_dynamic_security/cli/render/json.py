"""JSON for programs: the fixed shapes of the README's "Output formats", indented, one
document, final newline. Strings are carried unchanged; what a terminal or a CI log would
act on is written as a JSON escape (`escaping.json_dumps`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pulumi_dynamic_security.cli.render import policy_file
from pulumi_dynamic_security.escaping import json_dumps
from pulumi_dynamic_security.rules.engine import StageReport

FORMAT_VERSION = 1


def dumps(document: Any) -> str:
    """Indented JSON text with a final newline (non-ASCII kept, control and format
    characters escaped)."""
    return json_dumps(document) + "\n"


def validation_document(reports: Sequence[StageReport]) -> dict[str, Any]:
    """`{"version": 1, "results": [{"file", "stage", "production", "blocked", "findings"}]}`:
    `file` names the policy each stage came from, so several files fit one report."""
    return {
        "version": FORMAT_VERSION,
        "results": [{"file": policy_file(report), **report.to_json()} for report in reports],
    }



def render_validation(reports: Sequence[StageReport]) -> str:
    """The `dynsec validate --format json` document."""
    return dumps(validation_document(reports))
