"""JSON for programs: the fixed shapes of SPEC §4, indented, one document, final newline."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pulumi_dynamic_security.rules.engine import StageReport

FORMAT_VERSION = 1


def dumps(document: Any) -> str:
    """Indented JSON text with a final newline (non-ASCII kept as is)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def validation_document(reports: Sequence[StageReport]) -> dict[str, Any]:
    """`{"version": 1, "results": [{"stage", "production", "blocked", "findings"}]}`."""
    return {"version": FORMAT_VERSION, "results": [report.to_json() for report in reports]}


def render_validation(reports: Sequence[StageReport]) -> str:
    """The `dynsec validate --format json` document."""
    return dumps(validation_document(reports))
