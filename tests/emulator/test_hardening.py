"""The emulator against hostile requests: control routes are no CSRF or DNS-rebinding target,
bodies are capped, and no value a request carries can break the requests that follow it."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pulumi_dynamic_security.emulator.guard import MAX_BODY_BYTES
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.emulator.support import client, control
from tests.support.ids import LIVE, SANDBOX
from tests.support.processes import dynsec_emulator

# Every control route, with a body that it would accept.
CONTROL_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/requests", None),
    ("DELETE", "/requests", None),
    ("GET", "/faults", None),
    ("POST", "/faults", {"latency_ms": 0}),
    ("POST", "/reset", {"seed": "demo"}),
    ("GET", "/state", None),
    ("POST", f"/environments/{SANDBOX}/tokens", {"note": "n", "scopes": []}),
    ("POST", f"/environments/{LIVE}/custom/hostnames/0f000000-0000-4000-8000-000000000001",
     {"status": "active"}),
    ("POST", f"/environments/{SANDBOX}/test/account", {}),
    ("DELETE", f"/environments/{LIVE}/test/account", None),
    ("POST", f"/environments/{SANDBOX}/users/u-1/sessions", {}),
    ("POST", f"/environments/{SANDBOX}/jwt", {}),
    ("POST", f"/environments/{SANDBOX}/keys/rotate", {}),
]
CONTROL_IDS = [f"{m} {p}" for m, p, _ in CONTROL_ROUTES]
POST_ROUTES = [(m, p, b) for m, p, b in CONTROL_ROUTES if m == "POST"]


def _send(http: httpx.Client, method: str, path: str, body: Any) -> httpx.Response:
    return http.request(method, path, json=body) if body is not None else http.request(
        method, path)


@pytest.mark.parametrize(("method", "path", "body"), CONTROL_ROUTES, ids=CONTROL_IDS)
def test_control_routes_need_the_header(
    emulator: EmulatorHandle, method: str, path: str, body: Any
) -> None:
    before = emulator.state()
    for headers in ({}, {"X-Dynsec-Emulator": "0"}, {"X-Dynsec-Emulator": "yes"}):
        with control(emulator, header=False) as http:
            response = http.request(method, path, json=body, headers=headers)
        assert response.status_code == 403
        assert "X-Dynsec-Emulator" in response.json()["error"]
    assert emulator.state() == before  # nothing was done
    with control(emulator) as http:
        assert _send(http, method, path, body).status_code in (200, 201, 204)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
     "application/jsonp", None],
)
@pytest.mark.parametrize(("method", "path", "body"), POST_ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in POST_ROUTES])
def test_control_bodies_must_be_declared_json(
    emulator: EmulatorHandle, method: str, path: str, body: Any, content_type: str | None
) -> None:
    # What an HTML form or a "simple" cross-site fetch can send is refused before parsing.
    headers = {"Content-Type": content_type} if content_type else {}
    with control(emulator) as http:
        response = http.request(method, path, content=json.dumps(body), headers=headers)
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]


def test_json_with_a_charset_is_json(emulator: EmulatorHandle) -> None:
    with control(emulator) as http:
        response = http.post("/faults", content=b'{"latency_ms": 0}',
                             headers={"Content-Type": "Application/JSON; charset=utf-8"})
    assert response.status_code == 200


def test_a_delete_with_a_form_body_is_refused(emulator: EmulatorHandle) -> None:
    with control(emulator) as http:
        response = http.request("DELETE", "/requests", content=b"a=b",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415


def _padded_object(size: int) -> bytes:
    """A JSON object of exactly `size` bytes."""
    skeleton = b'{"pad":""}'
    return skeleton[:-2] + b"x" * (size - len(skeleton)) + b'"}'


def _chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start:start + size]


@pytest.mark.parametrize("target", ["api", "control"])
def test_a_body_over_one_mebibyte_is_413(emulator: EmulatorHandle, target: str) -> None:
    assert MAX_BODY_BYTES == 1024 * 1024
    exact, over = _padded_object(MAX_BODY_BYTES), _padded_object(MAX_BODY_BYTES + 1)
    opener = client(emulator) if target == "api" else control(emulator)
    path = f"/environments/{SANDBOX}" if target == "api" else "/faults"
    method = "PUT" if target == "api" else "POST"
    headers = {"Content-Type": "application/json"}
    with opener as http:
        at_cap = http.request(method, path, content=exact, headers=headers)
        declared = http.request(method, path, content=over, headers=headers)
        streamed = http.request(method, path, content=_chunks(over), headers=headers)
    # At the cap the body is read and judged on its content; one byte more is never read.
    assert at_cap.status_code in (400, 422)
    for response in (declared, streamed):
        assert response.status_code == 413
        assert "larger than 1048576 bytes" in response.json()["error"]
    with client(emulator) as api:
        assert api.get(f"/environments/{SANDBOX}").status_code == 200
    if target == "api":
        assert [r["status"] for r in emulator.requests()][-3:-1] == [413, 413]


@pytest.mark.parametrize(
    ("faults", "problem"),
    [
        ({"latency_ms": math.nan}, "finite"),
        ({"latency_ms": math.inf}, "finite"),
        ({"error_rate": math.nan}, "finite"),
        ({"error_rate": -math.inf}, "finite"),
        ({"lost_response_rate": math.inf}, "finite"),
        ({"rate_limit": math.nan}, "finite"),
        ({"rate_window_seconds": math.inf}, "finite"),
        ({"seed": math.nan}, "finite"),
        ({"latency_ms": -5}, "negative"),
        ({"rate_limit": -1}, "negative"),
        ({"fail_writes_after": -1}, "negative"),
        ({"error_rate": -0.1}, "negative"),
        ({"error_rate": 1.01}, "at most 1"),
        ({"lost_response_rate": 7}, "at most 1"),
        ({"latency_ms": 1e12}, "at most 60000"),
        ({"rate_window_seconds": 1e9}, "at most 3600"),
        ({"rate_limit": 10**30}, "at most"),
        ({"latency_ms": 5, "error_rate": math.nan}, "finite"),
    ],
)
def test_bad_fault_values_are_422_and_change_nothing(
    emulator: EmulatorHandle, faults: dict[str, Any], problem: str
) -> None:
    before = emulator.set_faults()
    with control(emulator) as http:
        # httpx writes NaN and Infinity as the JavaScript literals, as a careless client would.
        response = http.post("/faults", content=json.dumps(faults),
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert problem in response.json()["error"]
    assert emulator.set_faults() == before  # nothing applied, not even the valid part
    with client(emulator) as api:  # and every later request still works
        assert api.get(f"/environments/{SANDBOX}").status_code == 200
        assert api.get(f"/environments/{LIVE}/origins").status_code == 200
    assert emulator.requests()[-1]["status"] == 200


@pytest.mark.parametrize(
    "body",
    [
        b'{"chains": [], "kyc": [], "design": {}, "general": {}, "privacy": {}, "sdk": {},'
        b' "security": {"x": NaN}}',
        b'{"chains": [], "kyc": [], "design": {}, "general": {}, "privacy": {}, "sdk": {},'
        b' "security": {"x": -Infinity}}',
        b'{"chains": [], "kyc": [], "design": {}, "general": {}, "privacy": {}, "sdk": {},'
        b' "security": {"x": 1e999}}',
        b'{"chains": [], "kyc": [], "design": {}, "general": {}, "privacy": {}, "sdk": {},'
        b' "security": {"x": "\\ud800"}}',
        b'{"chains": [], "kyc": [], "design": {}, "general": {}, "privacy": {}, "sdk": {},'
        b' "security": {}, "deep": ' + b"[" * 40 + b"]" * 40 + b"}",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' + b"1" * 5000 + b"}",
    ],
    ids=["nan", "infinity", "overflow", "lone-surrogate", "deep", "very-deep", "huge-int"],
)
def test_api_bodies_that_could_not_be_answered_back_are_400(
    emulator: EmulatorHandle, body: bytes
) -> None:
    # Stored, any of these would make every later GET of the environment fail.
    with client(emulator) as api:
        response = api.put(f"/environments/{SANDBOX}", content=body,
                           headers={"Content-Type": "application/json"})
        assert response.status_code == 400
        assert "not valid JSON" in response.json()["error"]
        assert api.get(f"/environments/{SANDBOX}").status_code == 200


@pytest.mark.parametrize("host", ["evil.example.com", "evil.example.com:8787",
                                  "127.0.0.1.nip.io", "[2001:db8::1]:80"])
def test_requests_to_another_host_name_are_refused(emulator: EmulatorHandle, host: str) -> None:
    # DNS rebinding: a page on evil.example.com resolving to 127.0.0.1 sends its own Host.
    with control(emulator) as http:
        refused = http.post("/reset", json={"seed": "empty"}, headers={"Host": host})
    with client(emulator) as api:
        api_refused = api.get(f"/environments/{SANDBOX}", headers={"Host": host})
        assert api.get(f"/environments/{SANDBOX}").status_code == 200  # nothing was reset
    assert refused.status_code == 403 and api_refused.status_code == 403
    assert "loopback" in refused.json()["error"]


@pytest.mark.parametrize("host", ["localhost", "localhost:1234", "app.localhost",
                                  "127.0.0.1", "127.1.2.3:80", "[::1]:8787"])
def test_loopback_host_names_are_answered(emulator: EmulatorHandle, host: str) -> None:
    with client(emulator) as api:
        assert api.get(f"/environments/{SANDBOX}", headers={"Host": host}).status_code == 200


@pytest.mark.slow
def test_a_non_loopback_host_is_warned_about() -> None:
    with dynsec_emulator("--host", "0.0.0.0", "--seed", "empty") as (base_url, proc, _):
        # Not loopback-only: another machine's name for this one is answered.
        headers = {"Host": "emulator.internal:8787", "Authorization": "Bearer dyn_emulator"}
        response = httpx.get(base_url.replace("0.0.0.0", "127.0.0.1") + "/eventTypes",
                             headers=headers)
        assert response.status_code == 200
    assert proc.stderr is not None
    warning = proc.stderr.read()
    assert "--host 0.0.0.0 is not a loopback address" in warning
    assert "unauthenticated" in warning


@pytest.mark.slow
def test_a_loopback_host_gets_no_warning() -> None:
    with dynsec_emulator("--host", "localhost", "--seed", "empty") as (_, proc, banner):
        assert "listening on" in banner
    assert proc.stderr is not None
    stderr = proc.stderr.read()
    assert "not a loopback address" not in stderr, stderr


def test_an_endless_body_is_cut_off_at_the_cap() -> None:
    # Streaming-safe: the cap is enforced while reading, so a body that never ends costs the
    # emulator at most the cap plus one chunk, and the answer is 413.
    import asyncio

    from pulumi_dynamic_security.emulator.guard import BodyLimit

    chunk = b"x" * 65536
    received = 0
    sent: list[dict[str, Any]] = []

    async def endless() -> dict[str, Any]:
        nonlocal received
        received += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: Any) -> None:
        sent.append(message)

    async def never_called(scope: Any, receive: Any, send: Any) -> None:
        raise AssertionError("the app must not see an oversized body")

    scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    asyncio.run(BodyLimit(never_called)(scope, endless, send))
    assert sent[0]["status"] == 413
    assert received <= MAX_BODY_BYTES + len(chunk)
