"""SARIF 2.1.0 for code scanning (GitHub and others): annotations land on the policy's lines.

One run; the tool driver `dynsec` describes every rule of the catalogue (so a scanner can
show a rule's help even for results it has not seen yet); each finding is a result with its
rule, level, message and a location in the policy file, with `artifactLocation.uri` relative
to the current directory (forward slashes). A waived finding carries an external suppression
with the waiver's reason, so code scanning shows it as dismissed rather than hiding it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pulumi_dynamic_security._version import __version__
from pulumi_dynamic_security.cli.render.json import dumps
from pulumi_dynamic_security.rules.base import Finding, Rule, Severity
from pulumi_dynamic_security.rules.engine import StageReport

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "dynsec"
TOOL_URI = "https://pypi.org/project/pulumi-dynamic-security/"
FINGERPRINT_KEY = "dynsecFinding/v1"

# GitHub code scanning ranks security alerts by this property (0.1-10).
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.NOTE: "2.0"}


def artifact_uri(file: str, base: Path | None = None) -> str:
    """`file` as a URI reference relative to `base` (default: the current directory), with
    forward slashes and percent-encoding; a file URI when no relative path exists."""
    start = base if base is not None else Path.cwd()
    try:
        relative = os.path.relpath(os.path.abspath(file), os.path.abspath(start))
    except ValueError:  # another drive on Windows: no relative path
        return Path(file).resolve().as_uri()
    return quote(Path(relative).as_posix(), safe="/")


def _level(severity: Severity | None) -> str:
    return severity.value if severity is not None else "none"


def _severity_words(rule: Rule) -> str:
    production = rule.production.value if rule.production else "not reported"
    other = rule.other.value if rule.other else "not reported"
    note = f" ({rule.severity_note})" if rule.severity_note else ""
    return f"Severity: {production} in production stages, {other} in other stages{note}."


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    """A `reportingDescriptor` for one rule of the catalogue."""
    default = rule.production or rule.other
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": f"{rule.summary} {_severity_words(rule)}"},
        "helpUri": rule.doc_url,
        "help": {
            "text": f"{rule.remediation}\n\nDocumentation: {rule.doc_url}",
            "markdown": f"{rule.remediation}\n\n[Documentation]({rule.doc_url})",
        },
        "defaultConfiguration": {"level": _level(default)},
        "properties": {
            "tags": ["security", rule.area],
            "security-severity": _SECURITY_SEVERITY[default] if default else "0.0",
        },
    }


def _descriptor_from_finding(finding: Finding) -> dict[str, Any]:
    """A minimal descriptor for a finding whose rule is not in the catalogue given."""
    return {
        "id": finding.rule,
        "name": finding.name,
        "shortDescription": {"text": finding.name},
        "helpUri": finding.doc_url,
        "help": {"text": finding.remediation},
        "defaultConfiguration": {"level": finding.severity.value},
    }


def _location(finding: Finding, policy_file: str | None, base: Path | None) -> list[Any]:
    file = finding.file or policy_file
    if file is None:
        return []
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(file, base)}}
    if finding.file is not None and finding.line is not None:
        physical["region"] = {"startLine": finding.line}
    return [{"physicalLocation": physical}]


def _fingerprint(finding: Finding) -> str:
    """Stable across line moves: the stage, the rule, and the value (or path) it is about."""
    identity = "\x1f".join((finding.stage, finding.rule, finding.value or finding.path))
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def _result(
    finding: Finding, rule_index: int, policy_file: str | None, base: Path | None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.severity.value,
        "message": {"text": f"[{finding.stage}] {finding.message}"},
        "locations": _location(finding, policy_file, base),
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(finding)},
        "properties": {
            "stage": finding.stage,
            "path": finding.path,
            "remediation": finding.remediation,
            "resolvedByPlan": finding.resolved_by_plan,
        },
    }
    if not result["locations"]:
        del result["locations"]
    if finding.waived:
        result["suppressions"] = [
            {"kind": "external", "justification": finding.waiver_reason or "waived"}
        ]
    return result


def _policy_file(report: StageReport) -> str | None:
    source = report.stage.locator.source
    return source.file if source is not None else None


def sarif_log(
    reports: Sequence[StageReport], rules: Iterable[Rule], *, base: Path | None = None
) -> dict[str, Any]:
    """The SARIF log object for the findings of `reports`, describing every rule in `rules`."""
    descriptors = [rule_descriptor(rule) for rule in rules]
    index = {descriptor["id"]: position for position, descriptor in enumerate(descriptors)}
    results = []
    for report in reports:
        policy_file = _policy_file(report)
        for finding in report.findings:
            if finding.rule not in index:
                index[finding.rule] = len(descriptors)
                descriptors.append(_descriptor_from_finding(finding))
            results.append(_result(finding, index[finding.rule], policy_file, base))
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{
            "tool": {
                "driver": {
                    "name": TOOL_NAME,
                    "version": __version__,
                    "semanticVersion": __version__,
                    "informationUri": TOOL_URI,
                    "rules": descriptors,
                }
            },
            "results": results,
        }],
    }


def render_validation(
    reports: Sequence[StageReport], rules: Iterable[Rule], *, base: Path | None = None
) -> str:
    """The `dynsec validate --format sarif` document."""
    return dumps(sarif_log(reports, rules, base=base))
