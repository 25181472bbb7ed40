"""Progress on standard error while a long command runs (docs/cli.md#progress).

`drift` says one line per stage as each is done, `apply` one line per step (reading, each
write); only when standard error is a terminal, where a person is waiting, and never with
`--quiet`. Nothing goes to standard output, so what a script reads is the same either way.
Stage names and API text go through `escaping.text`.
"""

from __future__ import annotations

import sys
from typing import IO, TYPE_CHECKING

import click

from pulumi_dynamic_security.escaping import text

if TYPE_CHECKING:
    from pulumi_dynamic_security.service.drift import StageFailure
    from pulumi_dynamic_security.service.plan import Plan


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except ValueError:  # a closed stream
        return False


class Progress:
    """Lines on stderr, shown only on a terminal and without `quiet`."""

    def __init__(self, *, quiet: bool, stream: IO[str] | None = None):
        self._stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and _is_terminal(self._stream)

    def say(self, message: str) -> None:
        """One line (the caller escapes what it quotes)."""
        if self.enabled:
            click.echo(message, file=self._stream)

    def stage_done(self, done: int, total: int, outcome: Plan | StageFailure) -> None:
        """`[3/200] production: exposed now, 10 changes` (drift, as each stage is done)."""
        if not self.enabled:
            return
        from pulumi_dynamic_security.service.drift import StageFailure

        width = len(str(total))
        if isinstance(outcome, StageFailure):
            state = "could not be read"
            name = outcome.stage
        else:
            name = outcome.stage.name
            words = ["exposed now"] if outcome.exposed else []
            words.append(f"{len(outcome.changes)} change(s)" if outcome.changes
                         else "matches the policy")
            if outcome.blocked:
                words.append("blocked")
            state = ", ".join(words)
        self.say(f"[{done:>{width}}/{total}] {text(name)}: {state}")
