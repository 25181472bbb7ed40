"""Running the rules on one stage: hits become findings, then waivers apply (docs/rules.md).

Order of work for a stage:
1. every rule reported for the stage's kind runs on the context (the (live) rules only when
   live facts are given, and not a rule that needs an audit read Dynamic refused: a note
   says so instead, `audit_reads.py`);
2. each hit becomes a `Finding`, located in the policy file unless it is about a live value,
   and marked unmanaged (never blocks) when the value came from the live environment or the
   rule is about what no area manages (`Rule.audit`);
3. waivers: an expired one (past its `expires` UTC day) is reported as DS901 and covers
   nothing; a current one waives the matching findings (same rule, and the same value when
   it lists `values`); one that waived nothing is reported as DS902 (offline, not for the
   (live) rules, which `validate` cannot see);
4. findings the planned changes resolve (`resolved`) are marked and never block.

Online, the rules also judge the environment as it is now (`now`): those are the *live
findings* (docs/rules.md#live-findings), reported beside the findings on the settings after
apply and never blocking. Waivers cover them too, and a waiver is unused (DS902) only when it
covered nothing in either evaluation; DS901/DS902 are reported once, with the findings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pulumi_dynamic_security import clock
from pulumi_dynamic_security.errors import PolicyBlockedError
from pulumi_dynamic_security.policy.areas import AREAS
from pulumi_dynamic_security.policy.stages import EffectiveStage, StageWaiver
from pulumi_dynamic_security.rules import audit_reads
from pulumi_dynamic_security.rules.base import (
    Finding,
    Hit,
    JudgedSettings,
    LiveFacts,
    Rule,
    RuleContext,
    Severity,
)

WAIVER_EXPIRED = "DS901"
WAIVER_UNUSED = "DS902"
NOTHING_WRITTEN = "nothing was written"
_BLOCKED_HINT = "Fix the policy, or add a waiver with a reason and an expiry"


@dataclass
class StageReport:
    """The findings on one stage, and which areas were skipped because they are unmanaged."""

    stage: EffectiveStage
    findings: list[Finding]
    skipped_areas: tuple[str, ...] = field(default=())
    # the findings on the environment as it is now (online only; empty offline)
    live_findings: list[Finding] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(finding.blocks for finding in self.findings)

    @property
    def exposed(self) -> bool:
        """True when an unwaived live finding is an error: the environment is exposed now."""
        return any(finding.exposes for finding in self.live_findings)

    def blocked_error(
        self,
        error: type[PolicyBlockedError] = PolicyBlockedError,
        *,
        outcome: str | None = NOTHING_WRITTEN,
        details: bool = True,
        environment: bool = False,
        also: str | None = None,
    ) -> PolicyBlockedError:
        """The one "stage is blocked" error (exit 1): `Stage 'x' [(environment E)] is blocked
        by DS102[; nothing was written]: DS102 origin-wildcard at allowed_origins[0] (file:5):
        <message>.` Without `details` (the findings were just shown) the rules are only named.
        `also` ends the hint (e.g. where else the findings show)."""
        blocking = [finding for finding in self.findings if finding.blocks]
        rules = ", ".join(sorted({finding.rule for finding in blocking}))
        where = f" (environment {self.stage.environment_id})" if environment else ""
        then = f"; {outcome}" if outcome else ""
        if details:
            listed = "; ".join(described(finding) for finding in blocking)
            message = f"Stage {self.stage.name!r}{where} is blocked by {rules}{then}: {listed}."
        else:
            message = f"Stage {self.stage.name!r}{where} is blocked by policy ({rules}){then}."
        return error(message, hint=f"{_BLOCKED_HINT}{'; ' + also if also else ''}.")

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage.name,
            "production": self.stage.production,
            "blocked": self.blocked,
            "findings": [finding.to_json() for finding in self.findings],
        }


def evaluate(
    stage: EffectiveStage,
    *,
    settings: JudgedSettings | None = None,
    live: LiveFacts | None = None,
    rules: Sequence[Rule] | None = None,
    today: date | None = None,
    resolved: Callable[[Finding], bool] | None = None,
    now: JudgedSettings | None = None,
) -> StageReport:
    """Judge one stage. Offline when `live` is None: the declared policy, no (live) rules.
    Online, `now` (the environment as it is now, every area read live) is judged too, into
    the report's `live_findings`."""
    if rules is None:
        from pulumi_dynamic_security.rules.catalog import RULES

        rules = RULES
    settings = settings if settings is not None else JudgedSettings.declared(stage)
    by_id: dict[str, Rule] = {rule.id: rule for rule in rules}
    findings = _judge(stage, settings, live, rules)
    # The reads Dynamic refused: a note each, once per stage (not among the live findings).
    findings.extend(_finding(rule, hit, Severity.NOTE, stage, settings)
                    for rule, hit in audit_reads.notes(stage, live, rules))
    live_findings: list[Finding] = []
    if now is not None and live is not None:
        live_findings = _judge(stage, now, live,
                               [rule for rule in rules if not rule.declared_only])
        for finding in live_findings:
            finding.live = True
    findings.extend(_apply_waivers(stage, [*findings, *live_findings], by_id,
                                   today or clock.utc_today(), offline=live is None))
    for judged in (findings, live_findings):
        if resolved is not None:
            for finding in judged:
                finding.resolved_by_plan = resolved(finding)
        judged.sort(key=lambda f: (f.severity.rank, f.rule, f.path))
    skipped = tuple(
        area for area in AREAS if area != "api_tokens" and live is None and not stage.manages(area)
    )
    return StageReport(stage=stage, findings=findings, skipped_areas=skipped,
                       live_findings=live_findings)


