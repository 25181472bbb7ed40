"""Nothing the emulator logs carries a token."""

from __future__ import annotations

import logging

import pytest

from pulumi_dynamic_security.emulator.server import running_emulator
from tests.emulator.support import client, issue
from tests.support.ids import SANDBOX

CANARY = "canary-admin-token-7f3a9c"


@pytest.mark.slow
def test_logs_never_show_tokens(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with running_emulator(token=CANARY) as emu:
        raw = issue(emu, SANDBOX, ["environment.settings.read"])
        with client(emu, raw) as api:
            api.get(f"/environments/{SANDBOX}")
            api.get("/no/such/route")
        with client(emu, "dyn_wrongTokenValue123") as api:
            api.get(f"/environments/{SANDBOX}")
        # Whatever uvicorn itself might log passes through the emulator's filter.
        for name in ("uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).warning(
                "request with Authorization: Bearer %s and %s (admin %s)", raw, raw, CANARY
            )
    text = caplog.text
    assert "Bearer ***" in text
    assert CANARY not in text
    assert raw not in text
    assert "dyn_wrongTokenValue123" not in text
