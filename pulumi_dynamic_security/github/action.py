"""The GitHub Action (`action.yml`): run one dynsec command on one policy file, then report
(docs/github.md).

Its inputs arrive as environment variables (`DYNSEC_*`, set by the composite step; never
expanded into a script). dynsec runs as a subprocess of this interpreter, the action's own
virtual environment, with the Dynamic token as `DYNAMIC_API_TOKEN`; the GitHub token stays
in this process and goes only to `rest.GitHubRest`. Then: the report to the job summary, the
outputs `exit-code`, `drifted`, `exposed` (JSON lists of stage names), the pull request's
comment and the drift issue (`sticky`), and an exit code per docs/cli.md#exit-codes: 0 and 2
are results (the job passes; drift shows as a warning and in the outputs), 1 (blocked by
policy) and 3, 4, 5 fail the step. A pull request GitHub gives no secrets gets a notice.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_dynamic_security import bounded_json
from pulumi_dynamic_security.errors import DynsecError, InputError
from pulumi_dynamic_security.escaping import echo
from pulumi_dynamic_security.exit_codes import ExitCode, combine
from pulumi_dynamic_security.github import report
from pulumi_dynamic_security.github.base_policy import base_policy_file
from pulumi_dynamic_security.github.rest import DEFAULT_API_URL, GitHubRest
from pulumi_dynamic_security.github.sticky import sync_issue, upsert_comment
from pulumi_dynamic_security.github.workflow import (
    Context,
    add_summary,
    announce,
    context_from,
    set_outputs,
)
from pulumi_dynamic_security.redaction import Secret

COMMANDS = ("drift", "plan", "validate")
# What the job makes of dynsec's exit code: 0 and 2 are results, the others fail the step.
JOB_CODE = {0: ExitCode.OK, 2: ExitCode.OK, 1: ExitCode.BLOCKED}


@dataclass(frozen=True)
class Inputs:
    policy: str
    command: str
    stages: tuple[str, ...]
    base_policy: str
    comment: bool | None  # None: the default, on for pull requests
    sarif: str
    link_base: str
    issue: bool
    dynamic_token: str
    github_token: str


# The environment variable each input of action.yml arrives in.
VARIABLES = {name: "DYNSEC_" + name.upper().replace("-", "_") for name in (
    "policy", "command", "stages", "base-policy", "comment", "sarif", "link-base", "issue",
    "dynamic-token", "github-token")}


def _get(env: Mapping[str, str], name: str) -> str:
    return env.get(VARIABLES[name], "").strip()


def _flag(env: Mapping[str, str], name: str) -> bool | None:
    value = _get(env, name).lower()
    if value in {"", "default"}:
        return None
    if value in {"true", "false"}:
        return value == "true"
    raise InputError(f"Input {name} must be true or false.")


def inputs_from(env: Mapping[str, str]) -> Inputs:
    command = _get(env, "command") or "drift"
    if command not in COMMANDS:
        raise InputError("Input command must be drift, validate or plan.")
    policy = _get(env, "policy")
    if not policy:
        raise InputError("Input policy is required: the path of the policy file.")
    if policy.startswith("-"):  # dynsec would read it as an option (`--api-url=...`)
        raise InputError("Input policy must be a path, not start with '-'; write ./"
                         f"{echo(policy)} for a file whose name starts so.")
    stages = tuple(s for s in re.split(r"[\s,]+", _get(env, "stages")) if s)
    if command == "plan" and len(stages) != 1:
        raise InputError("command: plan needs exactly one stage in input stages.")
    issue = bool(_flag(env, "issue"))
    if issue and command == "validate":
        raise InputError("Input issue needs command drift or plan (validate reads no "
                         "environment).")
    return Inputs(
        policy=policy, command=command, stages=stages, base_policy=_get(env, "base-policy"),
        comment=_flag(env, "comment"), sarif=_get(env, "sarif"),
        link_base=_get(env, "link-base"), issue=issue,
        dynamic_token=_get(env, "dynamic-token"), github_token=_get(env, "github-token"),
    )


def job_code(code: int) -> ExitCode:
    """What the step exits with for dynsec's `code`."""
    if code in JOB_CODE:
        return JOB_CODE[code]
    try:
        return ExitCode(code)
    except ValueError:  # a crash or a signal: not a result
        return ExitCode.INVALID_INPUT


@dataclass(frozen=True)
class Finished:
    code: int
    out: str


def dynsec(args: Sequence[str], env: Mapping[str, str], token: str) -> Finished:
    """`dynsec ARGS` in this interpreter; stderr goes to the job's log as it is."""
    private = {VARIABLES["github-token"], VARIABLES["dynamic-token"]}
    child = {k: v for k, v in env.items() if k not in private}
    child["NO_COLOR"] = "1"
    if token:
        child["DYNAMIC_API_TOKEN"] = token
    done = subprocess.run(  # noqa: S603 -- our own interpreter and module, arguments as a list
        [sys.executable, "-m", "pulumi_dynamic_security.cli.main", *args],
        env=child, stdout=subprocess.PIPE, text=True, encoding="utf-8", check=False,
    )
    return Finished(done.returncode, done.stdout)


def _read_json(path: Path) -> Any:
    try:
        return bounded_json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None


def _names(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(name, str) for name in value):
        return value
    return None


