"""Small helpers shared by the emulator tests (the seed's ids: tests/support/ids.py)."""

from __future__ import annotations

import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from pulumi_dynamic_security.emulator.app import CONTROL_PREFIX
from pulumi_dynamic_security.emulator.guard import CONTROL_HEADERS
from pulumi_dynamic_security.emulator.server import EmulatorHandle

ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
# The emulator speaks plain HTTP; one context spares each client loading CA certificates.
_TLS = ssl.create_default_context()


@contextmanager
def client(emulator: EmulatorHandle, token: str | None = "admin") -> Iterator[httpx.Client]:
    """An httpx client on /api/v0: the admin token by default, `None` for no header."""
    headers = {}
    if token is not None:
        value = emulator.token if token == "admin" else token
        headers["Authorization"] = f"Bearer {value}"
    with httpx.Client(base_url=emulator.base_url, headers=headers, timeout=10.0,
                      verify=_TLS) as http:
        yield http


@contextmanager
def control(emulator: EmulatorHandle | str, *, header: bool = True) -> Iterator[httpx.Client]:
    """An httpx client on /_emulator (of a handle, or of a root URL), sending the header
    `X-Dynsec-Emulator: 1` the control routes require unless `header` is False."""
    root = emulator if isinstance(emulator, str) else emulator.root_url
    headers = dict(CONTROL_HEADERS) if header else {}
    with httpx.Client(base_url=root + CONTROL_PREFIX, headers=headers, timeout=10.0,
                      verify=_TLS) as http:
        yield http


def issue(emulator: EmulatorHandle, environment_id: str, scopes: list[str]) -> str:
    """A raw token for `environment_id` with `scopes`, issued through the API."""
    with client(emulator) as api:
        response = api.post(
            f"/environments/{environment_id}/tokens", json={"note": "test", "scopes": scopes}
        )
    assert response.status_code == 201, response.text
    raw: str = response.json()["token"]["rawToken"]
    return raw