def _judge(stage: EffectiveStage, settings: JudgedSettings, live: LiveFacts | None,
           rules: Sequence[Rule]) -> list[Finding]:
    """The findings of every rule reported for the stage's kind on `settings` (the (live)
    rules only with `live`); waivers not applied yet."""
    context = RuleContext(stage=stage, settings=settings, live=live)
    findings: list[Finding] = []
    for rule in rules:
        if rule.area == "waivers" or (rule.live and live is None):
            continue
        severity = rule.severity_for(stage)
        if severity is None or audit_reads.skipped(rule, live):
            continue
        for hit in rule.check(context):
            findings.append(_finding(rule, hit, severity, stage, settings))
    return findings


def described(finding: Finding) -> str:
    """`DS102 origin-wildcard at allowed_origins[0] (dynamic-security.yaml:5): <message>`."""
    where = finding.path
    if finding.file is not None:
        line = f":{finding.line}" if finding.line is not None else ""
        where = f"{finding.path} ({finding.file}{line})"
    return f"{finding.rule} {finding.name} at {where}: {finding.message}"


def _finding(
    rule: Rule, hit: Hit, severity: Severity, stage: EffectiveStage, settings: JudgedSettings
) -> Finding:
    from_live = settings.is_live(hit.path)
    file, line = (None, None) if hit.on_live_value or from_live else stage.locate(hit.path)
    return Finding(
        rule=rule.id,
        name=rule.name,
        severity=hit.severity or severity,
        stage=stage.name,
        path=hit.path,
        message=hit.message,
        remediation=hit.remediation or rule.remediation,
        doc_url=rule.doc_url,
        file=file,
        line=line,
        value=hit.value,
        managed=not from_live and not rule.audit,
    )


def _apply_waivers(
    stage: EffectiveStage,
    findings: list[Finding],
    rules: dict[str, Rule],
    today: date,
    *,
    offline: bool,
) -> list[Finding]:
    """Waive what current waivers cover (in `findings`: those on the settings after apply
    and, online, the live ones); return the DS901/DS902 findings about the waivers."""
    about_waivers: list[Finding] = []
    for entry in stage.waivers:
        waiver = entry.waiver
        if today > waiver.expires:
            about_waivers.extend(_waiver_finding(
                rules, WAIVER_EXPIRED, stage, entry,
                f"waiver for {waiver.rule} expired on {waiver.expires.isoformat()}; the findings "
                "it covered are active again",
            ))
            continue
        used = False
        for finding in findings:
            if finding.rule != waiver.rule or finding.waived:
                continue
            if waiver.values is not None and finding.value not in waiver.values:
                continue
            finding.waived, finding.waiver_reason, used = True, waiver.reason, True
        waived_rule = rules.get(waiver.rule)
        invisible = offline and waived_rule is not None and waived_rule.live
        if not used and not invisible:
            values = f" on {', '.join(waiver.values)}" if waiver.values else ""
            about_waivers.extend(_waiver_finding(
                rules, WAIVER_UNUSED, stage, entry,
                f"waiver for {waiver.rule}{values} matched no finding in stage {stage.name!r}; "
                "remove it, or narrow its stages",
            ))
    return about_waivers


def _waiver_finding(
    rules: dict[str, Rule], rule_id: str, stage: EffectiveStage, entry: StageWaiver, message: str
) -> list[Finding]:
    rule = rules.get(rule_id)
    if rule is None:
        return []
    severity = rule.severity_for(stage)
    if severity is None:
        return []
    hit = Hit(path=f"waivers[{entry.index}]", message=message, value=entry.waiver.rule)
    return [_finding(rule, hit, severity, stage, JudgedSettings())]
