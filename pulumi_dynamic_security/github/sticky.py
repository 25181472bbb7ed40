"""One comment per policy file on a pull request, and one issue while drift lasts
(docs/github.md#the-comment, docs/github.md#the-drift-issue).

Both are found by the report's hidden marker, its first line (`<!-- dynsec:drift:PATH -->`,
written by `cli/render/markdown.py`): a comment or issue is ours for this policy file when
its body's first line is exactly that marker and a bot wrote it. Nothing else is ever
edited: another workflow's comment, a person's (even one that copies the marker), one for
another policy file. The body is the report as
dynsec rendered it (already escaped for markdown), sent as it is; only its length is
bounded here, at a line boundary, under GitHub's 65,536-character limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.escaping import echo, text
from pulumi_dynamic_security.github.rest import GitHubApiError, GitHubRest

GITHUB_BODY_LIMIT = 65_536  # characters GitHub accepts in a comment or an issue body
BODY_LIMIT = GITHUB_BODY_LIMIT - 536  # room for the cut line
DRIFT_LABEL = "dynsec-drift"
LABEL_COLOR = "d73a4a"
MARKER = re.compile(r"<!-- dynsec:(?:drift|plan|validate):[^\n]*? -->")
REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")

Action = Literal["created", "updated", "unchanged", "closed", "none"]


@dataclass(frozen=True)
class Outcome:
    """What was done, to which comment or issue (its id or number; None for `none`)."""

    action: Action
    target: int | None = None
    url: str | None = None

    def describe(self, what: str) -> str:
        """One line for the job's log; the url (from GitHub's answer) escaped as log text."""
        if self.target is None:
            return f"no {what} to update"
        where = f" ({text(self.url)})" if self.url else ""
        return f"{what} {self.target} {self.action}{where}"


def marker_of(body: str) -> str:
    """The body's first line, when it is a dynsec marker (the report must carry one)."""
    first = body.split("\n", 1)[0].rstrip("\r")
    if not MARKER.fullmatch(first):
        raise InputError("The report does not start with a dynsec marker "
                         "(`<!-- dynsec:<command>:<policy> -->`), so its comment could not be "
                         "found again.", hint="Render it with `--format markdown`.")
    return first


def carries(item: dict[str, Any], marker: str) -> bool:
    """Whether a comment or issue from the API is ours for `marker`: its first line is the
    marker and its author is automation (GitHub gives the workflow's token and app tokens an
    author of type `Bot`). A person who pastes the marker into a comment of their own never
    has the report written under their name, which a later edit of theirs could then fake."""
    user = item.get("user")
    if not isinstance(user, dict) or user.get("type") != "Bot":
        return False
    body = item.get("body")
    return isinstance(body, str) and body.split("\n", 1)[0].rstrip("\r") == marker


def bounded(body: str, limit: int = BODY_LIMIT) -> str:
    """`body` itself when it fits, else cut at the last line break before `limit` with a line
    saying so (the marker, the first line, always stays)."""
    if len(body) <= limit:
        return body
    cut = body.rfind("\n", 0, limit)
    kept = body[:cut] if cut > 0 else body[:limit]
    return (f"{kept}\n\n✂️ This report was cut at {limit:,} characters (GitHub's limit is "
            f"{GITHUB_BODY_LIMIT:,}); the job summary and the job's log have all of it.\n")


def checked_repository(repository: str) -> str:
    if not REPOSITORY.fullmatch(repository):
        raise InputError(f"GITHUB_REPOSITORY {echo(repository)} is not OWNER/NAME.",
                         hint="Run inside GitHub Actions, which sets it.")
    return repository


def _number(item: Any, key: str) -> int:
    value = item.get(key) if isinstance(item, dict) else None
    if isinstance(value, bool) or not isinstance(value, int):
        raise GitHubApiError(f"GitHub API: an answer has no numeric {key!r}.")
    return value


def _url(item: Any) -> str | None:
    url = item.get("html_url") if isinstance(item, dict) else None
    return url if isinstance(url, str) and url.startswith("https://") else None


def upsert_comment(rest: GitHubRest, repository: str, number: int, body: str) -> Outcome:
    """Update this policy file's comment on pull request `number`, or create it."""
    repo = checked_repository(repository)
    marker = marker_of(body)
    body = bounded(body)
    ours = next((c for c in rest.pages(f"/repos/{repo}/issues/{number}/comments")
                 if carries(c, marker)), None)
    if ours is None:
        made = rest.call("POST", f"/repos/{repo}/issues/{number}/comments", body={"body": body})
        return Outcome("created", _number(made, "id"), _url(made))
    comment_id = _number(ours, "id")
    if ours.get("body") == body:
        return Outcome("unchanged", comment_id, _url(ours))
    edited = rest.call("PATCH", f"/repos/{repo}/issues/comments/{comment_id}",
                       body={"body": body})
    return Outcome("updated", comment_id, _url(edited))


def _ensure_label(rest: GitHubRest, repo: str, label: str) -> None:
    if rest.call("GET", f"/repos/{repo}/labels/{quote(label, safe='')}",
                 missing_ok=True) is None:
        rest.call("POST", f"/repos/{repo}/labels", body={
            "name": label, "color": LABEL_COLOR,
            "description": "dynsec: a Dynamic environment drifted or is exposed"})


def sync_issue(rest: GitHubRest, repository: str, body: str, *, problem: bool | None,
               title: str, label: str = DRIFT_LABEL) -> Outcome:
    """Keep one open issue labelled `label` for this policy file current.

    `problem` True (drift or exposure): edit the open issue, or open one. False (clean):
    close it with the clean report. None (the run could not tell, e.g. a stage could not be
    read): edit an open issue, neither open nor close one.
    """
    repo = checked_repository(repository)
    marker = marker_of(body)
    body = bounded(body)
    ours = next((i for i in rest.pages(f"/repos/{repo}/issues",
                                       {"labels": label, "state": "open"})
                 if "pull_request" not in i and carries(i, marker)), None)
    if ours is None:
        if not problem:
            return Outcome("none")
        _ensure_label(rest, repo, label)
        made = rest.call("POST", f"/repos/{repo}/issues",
                         body={"title": title, "body": body, "labels": [label]})
        return Outcome("created", _number(made, "number"), _url(made))
    number = _number(ours, "number")
    if problem is False:
        closed = rest.call("PATCH", f"/repos/{repo}/issues/{number}",
                           body={"body": body, "state": "closed",
                                 "state_reason": "completed"})
        return Outcome("closed", number, _url(closed))
    if ours.get("body") == body:
        return Outcome("unchanged", number, _url(ours))
    edited = rest.call("PATCH", f"/repos/{repo}/issues/{number}", body={"body": body})
    return Outcome("updated", number, _url(edited))
