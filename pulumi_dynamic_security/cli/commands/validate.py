"""`dynsec validate POLICY... [--stage S]... [--format text|json|sarif] [--output FILE]
[--repo-root DIR]`.

Loads every policy named (`-` reads one from standard input, named `<stdin>` in the report),
runs the offline rules on the selected stages of each (every stage unless `--stage` names
some), prints one report, and exits with the worst outcome: 3 when a file (or an argument) is
invalid, else 1 when a selected stage is blocked by an unwaived error, else 0. A file that
cannot be used does not stop the others from being read, so every broken file is named at
once; on exit 3 stdout stays empty, and only a SARIF `--output` is still written (the
findings of the files that loaded, and each error as a tool execution notification), so an
upload step that always runs has a file to upload.

`--stage` with several files: a stage is checked in every file that has it; a file without
it is skipped for that stage (the text report says so); a stage that no file has is exit 3.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from pulumi_dynamic_security import escaping
from pulumi_dynamic_security.cli.options import (
    debug_option,
    format_option,
    output_option,
    stage_option,
)
from pulumi_dynamic_security.cli.output import (
    refuse_overwriting,
    stdout_wants_color,
    write_output,
)
from pulumi_dynamic_security.cli.render import policy_file
from pulumi_dynamic_security.errors import DynsecError, InputError
from pulumi_dynamic_security.exit_codes import ExitCode
from pulumi_dynamic_security.policy.loader import SecurityPolicy
from pulumi_dynamic_security.policy.source import STDIN_NAME, read_text
from pulumi_dynamic_security.rules.engine import StageReport, evaluate
from pulumi_dynamic_security.suggestions import did_you_mean

FORMATS = ("text", "json", "sarif")
STDIN = Path("-")


@click.command(name="validate")
@click.argument(
    "policies", nargs=-1, required=True, metavar="POLICY...",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
)
@stage_option(multiple=True,
              help="Check only this stage (repeat for several). Default: every stage.")
@format_option(*FORMATS)
@output_option(help="Write the report to FILE (replaced atomically) instead of stdout.")
@click.option(
    "--repo-root", type=click.Path(file_okay=False, path_type=Path), default=None,
    metavar="DIR",
    help="SARIF: the directory artifact URIs are relative to (uriBaseId %SRCROOT%). "
    "Default: the git top level of the first policy's directory, else the current directory.",
)
@debug_option
def command(policies: tuple[Path, ...], stages: tuple[str, ...], output_format: str,
            output: Path | None, repo_root: Path | None) -> int:
    """Check the declared policy against the security rules, per stage.

    Several files give one report; `-` reads a policy from standard input. Exit 0 when no
    selected stage is blocked, 1 when one is (an unwaived error), 3 when a policy file or
    the arguments are invalid.
    """
    named = list(dict.fromkeys(policies))
    files = [path for path in named if path != STDIN]
    if output is not None:
        refuse_overwriting(output, files, option="--output")
    run = check(named, stages)
    if run.failures:
        if output is not None and output_format == "sarif":
            sarif_text = render(run.reports, "sarif", repo_root=repo_root, files=files,
                                failures=run.failures)
            try:
                write_output(output, sarif_text, protect=files)
            except InputError as exc:
                run.failures.append(exc)
        raise _one_error(run.failures)
    color = output is None and output_format == "text" and stdout_wants_color()
    text = render(run.reports, output_format, color=color, repo_root=repo_root, files=files,
                  absent=run.absent)
    if output is None:
        click.echo(text, nl=False, color=color)
    else:
        write_output(output, text, protect=files)
        click.echo(escaping.text(_written_note(run.reports, output_format, output)), err=True)
    return ExitCode.BLOCKED if any(report.blocked for report in run.reports) else ExitCode.OK


@dataclass
class Run:
    """What `validate` found: the reports of the files that loaded, the errors of the others
    (and of the arguments), and per file the selected stages it does not have."""

    reports: list[StageReport] = field(default_factory=list)
    failures: list[DynsecError] = field(default_factory=list)
    absent: dict[str, tuple[str, ...]] = field(default_factory=dict)


def check(paths: Sequence[Path], stages: Sequence[str]) -> Run:
    """Load each of `paths` (`-`: standard input) and evaluate its selected stages."""
    run = Run()
    loaded: list[SecurityPolicy] = []
    for path in paths:
        try:
            loaded.append(_load(path))
        except InputError as exc:  # a PolicyFileError, or stdin that is a terminal
            run.failures.append(exc)
    wanted = list(dict.fromkeys(stages))
    if wanted and not run.failures:
        unknown = [name for name in wanted if not any(name in p.stages for p in loaded)]
        if unknown:
            run.failures.append(_unknown_stage(unknown[0], loaded))
    for policy in loaded:
        if not wanted:
            run.reports.extend(evaluate(stage) for stage in policy.select())
            continue
        present = [name for name in wanted if name in policy.stages]
        missing = tuple(name for name in wanted if name not in policy.stages)
        if missing:
            run.absent[policy.file or STDIN_NAME] = missing
        if present:
            run.reports.extend(evaluate(stage) for stage in policy.select(present))
    return run


def _load(path: Path) -> SecurityPolicy:
    if path != STDIN:
        return SecurityPolicy.load(path)
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise InputError("`-` reads the policy from standard input, and there is none.",
                         hint="Pipe the policy in, or name the file.")
    if stream.isatty():
        raise InputError(
            "`-` reads the policy from standard input, which is a terminal here.",
            hint="Pipe the policy in (`dynsec validate - < dynamic-security.yaml`), or name "
            "the file.",
        )
    try:
        text = read_text(stream, STDIN_NAME)
    except OSError as exc:
        raise InputError(f"cannot read standard input ({exc.strerror or exc}).",
                         hint="Pipe the policy in, or name the file.") from None
    return SecurityPolicy.from_text(text, STDIN_NAME)


def _unknown_stage(name: str, loaded: Sequence[SecurityPolicy]) -> InputError:
    if len(loaded) == 1:
        try:
            loaded[0].stage(name)
        except InputError as exc:
            return exc
    every = [stage for policy in loaded for stage in policy.stages]
    suggestion = did_you_mean(name, every)
    return InputError(
        f"no policy file named has a stage {name!r}{suggestion}"
        + ("" if suggestion.endswith("?") else "."),
        hint="Use one of the stage names under `stages:` of those files.",
    )


class PolicyFilesError(InputError):
    """Several inputs that cannot be used: each one's own message, one after the other."""

    def __init__(self, errors: Sequence[DynsecError]):
        self.errors = tuple(errors)
        super().__init__(f"{len(self.errors)} problems with the files or arguments named")

    def render(self) -> str:
        # Each error its own paragraph, each led by "Error: " as the first one is.
        return "\nError: ".join(error.render() for error in self.errors)


