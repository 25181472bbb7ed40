"""What the incident commands (`sessions revoke`, `lock`, `unlock`) share: asking before
they act, and saying with which credential they acted."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click

from pulumi_dynamic_security.cli.options import api_options, format_option
from pulumi_dynamic_security.clock import timestamp
from pulumi_dynamic_security.errors import InputError
from pulumi_dynamic_security.escaping import text

F = TypeVar("F", bound=Callable[..., Any])

MAX_REASON_CHARS = 500

_yes_option = click.option("--yes", is_flag=True,
                           help="Do not ask for confirmation (needed without a terminal).")
_stage_option = click.option("--stage", "-s", required=True, metavar="S",
                             help="The stage whose environment to act on.")


def incident_options(func: F) -> F:
    """`--stage`, `--yes`, `--format text|json` and the API options, in that order, after
    the command's own."""
    for decorator in (api_options, format_option("text", "json"), _yes_option, _stage_option):
        func = decorator(func)
    return func


def require_a_way_to_confirm(yes: bool, command: str) -> None:
    """InputError (exit 3), before any request, when there is no terminal to ask on and
    `--yes` was not given."""
    if not yes and not sys.stdin.isatty():
        raise InputError(f"{command} needs a confirmation and there is no terminal to ask on; "
                         "nothing was done.", hint="Pass --yes to go ahead without asking.")


def ask(question: str) -> None:
    """Ask on the terminal; a "no" aborts (exit 3, nothing done)."""
    click.confirm(question, abort=True, err=True)


def reason_text(reason: str | None, *, required: bool) -> str | None:
    """`--reason`, checked: non-empty when required, at most MAX_REASON_CHARS characters.
    Kept as given (JSON carries it unchanged); `text` escapes it for a terminal."""
    if reason is None or not reason.strip():
        if required:
            raise InputError("--reason is empty.", hint="Say why, for the incident record, "
                             'e.g. --reason "credential leak INC-123".')
        return None
    if len(reason) > MAX_REASON_CHARS:
        raise InputError(f"--reason is longer than {MAX_REASON_CHARS} characters.",
                         hint="Keep it to one sentence; link the incident for the rest.")
    return reason.strip()


def credential_words(checksum: str) -> str:
    """How the text output names the credential: by its checksum, never its value."""
    return f"the API token ending in {text(checksum)}"


def when(moment: datetime) -> str:
    """`2026-12-01T13:05:09Z` (`clock.timestamp`)."""
    return timestamp(moment)
