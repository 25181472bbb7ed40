"""Plans and drift as a pull-request comment (GitHub-flavoured markdown).

Layout, top to bottom (docs/cli.md#markdown):

* a hidden marker, `<!-- dynsec:<command>:<policy path> -->`, so that a CI job finds its
  own comment for that policy file and updates it in place;
* a one-line verdict that leads with exposure (`🔴 `production` is exposed now: 3 errors
  live (DS102, DS103, DS104)`), then drift (in the direction it happened), then what is
  blocked or could not be read, then the clean stages;
* for drift, an overview table with one row per stage, so clean stages cost one line;
* a section per stage with something to show (`markdown_stage`), exposed stages first. Past
  `OPEN_SECTIONS` sections, the others fold into `<details>`, and the comment stops at a
  stage boundary before `max_chars` with a line saying how many stages were left out and
  where the full report is (GitHub refuses a comment over 65,536 characters).

Values are code spans and free text is escaped (`escaping`); inside raw HTML (a `<details>`
summary) text goes through `escaping.html`, and the marker's path through
`escaping.html_comment`, which cannot close the comment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pulumi_dynamic_security.cli.options import DEFAULT_MAX_CHARS
from pulumi_dynamic_security.cli.render import headline
from pulumi_dynamic_security.cli.render.markdown_stage import (
    Links,
    cell,
    change_summary,
    code,
    has_news,
    stage_body,
    summary,
)
from pulumi_dynamic_security.cli.render.plan_text import effect_tally
from pulumi_dynamic_security.cli.render.text import plural
from pulumi_dynamic_security.escaping import html, html_comment
from pulumi_dynamic_security.service.drift import DriftReport, StageFailure
from pulumi_dynamic_security.service.plan import Plan

OPEN_SECTIONS = 3  # stage sections shown open; those past them fold into <details>
OVERVIEW_SHARE = 0.5  # at most this share of `max_chars` goes to the overview table
LEGEND = ("🔴 live is weaker: the environment allows more than the policy (apply tightens "
          "it) · 🟢 live is stronger: apply would loosen it to the policy.")
PR_LEGEND = ("Changes of this pull request show what applying the merged policy does: "
             "🟢 tightens or 🔴 weakens.")


@dataclass(frozen=True)
class MarkdownOptions:
    """What a comment needs beyond the report: the command and the policy path as given
    (the marker, the pointer to the full JSON), `--link-base`, and `--max-chars`."""

    command: str = "drift"
    policy: str = "dynamic-security.yaml"
    link_base: str | None = None
    max_chars: int = DEFAULT_MAX_CHARS

    @property
    def links(self) -> Links:
        return Links(self.link_base)


def marker(options: MarkdownOptions) -> str:
    """The hidden first line: `<!-- dynsec:drift:dynamic-security.yaml -->`."""
    return f"<!-- dynsec:{options.command}:{html_comment(options.policy)} -->"


# --- the verdict -----------------------------------------------------------------------------


def _names(names: Sequence[str]) -> str:
    return headline.named(names, lambda name: code(name, in_table=False))


def _exposed(plans: Sequence[Plan], *, stage_named: bool) -> list[str]:
    exposures = [e for e in map(headline.exposure, plans) if e is not None]
    parts = []
    for exposure in exposures[:headline.SPELLED_OUT]:
        who = f"{code(exposure.stage, in_table=False)} is exposed now" if stage_named \
            else "**exposed now**"
        parts.append(f"🔴 {who}: {plural(exposure.errors, 'error')} live "
                     f"({', '.join(exposure.rules)})")
    rest = [e.stage for e in exposures[headline.SPELLED_OUT:]]
    if rest:
        parts.append(f"🔴 {plural(len(rest), 'more stage')} exposed now: {_names(rest)}")
    return parts


def _changes(plans: Sequence[Plan], total: int) -> list[str]:
    parts = []
    made = [plan for plan in plans if headline.pull_request_changes(plan)]
    drifted = [plan for plan in plans if headline.drift_changes(plan)]
    if drifted:
        changes = [c for plan in drifted for c in headline.drift_changes(plan)]
        outside = " outside the policy" if changes[0].origin is not None else ""
        parts.append(f"**{len(drifted)} of {plural(total, 'stage')} drifted{outside}**: "
                     f"{_names([p.stage.name for p in drifted])} "
                     f"({headline.live_counts(changes, weaker_flag='🔴 ')})")
    if made:
        changes = [c for plan in made for c in headline.pull_request_changes(plan)]
        parts.append(f"**this pull request changes {plural(len(made), 'stage')}**: "
                     f"{_names([p.stage.name for p in made])} "
                     f"({plural(len(changes), 'change')}: "
                     f"{effect_tally(changes, weakens_flag='🔴 ')})")
    return parts


def verdict(plans: Sequence[Plan], failures: Sequence[StageFailure] = ()) -> str:
    """The drift verdict: exposure, drift, blocked, unreadable, clean."""
    total = len(plans) + len(failures)
    parts = [*_exposed(plans, stage_named=True), *_changes(plans, total)]
    blocked = [plan.stage.name for plan in plans if plan.blocked]
    if blocked:
        parts.append(f"⛔ **blocked by policy**: {_names(blocked)}")
    if failures:
        parts.append(f"❌ **{plural(len(failures), 'stage')} could not be read**: "
                     f"{_names([f.stage for f in failures])}")
    clean = [plan.stage.name for plan in plans if headline.clean(plan)]
    if clean and len(clean) == total:
        every = "every stage matches" if total != 1 else "the stage matches"
        parts.append(f"✅ **no drift**, nothing exposed: {every} the policy")
    elif clean:
        parts.append(f"✅ {plural(len(clean), 'stage')} clean: {_names(clean)}")
    return "**dynsec drift**: " + " · ".join(parts)


def plan_verdict(plan: Plan) -> str:
    parts = _exposed([plan], stage_named=False)
    made = headline.pull_request_changes(plan)
    drifted = headline.drift_changes(plan)
    if plan.changes:
        words = []
        if made:
            words.append(f"this pull request makes {len(made)}: "
                         f"{effect_tally(made, weakens_flag='🔴 ')}")
        if drifted:
            outside = f"{len(drifted)} drifted outside the policy: " if made or \
                drifted[0].origin is not None else ""
            words.append(outside + headline.live_tally(drifted, weaker_flag="🔴 "))
        parts.append(f"**{plural(len(plan.changes), 'change')} pending** ({'; '.join(words)})")
    if plan.blocked:
        rules = sorted({finding.rule for finding in plan.findings if finding.blocks})
        parts.append(f"⛔ **blocked** by {', '.join(rules)}: apply would write nothing")
    if not parts:
        parts.append("✅ **matches the policy**")
    return f"**dynsec plan** · {code(plan.stage.name, in_table=False)}: " + " · ".join(parts)


# --- the overview ----------------------------------------------------------------------------


def _findings_cell(plan: Plan) -> str:
    text = headline.severity_counts(plan.findings)
    return f"⛔ blocked: {text}" if plan.blocked else text


def _live_cell(plan: Plan) -> str:
    counts = headline.severity_counts(plan.live_findings)
    return f"🔴 **exposed**: {counts}" if plan.exposed else counts


def _changes_cell(plan: Plan) -> str:
    return change_summary(plan, count="**{}**") if plan.changes else "✅ none"


OVERVIEW_HEAD = ["| Stage | Environment | Live now | Changes | After apply |",
                 "|---|---|---|---|---|"]


def overview_row(plan: Plan) -> str:
    kind = f" ({cell(plan.environment_name)})" if plan.environment_name else ""
    return (f"| {code(plan.stage.name)} | {code(plan.environment_id)}{kind} | "
            f"{_live_cell(plan)} | {_changes_cell(plan)} | {_findings_cell(plan)} |")


def failure_row(failure: StageFailure) -> str:
    return f"| {code(failure.stage)} | | ❌ could not be read | | |"


# --- whole documents -------------------------------------------------------------------------


def render_plan(plan: Plan, options: MarkdownOptions | None = None) -> str:
    options = options or MarkdownOptions(command="plan")
    lines = [marker(options), plan_verdict(plan), "", *stage_body(plan, options.links)]
    if plan.changes:
        lines += [f"<sub>{LEGEND}</sub>"]
    return "\n".join(lines).rstrip() + "\n"


def _heading(plan: Plan) -> str:
    flag = "🔴 " if plan.exposed else ""
    return f"### {flag}{code(plan.stage.name, in_table=False)} — {cell(summary(plan))}"


def _folded(plan: Plan, body: list[str]) -> list[str]:
    flag = "🔴 " if plan.exposed else ""
    title = f"{flag}<code>{html(plan.stage.name)}</code> — {html(summary(plan))}"
    return [f"<details><summary>{title}</summary>", "", *body, "</details>", ""]


def _in_order(plans: Sequence[Plan]) -> list[Plan]:
    """Stages with a section: exposed first, then the others, each in the policy's order."""
    shown = [plan for plan in plans if has_news(plan)]
    return sorted(shown, key=lambda plan: not plan.exposed)