def _one_error(failures: Sequence[DynsecError]) -> DynsecError:
    return failures[0] if len(failures) == 1 else PolicyFilesError(failures)


def render(reports: list[StageReport], output_format: str, *, color: bool = False,
           repo_root: Path | None = None, files: Sequence[Path] = (),
           failures: Sequence[DynsecError] = (),
           absent: dict[str, tuple[str, ...]] | None = None) -> str:
    """The report in `output_format` (one of FORMATS); SARIF's URIs are relative to
    `repo_root`, by default the repository of the first of `files`."""
    if output_format == "json":
        from pulumi_dynamic_security.cli.render import json as json_render

        return json_render.render_validation(reports)
    if output_format == "sarif":
        from pulumi_dynamic_security.cli.render import sarif
        from pulumi_dynamic_security.rules.catalog import RULES

        base = repo_root if repo_root is not None else sarif.default_repo_root(files)
        return sarif.render_validation(reports, RULES, base=base, failures=failures)
    from pulumi_dynamic_security.cli.render import text

    return text.render_validation(reports, color=color, absent=absent or {})


def _written_note(reports: list[StageReport], output_format: str, output: Path) -> str:
    files = {(policy_file(report) or STDIN_NAME) for report in reports}
    blocked = [
        report.stage.name + (f" ({(policy_file(report) or STDIN_NAME)})" if len(files) > 1 else "")
        for report in reports if report.blocked
    ]
    verdict = (
        f"blocked: {', '.join(blocked)}" if blocked else "no stage blocked"
    )
    count = len(reports)
    return (
        f"Wrote the {output_format} report on {count} stage{'s' if count != 1 else ''} "
        f"to {output} ({verdict})."
    )

