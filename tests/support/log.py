"""The emulator's request log, read from the emulator itself (`GET /_emulator/requests`), never
from the client, so that a test sees exactly what reached the server."""

from __future__ import annotations

from pulumi_dynamic_security.emulator.server import EmulatorHandle

WRITE_METHODS = ("POST", "PUT", "DELETE")


def statuses(emulator: EmulatorHandle, *methods: str) -> list[tuple[str, str, int]]:
    """The request log as (method, path, status), oldest first; only `methods` when given."""
    return [(r["method"], r["path"], r["status"]) for r in emulator.requests()
            if not methods or r["method"] in methods]


def write_statuses(emulator: EmulatorHandle) -> list[tuple[str, str, int]]:
    """The writes in the request log as (method, path, status), oldest first."""
    return statuses(emulator, *WRITE_METHODS)


def log(emulator: EmulatorHandle) -> list[tuple[str, str]]:
    """The request log as (method, path), oldest first."""
    return [(method, path) for method, path, _ in statuses(emulator)]


def writes(emulator: EmulatorHandle) -> list[tuple[str, str]]:
    """The writes in the request log as (method, path), oldest first."""
    return [(method, path) for method, path, _ in write_statuses(emulator)]
