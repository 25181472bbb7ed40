"""The policy file as it is at the pull request's base commit (docs/github.md#base-policy),
read with git, so drift and plan can tell what the pull request changes from what drifted.

`git show BASE:./PATH` from the working directory. When the checkout lacks the base commit
(a shallow clone of the merge commit), it is fetched once, by its SHA; when that fails too,
or the file is new in the pull request, the command runs without a base policy and a notice
says why. git's own words are not repeated (they can quote the path back).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pulumi_dynamic_security.github.workflow import Context, announce

GIT_TIMEOUT_SECONDS = 120


def _git(*args: str) -> subprocess.CompletedProcess[bytes] | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        return subprocess.run(  # noqa: S603 -- git, arguments as a list
            [git, *args], capture_output=True, timeout=GIT_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None


def _ok(done: subprocess.CompletedProcess[bytes] | None) -> bool:
    return done is not None and done.returncode == 0


def base_policy_file(policy: str, context: Context, work: Path) -> Path | None:
    """The base commit's version of `policy`, written under `work`; None when there is none
    (not a pull request, or the base cannot be read)."""
    pull = context.pull_request
    if not context.on_pull_request or pull is None or pull.base_sha is None:
        return None
    sha = pull.base_sha
    relative = os.path.relpath(policy) if os.path.isabs(policy) else policy
    commit = f"{sha}^{{commit}}"
    if not _ok(_git("cat-file", "-e", commit)):
        _git("fetch", "--quiet", "--no-tags", "--depth=1", "origin", sha)
        if not _ok(_git("cat-file", "-e", commit)):
            announce("notice", "dynsec: the base commit of this pull request is not in the "
                     "checkout, so drift and the changes of the pull request are not told "
                     "apart; check out with `fetch-depth: 2` (or give base-policy).")
            return None
    shown = _git("show", f"{sha}:./{relative}")
    if shown is None or shown.returncode != 0:
        announce("notice", "dynsec: the policy file is not at the base commit (new in this "
                 "pull request?), so the report shows every change against live.")
        return None
    target = work / "base-policy.yaml"
    target.write_bytes(shown.stdout)
    return target
