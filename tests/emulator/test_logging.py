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


@pytest.mark.slow
def test_logs_never_show_jwts_webhook_secrets_or_codes(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with running_emulator() as emu:
        minted = emu.mint_jwt(SANDBOX)["jwt"]
        with client(emu) as api:
            secret = api.post(f"/environments/{SANDBOX}/webhooks", json={
                "url": "https://hooks.example.com/x", "isEnabled": True, "events": ["ping"],
            }).json()["secret"]
            api.get(f"/sdk/{SANDBOX}/.well-known/jwks")
        for name in ("uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).warning("request with token %s and secret %s", minted,
                                            secret)
    text = caplog.text
    assert minted not in text and minted.split(".")[1] not in text
    assert secret not in text
