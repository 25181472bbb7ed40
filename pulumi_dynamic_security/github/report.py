"""What the action says besides dynsec's own markdown: the validate comment, the comment
when a command could not run, the outputs and the workflow annotations.

Each body starts with the marker `cli/render/markdown.py` writes for the same command and
policy path (`marker`), so that a comment made here and one rendered by `dynsec drift
--format markdown` replace each other. Text from the policy file (its path, validate's
report) is escaped once, here, for where it lands: code spans (`escaping.markdown_code`) or a
fence longer than any run of backticks in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pulumi_dynamic_security.cli.render.markdown import MarkdownOptions, marker
from pulumi_dynamic_security.escaping import backtick_fence, markdown_code, text
from pulumi_dynamic_security.exit_codes import ExitCode
from pulumi_dynamic_security.github.workflow import Level

if TYPE_CHECKING:
    from pulumi_dynamic_security.github.action import Finished

VALIDATE_VERDICTS = {
    0: "✅ **passes**: no unwaived error in any stage",
    1: "⛔ **blocked by policy**: an unwaived error finding (see below)",
}


def marker_for(command: str, policy: str) -> str:
    """The marker dynsec writes for `command` on `policy`, the path as dynsec prints it."""
    return marker(MarkdownOptions(command=command, policy=str(Path(policy))))


def _path(policy: str) -> str:
    return markdown_code(str(Path(policy)), in_table=False)


def _meaning(code: int) -> str:
    try:
        return ExitCode(code).meaning
    except ValueError:
        return "it stopped without a result"


def fenced(content: str) -> str:
    """`content` in a fence no line of it can close."""
    fence = backtick_fence(content, shortest=3)
    return f"{fence}text\n{content.rstrip()}\n{fence}"


def validate_report(policy: str, shown: Finished) -> str:
    """The comment for `dynsec validate`: marker, verdict, validate's text report."""
    verdict = VALIDATE_VERDICTS.get(
        shown.code, f"❌ **could not validate**: exit {shown.code} ({_meaning(shown.code)}); "
        "the job's log says why")
    lines = [marker_for("validate", policy), f"**dynsec validate** {_path(policy)}: {verdict}"]
    if shown.out.strip():
        lines += ["", fenced(shown.out)]
    return "\n".join(lines) + "\n"


def failed_report(command: str, policy: str, code: int) -> str:
    """The comment when drift or plan printed no report (exit 3 or 5): it replaces the last
    one, which would otherwise go on telling an outdated story."""
    return (f"{marker_for(command, policy)}\n❌ **dynsec {command} did not finish** on "
            f"{_path(policy)}: exit {code} ({_meaning(code)}). The job's log says why.\n")


def skipped_summary(command: str, policy: str) -> str:
    return (f"**dynsec {command}** {_path(policy)}: skipped, this run has no Dynamic token "
            "(a pull request from a fork or from Dependabot gets no secrets).\n")


def issue_title(policy: str) -> str:
    """The drift issue's title: one line, the path escaped as for a log (a title is plain
    text, shown in lists, notifications and e-mail subjects)."""
    return f"dynsec: drift or exposure in {text(str(Path(policy)))}"


@dataclass(frozen=True)
class Facts:
    """What the run established: dynsec's exit code and, when known, the stages."""

    command: str
    code: int
    drifted: list[str] | None
    exposed: list[str] | None

    @property
    def problem(self) -> bool | None:
        """True on drift or exposure, False when clean, None when the run cannot tell."""
        if self.drifted or self.exposed:
            return True
        if self.code == 0 and self.drifted is not None:
            return False
        return None

    def outputs(self) -> dict[str, str]:
        def listed(names: list[str] | None) -> str:
            return "" if names is None else json.dumps(names)

        return {"exit-code": str(self.code), "drifted": listed(self.drifted),
                "exposed": listed(self.exposed)}

    def announcements(self) -> list[tuple[Level, str]]:
        said: list[tuple[Level, str]] = [
            ("warning", f"dynsec: {stage} is exposed now (an error on its live settings)")
            for stage in self.exposed or ()]
        if self.drifted:
            said.append(("warning", f"dynsec {self.command}: changes pending in "
                         f"{', '.join(self.drifted)}"))
        if self.code == 1:
            said.append(("error", f"dynsec {self.command}: blocked by policy (exit 1): an "
                         "unwaived error finding; the job summary has the report."))
        elif self.code not in {0, 2}:
            said.append(("error", f"dynsec {self.command} exited {self.code} "
                         f"({_meaning(self.code)}); the log above says why."))
        return said
