"""The README's backend example (examples/backend/app.py, shown verbatim in the README) runs:
served by wsgiref on a loopback port, called over HTTP, against the emulator."""

from __future__ import annotations

import hashlib
import hmac
import importlib.util
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest

from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.support.ids import LIVE
from tests.verify.support import mint, write_policy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "backend" / "app.py"
SECRET = "whsec_example_secret_for_tests"


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("backend_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def backend(emulator: EmulatorHandle, tmp_path: Path) -> Iterator[httpx.Client]:
    app = _example().make_app(str(write_policy(tmp_path)), "production",
                              api_url=emulator.base_url, api_token=emulator.token,
                              webhook_secret=SECRET)
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{server.server_port}",
                          timeout=10) as client:
            yield client
    finally:
        server.shutdown()
        server.server_close()


def test_the_readme_shows_the_example_verbatim() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert EXAMPLE.read_text(encoding="utf-8") in readme


def test_the_backend_accepts_a_valid_jwt_and_refuses_others(
    backend: httpx.Client, emulator: EmulatorHandle,
) -> None:
    token = mint(emulator, sub="user-7")
    me = backend.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert (me.status_code, me.json()) == (200, {"user": "user-7", "scopes": ["user:basic"]})
    for bearer, check in ((mint(emulator, aud="https://evil.example.com"), "audience"),
                          (mint(emulator, expired=True), "expired"), ("nope", "malformed")):
        refused = backend.get("/api/me", headers={"Authorization": f"Bearer {bearer}"})
        assert (refused.status_code, refused.json()) == (401, {"error": check})
    assert backend.get("/api/me").json() == {"error": "malformed"}


def test_a_revoked_session_cannot_pay_out(backend: httpx.Client,
                                          emulator: EmulatorHandle) -> None:
    token = mint(emulator, sub="user-8")
    headers = {"Authorization": f"Bearer {token}"}
    assert backend.post("/api/payout", headers=headers).status_code == 200
    with httpx.Client(base_url=emulator.base_url,
                      headers={"Authorization": f"Bearer {emulator.token}"}) as admin:
        admin.post(f"/environments/{LIVE}/users/user-8/sessions/revoke").raise_for_status()
    assert backend.get("/api/me", headers=headers).status_code == 200  # the JWT itself holds
    refused = backend.post("/api/payout", headers=headers)
    assert (refused.status_code, refused.json()) == (401, {"error": "revoked"})


def test_the_backend_checks_webhook_signatures(backend: httpx.Client) -> None:
    body = json.dumps({"eventName": "user.session.revoked", "data": {}}).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    ok = backend.post("/webhooks/dynamic", content=body,
                      headers={"x-dynamic-signature-256": signature})
    assert (ok.status_code, ok.json()) == (200, {"received": "user.session.revoked"})
    for headers, content in (({"x-dynamic-signature-256": signature}, body + b" "),
                             ({}, body), ({"x-dynamic-signature-256": "sha256=00"}, body)):
        assert backend.post("/webhooks/dynamic", content=content,
                            headers=headers).status_code == 401