def render_drift(report: DriftReport, options: MarkdownOptions | None = None) -> str:
    options = options or MarkdownOptions()
    budget = options.max_chars
    head = [marker(options), verdict(report.plans, report.errors), ""]
    rows = [[overview_row(plan)] for plan in report.plans]
    rows += [[failure_row(failure)] for failure in report.errors]
    legend: list[str] = []
    if report.plans and any(plan.changes for plan in report.plans):
        legends = [LEGEND] + ([PR_LEGEND] if any(
            headline.pull_request_changes(p) for p in report.plans) else [])
        legend = [f"<sub>{' '.join(legends)}</sub>", ""]
    sections = []
    for index, plan in enumerate(_in_order(report.plans)):
        body = stage_body(plan, options.links)
        sections.append([_heading(plan), "", *body] if index < OPEN_SECTIONS
                        else _folded(plan, body))
    if report.errors:
        sections.append(["### Stages that could not be read", "",
                         *(f"- {code(f.stage, in_table=False)}: {cell(f.message)}"
                           for f in report.errors), ""])
    # The cut line at its longest (every section and row left out) always fits: the policy
    # path in it, as in the marker, can be long.
    reserve = max(_CUT_LINE_ROOM,
                  _size([_cut_line(len(sections), len(sections), len(rows), options)]))
    after_table = _size([_unlisted_row(len(rows)), "", *legend]) + reserve
    table, unlisted = _fit(rows, min(int(budget * OVERVIEW_SHARE), budget - after_table)
                           - _size(head))
    head += [*OVERVIEW_HEAD, *(row for rows_kept in table for row in rows_kept)]
    if unlisted:
        head.append(_unlisted_row(unlisted))
    head += ["", *legend]
    kept, left_out = _fit(sections, budget - _size(head) - reserve)
    lines = head + [line for section in kept for line in section]
    if left_out or unlisted:
        lines.append(_cut_line(left_out, len(sections), unlisted, options))
    return "\n".join(lines).rstrip() + "\n"


def _unlisted_row(unlisted: int) -> str:
    return f"| … | | {plural(unlisted, 'more stage')}: see the full report | | |"


_CUT_LINE_ROOM = 600  # kept for the cut line at the least


def _cut_line(left_out: int, sections: int, unlisted: int, options: MarkdownOptions) -> str:
    what = []
    if left_out:
        what.append(f"{left_out} of {plural(sections, 'stage section')} left out")
    if unlisted:
        what.append(f"{plural(unlisted, 'stage')} left out of the table")
    full = code(f"dynsec {options.command} {options.policy} --format json", in_table=False)
    return (f"✂️ **This comment stops at {options.max_chars:,} characters**: "
            f"{' and '.join(what)}. The full report: run {full} (or read the JSON "
            "artifact of this job).")


def _size(lines: Sequence[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _fit(blocks: Sequence[list[str]], room: int) -> tuple[list[list[str]], int]:
    """The first blocks (table rows, stage sections) that fit in `room` characters, and how
    many were left out: a cut always falls between two blocks."""
    used = 0
    for index, block in enumerate(blocks):
        used += _size(block)
        if used > room:
            return list(blocks[:index]), len(blocks) - index
    return list(blocks), 0
