"""What a step of a GitHub Actions job reads and writes: the event, step outputs, the job
summary, and workflow commands (`::notice::`, `::warning::`, `::error::`).

A message goes through `escaping.text` (no control character, cannot begin a line) and then
the runner's own escapes (`%`, CR, LF), so text from a policy file or an API answer can never
become a workflow command of its own. Outputs are one line each (`name=value`); the values
the action writes are JSON or plain words, never free text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pulumi_dynamic_security import bounded_json
from pulumi_dynamic_security.escaping import text

Level = Literal["notice", "warning", "error"]
MAX_EVENT_BYTES = 32 * 1024 * 1024  # GitHub's payloads stay far below this
PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})
NO_SECRETS_ACTORS = frozenset({"dependabot[bot]"})  # their pull_request runs get no secrets


def command_line(level: Level, message: str) -> str:
    """`::level::message`, the message escaped for the runner."""
    data = text(message).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{level}::{data}"


def announce(level: Level, message: str) -> None:
    print(command_line(level, message), flush=True)


@dataclass(frozen=True)
class PullRequest:
    number: int
    base_sha: str | None
    head_sha: str | None
    from_fork: bool


@dataclass(frozen=True)
class Context:
    """The job as the runner describes it in its environment and event file."""

    event_name: str
    repository: str
    server_url: str
    sha: str
    actor: str
    api_url: str | None
    pull_request: PullRequest | None
    output_file: Path | None
    summary_file: Path | None
    temp_dir: Path

    @property
    def on_pull_request(self) -> bool:
        return self.event_name in PULL_REQUEST_EVENTS and self.pull_request is not None

    @property
    def without_secrets(self) -> bool:
        """A run GitHub gives no secrets: a fork's pull request (`pull_request`, not
        `pull_request_target`), or Dependabot's."""
        if self.event_name != "pull_request":
            return False
        fork = self.pull_request is not None and self.pull_request.from_fork
        return fork or self.actor in NO_SECRETS_ACTORS


def _sha(value: Any) -> str | None:
    ok = isinstance(value, str) and len(value) in {40, 64} and all(
        c in "0123456789abcdef" for c in value)
    return value if ok else None


def _pull_request(event: Any, repository: str) -> PullRequest | None:
    pull = event.get("pull_request") if isinstance(event, dict) else None
    if not isinstance(pull, dict):
        return None
    number = pull.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
        return None
    base, head = pull.get("base"), pull.get("head")
    base = base if isinstance(base, dict) else {}
    head = head if isinstance(head, dict) else {}
    head_repo = head.get("repo") if isinstance(head.get("repo"), dict) else {}
    full_name = head_repo.get("full_name") if isinstance(head_repo, dict) else None
    from_fork = bool(head_repo.get("fork")) if isinstance(head_repo, dict) else False
    if isinstance(full_name, str) and full_name != repository:
        from_fork = True
    return PullRequest(number, _sha(base.get("sha")), _sha(head.get("sha")), from_fork)


def read_event(path: str | None) -> Any:
    """The event payload, or None when there is none or it cannot be read."""
    if not path:
        return None
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_EVENT_BYTES + 1)
        if len(data) > MAX_EVENT_BYTES:
            return None
        return bounded_json.loads(data)
    except (OSError, ValueError):
        return None


def context_from(env: Mapping[str, str]) -> Context:
    repository = env.get("GITHUB_REPOSITORY", "")
    output, summary = env.get("GITHUB_OUTPUT"), env.get("GITHUB_STEP_SUMMARY")
    return Context(
        event_name=env.get("GITHUB_EVENT_NAME", ""),
        repository=repository,
        server_url=env.get("GITHUB_SERVER_URL", "").rstrip("/"),
        sha=_sha(env.get("GITHUB_SHA")) or "",
        actor=env.get("GITHUB_ACTOR", ""),
        api_url=env.get("GITHUB_API_URL") or None,
        pull_request=_pull_request(read_event(env.get("GITHUB_EVENT_PATH")), repository),
        output_file=Path(output) if output else None,
        summary_file=Path(summary) if summary else None,
        temp_dir=Path(env.get("RUNNER_TEMP") or os.environ.get("TMPDIR") or "/tmp"),  # noqa: S108
    )


def set_outputs(context: Context, outputs: Mapping[str, str]) -> None:
    """Append `name=value` lines to `$GITHUB_OUTPUT` (values are single-line)."""
    if context.output_file is None:
        return
    lines = "".join(f"{name}={value}\n" for name, value in outputs.items()
                    if "\n" not in value and "\r" not in value)
    with context.output_file.open("a", encoding="utf-8") as handle:
        handle.write(lines)


def add_summary(context: Context, markdown: str) -> None:
    """Append the report to the job summary (`$GITHUB_STEP_SUMMARY`)."""
    if context.summary_file is None or not markdown:
        return
    with context.summary_file.open("a", encoding="utf-8") as handle:
        handle.write(markdown if markdown.endswith("\n") else markdown + "\n")
