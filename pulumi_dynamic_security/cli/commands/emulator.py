"""`dynsec emulator`: serve the local Dynamic API emulator until interrupted.

The server stack (starlette, uvicorn) is imported only when the command runs. A `--host` that
is not a loopback address gets a warning: the control routes have no authentication.
"""

from __future__ import annotations

from pathlib import Path

import click

from pulumi_dynamic_security.emulator.context import DEFAULT_ADMIN_TOKEN
from pulumi_dynamic_security.emulator.seeds import DEFAULT_SEED, SEEDS
from pulumi_dynamic_security.errors import InputError


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8787, show_default=True,
    help="Port to listen on (0 picks a free one).",
)
@click.option(
    "--state", "state_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Keep the state in this JSON file (written atomically after every change); "
    "an existing file wins over --seed.",
)
@click.option(
    "--seed", type=click.Choice(list(SEEDS)), default=DEFAULT_SEED, show_default=True,
    help="Starting state when there is no state file.",
)
@click.option(
    "--token", default=DEFAULT_ADMIN_TOKEN, show_default=True,
    help="Admin token with every scope (a test fixture, not a credential).",
)
@click.option(
    "--latency-ms", type=click.IntRange(min=0), default=0, show_default=True,
    help="Delay every API request by this many milliseconds.",
)
@click.option(
    "--error-rate", type=click.FloatRange(0.0, 1.0), default=0.0, show_default=True,
    help="Answer this fraction of API requests with 503, without doing anything.",
)
@click.option(
    "--rate-limit", type=click.IntRange(min=0), default=0, show_default=True,
    help="Answer 429 beyond N requests in any rolling 60 seconds (0: no limit).",
)
def command(
    *,
    host: str,
    port: int,
    state_path: Path | None,
    seed: str,
    token: str,
    latency_ms: int,
    error_rate: float,
    rate_limit: int,
) -> None:
    """Serve the local Dynamic API emulator under /api/v0 until interrupted.

    Control routes (no auth; they need the header X-Dynsec-Emulator: 1 and JSON bodies) live
    under /_emulator: the request log, fault injection, planting tokens, test accounts and
    sessions, hostname status, minting end-user JWTs, rotating signing keys.
    """
    if not token.strip():
        raise click.BadParameter("must not be empty", param_hint="--token")
    from pulumi_dynamic_security.emulator import server
    from pulumi_dynamic_security.emulator.guard import is_loopback_host
    from pulumi_dynamic_security.emulator.persistence import StateFileError

    if not is_loopback_host(host):
        click.echo(
            f"Warning: --host {host} is not a loopback address. The control routes under "
            "/_emulator are unauthenticated: anyone who can reach this address can read the "
            "request log, reset the state, inject faults, plant tokens and mint JWTs. Use it "
            "only on a network you trust.",
            err=True,
        )

    origin = (
        f"state from {state_path}"
        if state_path is not None and state_path.exists()
        else f"seed {seed}" + (f", saved to {state_path}" if state_path is not None else "")
    )
    # The default admin token is documented; a chosen one is not echoed back.
    shown_token = token if token == DEFAULT_ADMIN_TOKEN else "the value of --token"

    def announce(base_url: str) -> None:
        click.echo(
            f"Dynamic API emulator listening on {base_url} ({origin}; admin token: "
            f"{shown_token}); control routes under {base_url.removesuffix('/api/v0')}"
            "/_emulator. Press Ctrl-C to stop."
        )

    try:
        server.serve(
            host=host, port=port, seed=seed, token=token, state_path=state_path,
            latency_ms=latency_ms, error_rate=error_rate, rate_limit=rate_limit,
            announce=announce,
        )
    except KeyboardInterrupt:
        # uvicorn shuts down on Ctrl-C and then re-raises the signal; stopping is the
        # normal way to end this command, so it exits 0.
        click.echo("Emulator stopped.")
    except StateFileError as exc:
        raise InputError(
            f"Cannot use the state file: {exc}.",
            hint="Pass another --state path, or remove the file to start from --seed.",
        ) from exc
    except OSError as exc:
        raise InputError(
            f"Cannot listen on {host}:{port} ({exc.strerror or exc}).",
            hint="Choose another --port (or --port 0 for a free one) or --host.",
        ) from exc
