"""One stage of a pull-request comment: what is exposed now, what changed, what remains.

Top to bottom (each part only when it has something to say):

* the environment line;
* **Exposed now** (or **Live now** when nothing live is an error): the live findings, the
  rules on the environment as it is at this moment, before any apply;
* **This pull request changes** (with a base policy): the changes the pull request makes,
  each marked by what applying it does (🟢 tightens, 🔴 weakens);
* **Drifted outside the policy** (with a base policy) or **Live against the policy**
  (without one, nothing tells the pull request apart from drift): one line per change, in
  the direction it happened ("🔴 live is weaker: `jwt_lifetime` `30d`, policy says `2h`");
* **After apply**: the findings on the settings as apply leaves them that the live findings
  do not already say (blocking ones always), naming the rules of those it does not repeat;
* the waived findings, folded into a `<details>` block.

Values are code spans and free text is escaped (`escaping.markdown_code`, `markdown`); a
`file:line` becomes a link with `--link-base` (`Links`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from pulumi_dynamic_security.cli.render import headline, plan_text
from pulumi_dynamic_security.cli.render.text import plural
from pulumi_dynamic_security.escaping import markdown, markdown_code
from pulumi_dynamic_security.mapping.changes import Change
from pulumi_dynamic_security.rules.base import Finding
from pulumi_dynamic_security.service.plan import Plan

EFFECT_BADGES = {"tightens": "🟢 tightens", "weakens": "🔴 **weakens**", "neutral": "⚪ neutral"}
LIVE_BADGES = {"weaker": "🔴 **live is weaker**", "stronger": "🟢 live is stronger",
               "neutral": "⚪ neutral"}
SEVERITY_BADGES = {"error": "⛔ error", "warning": "⚠️ warning", "note": "🔵 note"}
# What a link destination may hold as it is; everything else is percent-encoded, so that
# no `(`, `)`, `<`, `>`, space or backslash can end the link or start markup.
_URL_SAFE = "/:?&=+,;@!$'*-._~%"


def cell(text: object) -> str:
    """`text` as inline markdown that shows exactly these characters (also in a table cell)."""
    return markdown(text)


def code(text: object, *, in_table: bool = True) -> str:
    """`text` as a code span (`in_table`: inside a table cell, where `|` must be escaped)."""
    return markdown_code(text, in_table=in_table)


@dataclass(frozen=True)
class Links:
    """Where a `file:line` of the policy points: `base` + file + `#L` + line (`--link-base`,
    an https URL checked by the CLI), or nowhere."""

    base: str | None = None

    def where(self, file: str, line: int | None) -> str:
        label = cell(f"{file}:{line}" if line is not None else file)
        if self.base is None:
            return label
        relative = posixpath.normpath(file.replace("\\", "/")).lstrip("/")
        anchor = f"#L{line}" if line is not None else ""
        return f"[{label}]({quote(self.base + relative, safe=_URL_SAFE)}{anchor})"


# --- changes -------------------------------------------------------------------------------


def _value(value: Any, *, in_table: bool = False) -> str:
    if value is None:
        return "*not set*"
    return code("true" if value is True else "false" if value is False else value,
                in_table=in_table)


def describe_change(change: Change) -> str:
    """What apply does, as a table cell: settings values as code spans."""
    if change.area == "webhooks":  # its url a code span, its events listed
        return webhook_cell(change)
    if change.action == "update":
        return f"{_value(change.before, in_table=True)} → {_value(change.after, in_table=True)}"
    if change.action == "add":
        return f"add {_value(change.after, in_table=True)}"
    if change.action == "remove":
        return f"remove {_value(change.before, in_table=True)}"
    # Token changes read as in the text output (ids and dates as the JSON shows them).
    return cell(plan_text.describe_change(change))


def webhook_cell(change: Change) -> str:
    """A webhook change: its url as a code span, then the events and state in words."""
    url, what = plan_text.webhook_summary(change)
    if change.action == "add":
        return f"create {code(url)} {cell(what)}"
    return f"{code(url)}: {cell(what)}"


def change_table(changes: Sequence[Change]) -> list[str]:
    """The changes a pull request makes, each by what applying it does."""
    lines = ["| Effect | Setting | Change |", "|---|---|---|"]
    lines += [f"| {EFFECT_BADGES[c.effect]} | {code(c.path)} | {describe_change(c)} |"
              for c in changes]
    return lines


def drift_line(change: Change) -> str:
    """`- 🔴 **live is weaker**: `jwt_lifetime` `30d`, policy says `2h``."""
    reading = headline.live_reading(
        change, _value, lambda c: cell(plan_text.describe_change(c)))
    return f"- {LIVE_BADGES[change.live_effect]}: {code(change.path, in_table=False)} {reading}"


# --- findings ------------------------------------------------------------------------------


def _finding_row(finding: Finding, links: Links) -> str:
    where = code(finding.path)
    if finding.file is None:
        where += " (live)"
    else:
        where += f" ({links.where(finding.file, finding.line)})"
    severity = SEVERITY_BADGES[finding.severity.value]
    if finding.blocks:
        severity = f"**{severity}** (blocks)"
    message = cell(finding.message)
    if finding.waived:
        message += f" — *waived: {cell((finding.waiver_reason or '').strip())}*"
    elif finding.resolved_by_plan:
        message += " — *resolved by this plan*"
    elif not finding.live and not finding.managed and finding.severity.value == "error":
        message += " — *on a live value this stage does not manage: does not block*"
    rule = f"[{finding.rule}]({finding.doc_url}) {cell(finding.name)}"
    return f"| {severity} | {rule} | {where} | {message} |"


def finding_table(findings: Sequence[Finding], links: Links) -> list[str]:
    lines = ["| Severity | Rule | Where | Message |", "|---|---|---|---|"]
    return lines + [_finding_row(finding, links) for finding in findings]


def _first_blocking(findings: Sequence[Finding]) -> list[Finding]:
    # Blocking findings first, then by severity as the rules reported them.
    return sorted(findings, key=lambda f: not f.blocks)


# --- the stage -----------------------------------------------------------------------------


def environment_line(plan: Plan) -> str:
    kind = f" ({cell(plan.environment_name)})" if plan.environment_name else ""
    production = "production" if plan.stage.production else "not production"
    return f"Environment {code(plan.environment_id, in_table=False)}{kind} · {production}"


def summary(plan: Plan) -> str:
    """The stage in a few words (plain text, no markup): `exposed now · 10 changes: live is
    weaker in 9, 1 neutral`."""
    parts = []
    exposure = headline.exposure(plan)
    if exposure is not None:
        parts.append(f"exposed now: {plural(exposure.errors, 'error')} live")
    if plan.changes:
        parts.append(change_summary(plan))
    if plan.blocked:
        parts.append("blocked by policy")
    return " · ".join(parts) or "no changes"


def change_summary(plan: Plan, *, count: str = "{}") -> str:
    """`10 changes: live is weaker in 9, 1 neutral`, or with a base policy `3 changes: 1 in
    this pull request, 2 drifted`; `count` formats the count (e.g. bold)."""
    made = headline.pull_request_changes(plan)
    drifted = headline.drift_changes(plan)
    if not made:
        detail = headline.live_tally(drifted)
    else:
        detail = f"{len(made)} in this pull request" + (f", {len(drifted)} drifted"
                                                          if drifted else "")
    return f"{count.format(plural(len(plan.changes), 'change'))}: {detail}"


def stage_body(plan: Plan, links: Links) -> list[str]:
    """Everything of a stage below its heading."""
    lines = [environment_line(plan), ""]
    shown_live = headline.live_findings_shown(plan)
    live = headline.active(shown_live)
    if live:
        counts = headline.severity_counts(plan.live_findings)
        title = "🔴 **Exposed now**" if plan.exposed else "**Live now**"
        lines += [f"{title} ({counts}): the environment as it is, before any apply", "",
                  *finding_table(live, links), ""]
    made = headline.pull_request_changes(plan)
    if made:
        lines += [f"**This pull request changes** ({plan_text.effect_counts(made)})", "",
                  *change_table(made), ""]
    drifted = headline.drift_changes(plan)
    if drifted:
        title = ("**Drifted outside the policy**" if plan.changes[0].origin is not None
                 else "**Live against the policy**")
        lines += [f"{title} ({headline.live_counts(drifted)})", "",
                  *(drift_line(change) for change in drifted), ""]
    after = headline.findings_after_apply(plan)
    shown = _first_blocking(headline.active(after))
    repeated = sorted({f.rule for f in headline.active(plan.findings) if f not in after})
    also = f"also live, above: {', '.join(repeated)}" if repeated else ""
    if shown:
        lines += [f"**After apply** ({plural(len(shown), 'finding')}{'; ' + also if also else ''})",
                  "", *finding_table(shown, links), ""]
    elif also and plan.changes:
        lines += [f"**After apply** ({also}): nothing else.", ""]
    waived = [f for f in (*shown_live, *after) if f.waived]
    if waived:
        lines += ["<details><summary>" + plural(len(waived), "waived finding")
                  + "</summary>", "", *finding_table(waived, links), "", "</details>", ""]
    return lines


def has_news(plan: Plan) -> bool:
    """True when the stage has a section: changes, or findings not waived."""
    return bool(plan.changes or headline.active(plan.live_findings)
                or headline.active(plan.findings))
