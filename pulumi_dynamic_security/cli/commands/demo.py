"""`dynsec demo`: the whole story on an embedded emulator, no account needed."""

from __future__ import annotations

import click


@click.command(name="demo")
def command() -> int:
    """Walk through validate, plan, apply and drift on an embedded Dynamic API emulator.

    Nothing leaves this machine: the emulator runs inside this process on a free loopback
    port, seeded with a sandbox and a live environment.
    """
    from pulumi_dynamic_security.cli.demo import run_demo

    return run_demo()
