"""SARIF 2.1.0 for code scanning (GitHub and others): annotations land on the policy's lines.

The log has two runs, one per kind of stage, always both (a run with no results tells code
scanning that the alerts of its category are fixed): `automationDetails.id`
`dynsec/production/` for the production stages and `dynsec/other/` for the others. A rule's
severity differs by kind (DS102 is an error in production and a note elsewhere), and code
scanning ranks a security alert by the `security-severity` of its rule's descriptor, so each
run describes its own rules with its kind's severity:

    error   -> "8.0"  (code scanning: High;   7.0-8.9)
    warning -> "5.0"  (code scanning: Medium; 4.0-6.9)
    note    -> "2.0"  (code scanning: Low;    0.1-3.9)

A rule whose severity rises with the facts (DS401 is an error with `app.high_value`) is
described at the highest level its results reach in that run. Rules a kind never reports are
not described in its run.

Locations: `artifactLocation.uri` is relative to the repository root (`--repo-root`,
default: the git top level of the first policy's directory, else the current directory) with
`uriBaseId: "%SRCROOT%"`; `originalUriBaseIds` describes that base without its absolute path
(a path of the machine that ran the check means nothing to the reader of the log). The
fingerprint (`partialFingerprints`) is that relative path, the stage, the rule and the value
the finding is about: stable when lines move, distinct across policy files. A waived finding
carries an `inSource` suppression (the waiver lives in the policy file) with its reason.

On invalid input (exit 3) the log is still written to `--output`: every run's invocation says
`executionSuccessful: false` and carries each error as a `toolExecutionNotifications` entry
(located in its file when the error has a line), beside the results of the files that loaded.
Strings are carried unchanged, JSON-escaped (`escaping.json_dumps`).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pulumi_dynamic_security._version import __version__
from pulumi_dynamic_security.cli.render import policy_file
from pulumi_dynamic_security.cli.render.json import dumps
from pulumi_dynamic_security.errors import DynsecError, PolicyFileError
from pulumi_dynamic_security.exit_codes import ExitCode
from pulumi_dynamic_security.policy.source import STDIN_NAME
from pulumi_dynamic_security.redaction import redact
from pulumi_dynamic_security.rules.base import Finding, Rule, Severity
from pulumi_dynamic_security.rules.engine import StageReport

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "dynsec"
TOOL_URI = "https://pypi.org/project/pulumi-dynamic-security/"
FINGERPRINT_KEY = "dynsecFinding/v2"
SRCROOT = "%SRCROOT%"
KINDS = ("production", "other")

# GitHub code scanning ranks security alerts by this property (0.1-10): see the docstring.
SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.NOTE: "2.0"}


def automation_id(kind: str) -> str:
    """The run's category in code scanning: `dynsec/production/` or `dynsec/other/`."""
    return f"{TOOL_NAME}/{kind}/"


def default_repo_root(files: Sequence[Path]) -> Path:
    """The git top level of the first file's directory (the nearest directory holding a
    `.git` entry: a directory, or the file of a worktree or submodule), else the current
    directory. Found without running git, which a CI container may lack or distrust."""
    start = Path(files[0]).resolve().parent if files else Path.cwd()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return Path.cwd()


def artifact_uri(file: str, base: Path | None = None) -> str:
    """`file` as a URI reference relative to `base` (default: the current directory), with
    forward slashes and percent-encoding; a file URI when no relative path exists."""
    start = base if base is not None else Path.cwd()
    try:
        relative = os.path.relpath(os.path.abspath(file), os.path.abspath(start))
    except ValueError:  # another drive on Windows: no relative path
        return Path(file).resolve().as_uri()
    return quote(Path(relative).as_posix(), safe="/")


def _artifact_location(file: str, base: Path | None) -> dict[str, Any]:
    uri = artifact_uri(file, base)
    if uri.startswith("file:"):
        return {"uri": uri}
    return {"uri": uri, "uriBaseId": SRCROOT}


def _level(severity: Severity | None) -> str:
    return severity.value if severity is not None else "none"


def _severity_words(rule: Rule) -> str:
    production = rule.production.value if rule.production else "not reported"
    other = rule.other.value if rule.other else "not reported"
    note = f" ({rule.severity_note})" if rule.severity_note else ""
    return f"Severity: {production} in production stages, {other} in other stages{note}."


def kind_severity(rule: Rule, kind: str) -> Severity | None:
    """The rule's severity in stages of `kind` (None: not reported there)."""
    return rule.production if kind == "production" else rule.other


def rule_descriptor(rule: Rule, kind: str, highest: Severity | None = None) -> dict[str, Any]:
    """A `reportingDescriptor` for one rule in the run of `kind`; `highest` is the most severe
    level of its results in that run, when that is above the rule's own severity there."""
    default = kind_severity(rule, kind)
    ranked = min((s for s in (default, highest) if s is not None), key=lambda s: s.rank,
                 default=None)
    descriptor: dict[str, Any] = {
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
        "properties": {"tags": ["security", rule.area]},
    }
    if ranked is not None:
        descriptor["properties"]["security-severity"] = SECURITY_SEVERITY[ranked]
    return descriptor


