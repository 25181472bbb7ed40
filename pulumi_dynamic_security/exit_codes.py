"""The exit-code contract of every `dynsec` command (docs/cli.md#exit-codes)."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What a `dynsec` exit status means.

    When several apply, the most severe wins in this order: 3, 4 and 5 over 1, and 1 over 2
    (see `combine`).
    """

    OK = 0
    BLOCKED = 1  # an unwaived `error` finding
    PENDING = 2  # changes or drift pending, or apply deliberately left something undone
    INVALID_INPUT = 3  # policy file, arguments, usage, missing token, no --yes without a TTY
    API_FAILURE = 4  # Dynamic API or network failure after retries
    STALE_PLAN = 5  # the environment changed since the plan

    @property
    def meaning(self) -> str:
        """What the code says, in the words `dynsec --help` and the demo use."""
        return _MEANINGS[self]


_MEANINGS = {
    ExitCode.OK: "ok, nothing pending",
    ExitCode.BLOCKED: "blocked by policy",
    ExitCode.PENDING: "changes or drift pending",
    ExitCode.INVALID_INPUT: "invalid input",
    ExitCode.API_FAILURE: "Dynamic API or network failure",
    ExitCode.STALE_PLAN: "environment (or, for apply --plan, policy) changed since the plan",
}

_PRECEDENCE = {
    ExitCode.OK: 0,
    ExitCode.PENDING: 1,
    ExitCode.BLOCKED: 2,
    ExitCode.STALE_PLAN: 3,
    ExitCode.API_FAILURE: 3,
    ExitCode.INVALID_INPUT: 3,
}


def combine(*codes: ExitCode) -> ExitCode:
    """The exit code that wins when several outcomes apply (first wins among equals)."""
    best = ExitCode.OK
    for code in codes:
        if _PRECEDENCE[code] > _PRECEDENCE[best]:
            best = code
    return best
