"""`dynsec schema [--check] [--output FILE]`: print the policy JSON Schema, write it for an
editor, or check the committed copy."""

from __future__ import annotations

from pathlib import Path

import click

from pulumi_dynamic_security.cli.options import output_option
from pulumi_dynamic_security.exit_codes import ExitCode
from pulumi_dynamic_security.policy.schema import SCHEMA_FILE, render_schema


@click.command(name="schema")
@click.option(
    "--check",
    is_flag=True,
    help=f"Exit 1 when {SCHEMA_FILE} (relative to the current directory, or --path) is "
    "missing or differs from the models.",
)
@click.option(
    "--path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=SCHEMA_FILE,
    show_default=True,
    help="The committed schema file checked by --check.",
)
@output_option(help="Write the schema to FILE (replaced atomically) instead of stdout, e.g. "
               "for an editor that cannot fetch it.")
def command(check: bool, path: Path, output: Path | None) -> int:
    """Print the policy file's JSON Schema, write it to a file, or check the committed copy."""
    current = render_schema()
    if output is not None:
        from pulumi_dynamic_security.cli.output import write_output
        from pulumi_dynamic_security.escaping import text

        write_output(output, current, what="the schema")
        click.echo(f"Wrote the policy schema to {text(str(output))}.", err=True)
        return ExitCode.OK
    if not check:
        click.echo(current, nl=False)
        return ExitCode.OK
    try:
        committed = path.read_text(encoding="utf-8")
    except OSError:
        click.echo(f"{path} is missing; write it with `dynsec schema > {path}`.", err=True)
        return ExitCode.BLOCKED
    if committed != current:
        click.echo(
            f"{path} is stale: it differs from the policy models. "
            f"Regenerate it with `dynsec schema > {path}` and commit it.",
            err=True,
        )
        return ExitCode.BLOCKED
    click.echo(f"{path} is up to date.")
    return ExitCode.OK
