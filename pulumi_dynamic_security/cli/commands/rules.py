"""`dynsec rules [--format text|markdown|json]`: the rule catalogue
(docs/rules.md#the-catalogue)."""

from __future__ import annotations

import click

from pulumi_dynamic_security.cli.options import format_option
from pulumi_dynamic_security.exit_codes import ExitCode
from pulumi_dynamic_security.rules.catalog import rules_json, rules_table_markdown, rules_text


@click.command(name="rules")
@format_option("text", "markdown", "json")
def command(output_format: str) -> int:
    """List the security rules: id, name, severity per kind of stage, and when each fires.

    The markdown table is the one in the README; json adds each rule's area, remediation and
    documentation link.
    """
    render = {"text": rules_text, "markdown": rules_table_markdown, "json": rules_json}
    click.echo(render[output_format](), nl=False)
    return ExitCode.OK
