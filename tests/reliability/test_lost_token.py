"""A token POST whose answer is lost, and whose clean-up cannot be done.

The client learns the fate of a lost token POST by listing the tokens; a token found with
the run's note is revoked (nobody can ever receive its value) and issued again. When that
listing (or the revoke) fails too, the token may exist and nobody has it, and the next run
cannot tell it from a token it delivered: it would take it for the entry's current token,
rotate nothing, and revoke the token the team does hold once the overlap ends. So the error
must not say "a re-run converges": it names the token's note and says to revoke it first;
once that is done, the next run issues and delivers a new token.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from pulumi_dynamic_security.api import caller as caller_module
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.reliability.scenario import environment_state, follow_revoke_advice, prepare
from tests.support.cli import Cli
from tests.support.policies import FULL, FULL_ENTRY


class LosesTheTokenAnswer(httpx.BaseTransport):
    """Real HTTP, except that the first token POST is committed and answered 502 (its answer
    lost), and the token listings that follow fail with 503."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.lost = False
        self._failing_lists = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        tokens = request.url.path.endswith("/tokens")
        if request.method == "POST" and tokens and not self.lost:
            self.lost = True
            self._inner.handle_request(request).read()  # committed
            self._failing_lists = 100
            return httpx.Response(502, json={"error": "Bad Gateway"}, request=request)
        if request.method == "GET" and tokens and self._failing_lists:
            self._failing_lists -= 1
            return httpx.Response(503, json={"error": "Service Unavailable"}, request=request)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def test_an_undeliverable_token_that_cannot_be_revoked_is_named(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emu: EmulatorHandle = cli.emulator
    baseline = prepare(emu)
    cli.write(FULL)
    transport = LosesTheTokenAnswer()
    real_transport = caller_module._default_transport
    monkeypatch.setattr(caller_module, "_default_transport", lambda base_url: transport)

    result = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes",
                 "--secrets-out", str(tmp_path / "tokens.json"))

    assert transport.lost
    assert result.code == 4, result.err
    [error] = [line for line in result.err.splitlines() if line.startswith("Error: ")]
    notes = [t["note"] for t in emu.state()["tokens"]
             if (t["note"] or "").startswith(f"dynsec:{FULL_ENTRY}:")]
    issued = max(notes)  # the newest: the one whose answer was lost
    assert repr(issued) in error or issued in error
    assert "revoke" in error.lower()
    assert "converges" not in error
    assert not (tmp_path / "tokens.json").exists()

    # What the message says to do, then a run with a network that works.
    assert follow_revoke_advice(emu, error, {}) == 1
    monkeypatch.setattr(caller_module, "_default_transport", real_transport)
    rerun = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes",
                "--secrets-out", str(tmp_path / "tokens.json"))
    assert rerun.code == 0, rerun.err
    delivered = json.loads((tmp_path / "tokens.json").read_text(encoding="utf-8"))[FULL_ENTRY]["id"]
    managed = {t["id"] for t in environment_state(emu)["tokens"]
               if (t["note"] or "").startswith(f"dynsec:{FULL_ENTRY}:")}
    assert managed == {delivered, baseline.rotated_token}