def stage_facts(command: str, saved: Any) -> tuple[list[str] | None, list[str] | None]:
    """(drifted, exposed) stage names from the JSON dynsec saved; None when unknown."""
    if not isinstance(saved, dict):
        return None, None
    if command == "drift":
        return _names(saved.get("drifted")), _names(saved.get("exposed"))
    stage = saved.get("stage")
    if command != "plan" or not isinstance(stage, str):
        return None, None
    changes, exposed = saved.get("changes"), saved.get("exposed")
    return ([stage] if isinstance(changes, list) and changes else []), \
        ([stage] if exposed is True else [])


def _link_base(inputs: Inputs, context: Context) -> str | None:
    if inputs.link_base:
        return inputs.link_base
    pull = context.pull_request
    sha = (pull.head_sha if pull and pull.head_sha else None) or context.sha
    if context.server_url.startswith("https://") and context.repository and sha:
        return f"{context.server_url}/{context.repository}/blob/{sha}/"
    return None


def run_command(inputs: Inputs, context: Context, env: Mapping[str, str], work: Path
                ) -> tuple[Finished, Any]:
    """Run the command; its exit code and markdown report, and the JSON it saved."""
    stages = [arg for stage in inputs.stages for arg in ("--stage", stage)]
    if inputs.command == "validate":
        if inputs.sarif:
            dynsec(["validate", inputs.policy, *stages, "--format", "sarif", "--output",
                    inputs.sarif], env, "")
        shown = dynsec(["validate", inputs.policy, *stages], env, "")
        return Finished(shown.code, report.validate_report(inputs.policy, shown)), None
    saved = work / f"{inputs.command}.json"
    args = [inputs.command, inputs.policy, *stages, "--format", "markdown", "--out", str(saved)]
    args += ["--quiet"] if inputs.command == "drift" else ["--detailed-exitcode"]
    base = Path(inputs.base_policy) if inputs.base_policy else \
        base_policy_file(inputs.policy, context, work)
    if base is not None:
        args += ["--base-policy", str(base)]
    link_base = _link_base(inputs, context)
    if link_base:
        args += ["--link-base", link_base]
    finished = dynsec(args, env, inputs.dynamic_token)
    markdown = finished.out or report.failed_report(inputs.command, inputs.policy,
                                                    finished.code)
    return Finished(finished.code, markdown), _read_json(saved) if saved.is_file() else None


def _github(inputs: Inputs, context: Context) -> GitHubRest:
    return GitHubRest(context.api_url or DEFAULT_API_URL, Secret(inputs.github_token))


def publish(inputs: Inputs, context: Context, markdown: str, facts: report.Facts) -> None:
    """The comment and the issue, over one client; GitHubApiError on an API failure."""
    want_comment = inputs.comment if inputs.comment is not None else context.on_pull_request
    pull = context.pull_request
    comment_on: int | None = None  # the pull request to comment on
    if want_comment and (pull is None or not context.on_pull_request):
        announce("notice", "dynsec: no pull request in this event, so no comment; the "
                 "report is in the job summary.")
    elif want_comment and pull is not None and pull.from_fork \
            and context.event_name == "pull_request":
        announce("notice", "dynsec: a pull request from a fork gets a read-only token, so "
                 "no comment; the report is in the job summary.")
    elif want_comment and pull is not None and not inputs.github_token:
        announce("notice", "dynsec: no github-token, so no comment.")
    elif want_comment and pull is not None:
        comment_on = pull.number
    issue = inputs.issue and bool(inputs.github_token)
    if inputs.issue and not issue:
        announce("notice", "dynsec: no github-token, so the drift issue was not updated.")
    if comment_on is None and not issue:
        return
    with _github(inputs, context) as rest:
        if comment_on is not None:
            done = upsert_comment(rest, context.repository, comment_on, markdown)
            print(f"dynsec: {done.describe('comment')}", flush=True)
        if issue:
            done = sync_issue(rest, context.repository, markdown, problem=facts.problem,
                              title=report.issue_title(inputs.policy))
            print(f"dynsec: {done.describe('issue')}", flush=True)


def run(env: Mapping[str, str]) -> int:
    inputs = inputs_from(env)
    context = context_from(env)
    needs_token = inputs.command != "validate"
    if needs_token and context.without_secrets and not inputs.dynamic_token \
            and not env.get("DYNAMIC_API_TOKEN"):
        announce("notice", f"dynsec {inputs.command} skipped: this pull request gets no "
                 "secrets (it comes from a fork, or from Dependabot), so there is no Dynamic "
                 "token. `dynsec validate` needs none and still checks the policy.")
        add_summary(context, report.skipped_summary(inputs.command, inputs.policy))
        set_outputs(context, {"exit-code": "", "drifted": "", "exposed": ""})
        return 0
    with tempfile.TemporaryDirectory(prefix="dynsec-action-", dir=context.temp_dir) as work:
        finished, saved = run_command(inputs, context, env, Path(work))
    facts = report.Facts(inputs.command, finished.code, *stage_facts(inputs.command, saved))
    add_summary(context, finished.out)
    set_outputs(context, facts.outputs())
    for level, message in facts.announcements():
        announce(level, message)
    code = job_code(finished.code)
    try:
        publish(inputs, context, finished.out, facts)
    except DynsecError as error:
        announce("error", error.render())
        code = combine(code, error.exit_code)
    return int(code)


def main() -> None:
    try:
        code = run(os.environ)
    except DynsecError as error:
        announce("error", f"dynsec action: {error.render()}")
        code = int(error.exit_code)
    sys.exit(code)