def _descriptor_from_finding(finding: Finding) -> dict[str, Any]:
    """A minimal descriptor for a finding whose rule is not in the catalogue given."""
    return {
        "id": finding.rule,
        "name": finding.name,
        "shortDescription": {"text": finding.name},
        "helpUri": finding.doc_url,
        "help": {"text": finding.remediation},
        "defaultConfiguration": {"level": finding.severity.value},
        "properties": {"tags": ["security"],
                       "security-severity": SECURITY_SEVERITY[finding.severity]},
    }


def _file(finding: Finding, report: StageReport) -> str | None:
    file = finding.file or policy_file(report)
    return None if file is None or file == STDIN_NAME else file


def _location(finding: Finding, file: str | None, base: Path | None) -> list[Any]:
    if file is None:
        return []
    physical: dict[str, Any] = {"artifactLocation": _artifact_location(file, base)}
    if finding.file is not None and finding.line is not None:
        physical["region"] = {"startLine": finding.line}
    return [{"physicalLocation": physical}]


def _fingerprint(finding: Finding, where: str) -> str:
    """Stable across line moves, distinct across files: the file (relative to the repository
    root), the stage, the rule, and the value (or path) the finding is about."""
    identity = "\x1f".join((where, finding.stage, finding.rule, finding.value or finding.path))
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def _result(finding: Finding, rule_index: int, report: StageReport,
            base: Path | None) -> dict[str, Any]:
    file = _file(finding, report)
    where = artifact_uri(file, base) if file is not None else (policy_file(report) or "")
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": finding.severity.value,
        "message": {"text": f"[{finding.stage}] {finding.message}"},
        "locations": _location(finding, file, base),
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(finding, where)},
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
            {"kind": "inSource", "justification": finding.waiver_reason or "waived"}
        ]
    return result


def _notifications(failures: Sequence[DynsecError], base: Path | None) -> Iterator[Any]:
    """Each error as a tool execution notification; a policy file's problems one by one, in
    their own words (no terminal escaping: JSON carries them), located where they have a
    file. Nothing else of the machine (no absolute path, no traceback) is added."""
    for failure in failures:
        if isinstance(failure, PolicyFileError) and failure.problems:
            for problem in failure.problems:
                notification: dict[str, Any] = {
                    "level": "error", "message": {"text": redact(problem.message)},
                }
                if problem.file != STDIN_NAME:
                    physical: dict[str, Any] = {
                        "artifactLocation": _artifact_location(problem.file, base)
                    }
                    if problem.line is not None:
                        physical["region"] = {"startLine": problem.line}
                    notification["locations"] = [{"physicalLocation": physical}]
                yield notification
        else:
            yield {"level": "error", "message": {"text": redact(failure.render())}}


def _run(kind: str, reports: Sequence[StageReport], rules: Sequence[Rule], *,
         base: Path | None, failures: Sequence[DynsecError], exit_code: int) -> dict[str, Any]:
    findings = [(report, finding) for report in reports for finding in report.findings]
    highest: dict[str, Severity] = {}
    for _, finding in findings:
        known = highest.get(finding.rule)
        if known is None or finding.severity.rank < known.rank:
            highest[finding.rule] = finding.severity
    descriptors = [rule_descriptor(rule, kind, highest.get(rule.id)) for rule in rules
                   if kind_severity(rule, kind) is not None or rule.id in highest]
    index = {descriptor["id"]: position for position, descriptor in enumerate(descriptors)}
    results = []
    for report, finding in findings:
        if finding.rule not in index:
            index[finding.rule] = len(descriptors)
            descriptors.append(_descriptor_from_finding(finding))
        results.append(_result(finding, index[finding.rule], report, base))
    invocation: dict[str, Any] = {"executionSuccessful": not failures, "exitCode": exit_code}
    if failures:
        invocation["toolExecutionNotifications"] = list(_notifications(failures, base))
    return {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": TOOL_URI,
                "rules": descriptors,
            }
        },
        "automationDetails": {"id": automation_id(kind)},
        "originalUriBaseIds": {
            SRCROOT: {"description": {"text": "The root of the repository that holds the "
                                              "policy files (dynsec validate --repo-root)."}},
        },
        "invocations": [invocation],
        "results": results,
    }


def sarif_log(
    reports: Sequence[StageReport], rules: Iterable[Rule], *, base: Path | None = None,
    failures: Sequence[DynsecError] = (),
) -> dict[str, Any]:
    """The SARIF log of `reports` (one run per kind of stage), describing the rules of
    `rules` each kind reports; `failures`: the errors of an invalid run (exit 3)."""
    catalogue = list(rules)
    if failures:
        exit_code = int(ExitCode.INVALID_INPUT)
    else:
        exit_code = int(ExitCode.BLOCKED if any(r.blocked for r in reports) else ExitCode.OK)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            _run(kind, [r for r in reports if r.stage.production == (kind == "production")],
                 catalogue, base=base, failures=failures, exit_code=exit_code)
            for kind in KINDS
        ],
    }


def render_validation(
    reports: Sequence[StageReport], rules: Iterable[Rule], *, base: Path | None = None,
    failures: Sequence[DynsecError] = (),
) -> str:
    """The `dynsec validate --format sarif` document."""
    return dumps(sarif_log(reports, rules, base=base, failures=failures))
