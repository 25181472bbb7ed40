"""Running the emulator: in a background thread for tests and `dynsec demo`, or blocking
for `dynsec emulator`.

    with running_emulator(seed="demo") as emu:
        httpx.get(f"{emu.base_url}/environments/...", headers={"Authorization": ...})
        emu.set_faults(error_rate=0.2)     # control routes, through `handle.EmulatorHandle`
        emu.requests()

uvicorn serves a socket bound here first, so the port is known (and free) before the server
starts, and a port in use is reported before anything runs. Logs never carry a token: the
emulator logs no headers, uvicorn's access log is off, and a filter on uvicorn's loggers scrubs
anything that looks like a Dynamic token or a bearer credential, plus the admin token.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette

from pulumi_dynamic_security.emulator import seeds
from pulumi_dynamic_security.emulator.app import API_PREFIX, create_app
from pulumi_dynamic_security.emulator.context import DEFAULT_ADMIN_TOKEN
from pulumi_dynamic_security.emulator.faults import FaultSettings, parse_updates
from pulumi_dynamic_security.emulator.guard import is_loopback_host
from pulumi_dynamic_security.emulator.handle import EmulatorHandle
from pulumi_dynamic_security.emulator.persistence import StateStore

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "EmulatorHandle", "build_app", "running_emulator",
           "serve"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
START_TIMEOUT_SECONDS = 15.0
_TOKENISH = re.compile(
    r"(?i)(bearer\s+)\S+|dyn_[A-Za-z0-9]+|whsec_[A-Za-z0-9]+"
    r"|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"  # a JWT
)
_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


class _ScrubTokens(logging.Filter):
    """Removes bearer credentials, `dyn_…` tokens, webhook secrets, JWTs and the admin token
    from log records."""

    def __init__(self, admin_token: str):
        super().__init__()
        self.admin_token = admin_token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = _TOKENISH.sub(lambda m: (m.group(1) or "") + "***", message)
        if len(self.admin_token) >= 6:
            scrubbed = scrubbed.replace(self.admin_token, "***")
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def _install_log_scrubbing(admin_token: str) -> None:
    for name in _UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        for existing in [f for f in logger.filters if isinstance(f, _ScrubTokens)]:
            logger.removeFilter(existing)
        logger.addFilter(_ScrubTokens(admin_token))


def build_app(
    *,
    seed: str = seeds.DEFAULT_SEED,
    token: str = DEFAULT_ADMIN_TOKEN,
    state_path: Path | None = None,
    faults: FaultSettings | None = None,
    loopback_only: bool = True,
) -> Starlette:
    """The app with its starting state: an existing state file wins over `seed`.
    `loopback_only`: answer only requests addressed to a loopback `Host`.

    Raises ValueError for an unknown seed or an empty token, and
    `persistence.StateFileError` for a state file that cannot be read.
    """
    if seed not in seeds.SEEDS:
        raise ValueError(f"unknown seed {seed!r}; choose one of {', '.join(seeds.SEEDS)}")
    if not token:
        raise ValueError("the admin token must not be empty")
    store = StateStore(state_path) if state_path is not None else None
    state = store.load() if store is not None else None
    if state is None:
        state = seeds.build(seed)
        if store is not None:
            store.save(state)
    return create_app(state, admin_token=token, store=store, faults=faults,
                      loopback_only=loopback_only)


def _start_faults(latency_ms: float, error_rate: float, rate_limit: int) -> FaultSettings:
    """The faults to start with, checked as `POST /_emulator/faults` checks them (raises
    `faults.FaultError`, a ValueError)."""
    return parse_updates(FaultSettings(), {"latency_ms": latency_ms, "error_rate": error_rate,
                                           "rate_limit": rate_limit})


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be explicit: asyncio turns Nagle off (TCP_NODELAY) only on sockets whose
    # proto is IPPROTO_TCP, and without it every keep-alive answer waits ~40 ms for an ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _config(app: Starlette, *, configure_logging: bool) -> uvicorn.Config:
    # In-process (tests, `dynsec demo`) uvicorn must not reconfigure the host's logging.
    extra: dict[str, Any] = {} if configure_logging else {"log_config": None}
    return uvicorn.Config(
        app,
        **extra,
        log_level="warning",
        access_log=False,  # the request log is GET /_emulator/requests
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=2,
    )


@contextmanager
def running_emulator(
    *,
    seed: str = seeds.DEFAULT_SEED,
    token: str = DEFAULT_ADMIN_TOKEN,
    state_path: Path | None = None,
    latency_ms: float = 0,
    error_rate: float = 0.0,
    rate_limit: int = 0,
    loopback_only: bool = True,
) -> Iterator[EmulatorHandle]:
    """Serve the emulator on 127.0.0.1 (a free port) in a background thread.

    `loopback_only=False` answers requests addressed to any `Host` (for tests that reach it
    under another name); the default refuses them, as `dynsec emulator` does on loopback.

    Ready when it returns; stopped, and its thread joined, on exit. Raises ValueError for
    fault values out of range.
    """
    faults = _start_faults(latency_ms, error_rate, rate_limit)
    app = build_app(seed=seed, token=token, state_path=state_path, faults=faults,
                    loopback_only=loopback_only)
    _install_log_scrubbing(token)
    sock = _bind(DEFAULT_HOST, 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(_config(app, configure_logging=False))
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the caller, not lost in the thread
            failure.append(exc)

    thread = threading.Thread(target=run, name=f"dynamic-emulator-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        if failure or not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(timeout=5)
            sock.close()
            raise RuntimeError("the emulator did not start") from (failure[0] if failure else None)
        time.sleep(0.01)
    root_url = f"http://{DEFAULT_HOST}:{port}"
    client = httpx.Client(base_url=root_url, timeout=10.0)
    try:
        yield EmulatorHandle(root_url=root_url, token=token, _client=client)
    finally:
        client.close()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def serve(
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    seed: str = seeds.DEFAULT_SEED,
    token: str = DEFAULT_ADMIN_TOKEN,
    state_path: Path | None = None,
    latency_ms: float = 0,
    error_rate: float = 0.0,
    rate_limit: int = 0,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM). `announce` receives the base URL once
    the port is bound. On a loopback `host` only requests addressed to a loopback `Host`
    are answered (`guard`). Raises OSError when the address cannot be bound, ValueError for
    fault values out of range, and what `build_app` raises."""
    faults = _start_faults(latency_ms, error_rate, rate_limit)
    app = build_app(seed=seed, token=token, state_path=state_path, faults=faults,
                    loopback_only=is_loopback_host(host))
    _install_log_scrubbing(token)
    sock = _bind(host, port)
    try:
        bound_port = sock.getsockname()[1]
        if announce is not None:
            announce(f"http://{_url_host(host)}:{bound_port}{API_PREFIX}")
        uvicorn.Server(_config(app, configure_logging=True)).run(sockets=[sock])
    finally:
        sock.close()
