"""The `dynsec` entry point: a click group that imports each command only when it runs.

Lazy loading keeps `dynsec --help` and `dynsec validate` from importing pulumi, deepdiff or
the emulator's server stack. Every failure ends here: a `DynsecError` becomes one paragraph
on stderr and its exit code; click's usage errors exit 3 (not click's 2, which means
"changes pending" in our contract); anything unexpected is reported as a bug, and only
`--debug` shows a traceback. What is printed here is escaped line by line as terminal text
(`escaping.text`): an error may quote the API's words or a value from a file, and neither may
write control characters to the terminal or start a line of a CI log.
"""

from __future__ import annotations

import gc
import importlib
import io
import sys
import traceback
from collections.abc import Sequence

import click

from pulumi_dynamic_security._version import __version__
from pulumi_dynamic_security.cli import debug
from pulumi_dynamic_security.errors import DynsecError
from pulumi_dynamic_security.escaping import text
from pulumi_dynamic_security.exit_codes import ExitCode
from pulumi_dynamic_security.redaction import redact

# name -> (module under cli.commands, one-line help shown by `dynsec --help`); a module that
# holds several commands names the one meant as `module:attribute` (default `command`).
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("validate", "Check the declared policy against the security rules, per stage."),
    "plan": ("plan", "Show what `apply` would change in one stage, and the findings."),
    "apply": ("apply", "Write the policy to one stage's environment, then verify it."),
    "drift": ("drift", "Plan every stage concurrently and summarise the drift."),
    "export": ("export", "Write an environment's live security settings as a policy file."),
    "sessions": ("sessions", "Revoke end users' sessions (incident response)."),
    "lock": ("lock", "Break-glass: lock one stage's environment (every sign-in stops)."),
    "unlock": ("lock:unlock", "Unlock one stage's environment (sign-ins work again)."),
    "verify-jwt": ("verify_jwt", "Verify an end-user JWT from stdin as the stage's backend would."),
    "rules": ("rules", "List the security rules."),
    "schema": ("schema", "Print the policy file's JSON Schema, or check the committed copy."),
    "emulator": ("emulator", "Serve the local Dynamic API emulator."),
    "demo": ("demo", "Walk through validate, plan, apply and drift on an embedded emulator."),
}

INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE: a bug in dynsec, not an outcome of the contract


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        name, _, attribute = entry[0].partition(":")
        module = importlib.import_module(f"pulumi_dynamic_security.cli.commands.{name}")
        command = getattr(module, attribute or "command")
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Uses the table's help text so that `--help` imports no command module.
        with formatter.section("Commands"):
            formatter.write_dl([(name, text) for name, (_, text) in COMMANDS.items()])


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: " + "; ".join(f"{code.value} {code.meaning}" for code in ExitCode) + ".",
)
@click.version_option(__version__, prog_name="dynsec")
def cli() -> None:
    """Security settings of Dynamic environments as code.

    Declare JWT lifetime, token storage, MFA, allowed origins and API token rotation in
    dynamic-security.yaml; check them per stage, see drift, and apply them safely.
    """


def main(argv: Sequence[str] | None = None) -> None:
    """Run `dynsec` and exit with the contract's exit code."""
    code = run(argv)
    # The process ends here. Interpreter shutdown would walk every object still alive with
    # the cyclic garbage collector, to free memory the OS takes back anyway; freezing them
    # skips that walk (docs/decisions/exit-without-gc.md). Files, atexit handlers and
    # reference counting still run as usual.
    gc.freeze()
    sys.exit(code)


def run(argv: Sequence[str] | None = None) -> int:
    """Run `dynsec` with `argv` and return the exit code instead of exiting."""
    debug.reset()
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="dynsec",
                          standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
        return ExitCode.INVALID_INPUT
    except click.ClickException as exc:  # UsageError too
        _show_click_error(exc)
        return ExitCode.INVALID_INPUT
    except click.Abort:
        click.echo("Aborted: nothing more was done.", err=True)
        return ExitCode.INVALID_INPUT
    except DynsecError as exc:
        _report(exc.render(), exc)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    except Exception as exc:  # a bug: say so plainly, keep the traceback behind --debug
        _report(
            f"dynsec hit an internal error ({type(exc).__name__}: {exc}). This is a bug; "
            "run the command again with --debug and report the output (secrets are redacted).",
            exc,
        )
        return INTERNAL_ERROR_EXIT
    if isinstance(result, int):
        return result
    return ExitCode.OK


def _report(message: str, exc: BaseException) -> None:
    if debug.enabled():
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        click.echo(_escaped_lines(redact(trace)), err=True)
    click.echo(_escaped_lines(redact(f"Error: {message}")), err=True)


def _show_click_error(exc: click.ClickException) -> None:
    """What click shows for a refused command line (usage, then `Error: ...`), scrubbed and
    escaped like every other error: click quotes the argument it refuses as given, which may
    be a JWT pasted in the wrong place, or text that acts on the terminal."""
    shown = io.StringIO()
    exc.show(file=shown)
    click.echo(_escaped_lines(redact(shown.getvalue())), err=True)


def _escaped_lines(message: str) -> str:
    """`message` with each of its lines escaped as terminal text."""
    return "\n".join(text(line) for line in message.rstrip("\n").split("\n"))


if __name__ == "__main__":  # pragma: no cover
    main()
