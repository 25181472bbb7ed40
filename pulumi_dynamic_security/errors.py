"""The exceptions a user can meet, each carrying its exit code.

    DynsecError                    any failure we explain to the user
    ├── PolicyBlockedError         exit 1: an unwaived error finding; nothing was written
    ├── InputError                 exit 3: arguments, usage, credentials missing, no TTY
    │   └── PolicyFileError        exit 3: problems in a policy file, each with file:line
    ├── DynamicApiError            exit 4: the API or the network failed (subclasses in api.errors)
    └── StalePlanError             exit 5: the environment changed since the plan

Messages are ours: what went wrong, where, and what to do. Vendor text, when there is
some, is attached as `detail` and shown after our sentence, never as the advice. A value a
message quotes (a key, a URL, an id) goes through `escaping.echo`: quoted, escaped, and cut
to 80 characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pulumi_dynamic_security.escaping import text
from pulumi_dynamic_security.exit_codes import ExitCode


class DynsecError(Exception):
    """A failure with a user-facing explanation and an exit code."""

    exit_code: ExitCode = ExitCode.INVALID_INPUT

    def __init__(self, message: str, *, hint: str | None = None, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail

    def render(self) -> str:
        """One paragraph: what happened (and where), the vendor's words if any, what to do."""
        parts = [self.message.rstrip()]
        if self.detail:
            parts.append(f"(Dynamic said: {self.detail.strip()})")
        if self.hint:
            parts.append(self.hint.rstrip())
        return " ".join(parts)

    def __str__(self) -> str:
        return self.render()


class PolicyBlockedError(DynsecError):
    """An unwaived `error` finding blocks the operation; nothing was written."""

    exit_code = ExitCode.BLOCKED


class InputError(DynsecError):
    """Invalid input: arguments, usage, missing credentials, a confirmation that cannot be asked."""

    exit_code = ExitCode.INVALID_INPUT


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a policy file, located as precisely as the file allows."""

    file: str
    line: int | None
    message: str

    def render(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


class PolicyFileError(InputError):
    """A policy file that cannot be used, with every problem found in it."""

    def __init__(self, problems: Sequence[Problem], *, hint: str | None = None):
        self.problems = tuple(problems)
        count = len(self.problems)
        head = self.problems[0].file if self.problems else "policy file"
        summary = f"{head} is not a valid policy ({count} problem{'s' if count != 1 else ''})"
        super().__init__(
            summary,
            hint=hint or "Fix the file and run `dynsec validate` again.",
        )

    def render(self) -> str:
        # Each problem is one line (escaped: a value it quotes cannot add lines of its own).
        if len(self.problems) == 1:
            line = text(self.problems[0].render())
            if not line.endswith((".", "?", "!")):
                line += "."
            return f"{line} {self.hint}" if self.hint else line
        lines = [f"{self.message}:"]
        lines.extend(f"  {text(p.render())}" for p in self.problems)
        if self.hint:
            lines.append(self.hint)
        return "\n".join(lines)


class DynamicApiError(DynsecError):
    """The Dynamic API or the network failed after retries (the subclasses are in `api.errors`)."""

    exit_code = ExitCode.API_FAILURE


class StalePlanError(DynsecError):
    """The environment changed between the plan and the apply; nothing was written."""

    exit_code = ExitCode.STALE_PLAN

    def __init__(self, message: str, *, hint: str | None = None, detail: str | None = None):
        super().__init__(
            message, hint=hint or "Run plan again, review the new plan, then apply it.",
            detail=detail,
        )
