"""`dynsec emulator`: flags, exit codes, and a real server in a subprocess."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

import httpx
import pytest

from pulumi_dynamic_security.cli.main import run
from tests.emulator.support import control
from tests.support.ids import LIVE, SANDBOX
from tests.support.processes import dynsec_emulator

CANARY = "dyn_CanaryAdminToken0123456789abcdef"


@pytest.mark.parametrize(
    "args",
    [
        ["--seed", "full"],
        ["--error-rate", "2"],
        ["--port", "-1"],
        ["--port", "70000"],
        ["--rate-limit", "many"],
        ["--latency-ms", "-5"],
        ["--token", ""],
        ["--no-such-flag"],
    ],
)
def test_bad_flags_exit_3(args: list[str]) -> None:
    assert run(["emulator", *args]) == 3


def test_unreadable_state_file_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "state.json"
    path.write_text("[]")
    assert run(["emulator", "--port", "0", "--state", str(path)]) == 3
    assert "state file" in capsys.readouterr().err


def test_port_in_use_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert run(["emulator", "--port", str(port)]) == 3
    assert "Cannot listen" in capsys.readouterr().err


@pytest.mark.slow
def test_emulator_command_serves_and_never_prints_tokens(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    with dynsec_emulator("--token", CANARY, "--state", str(state), "--seed", "demo") as (
        base_url, proc, _
    ):
        headers = {"Authorization": f"Bearer {CANARY}"}
        with httpx.Client(base_url=base_url, headers=headers) as api:
            assert api.get(f"/environments/{LIVE}").status_code == 200
            raw = api.post(f"/environments/{SANDBOX}/tokens",
                           json={"note": "n", "scopes": ["environment.settings.read"]}
                           ).json()["token"]["rawToken"]
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {raw}"}) as api:
            assert api.get(f"/environments/{SANDBOX}").status_code == 200
            assert api.get(f"/environments/{LIVE}").status_code == 403
        # A request the HTTP parser rejects makes uvicorn log a warning.
        host, port = base_url.split("//")[1].split("/")[0].split(":")
        with socket.create_connection((host, int(port))) as raw_socket:
            raw_socket.sendall(f"GET / HTTP/1.1\r\nAuthorization: Bearer {CANARY}\r\n"
                               "Content-Length: nope\r\n\r\n".encode())
            raw_socket.recv(1024)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    assert proc.returncode in (0, 130)
    output = out + err
    assert CANARY not in output
    assert raw not in output
    assert CANARY not in state.read_text() and raw not in state.read_text()


@pytest.mark.slow
def test_default_token_is_announced() -> None:
    with dynsec_emulator("--seed", "empty") as (base_url, _proc, _):
        headers = {"Authorization": "Bearer dyn_emulator"}
        response = httpx.get(f"{base_url}/environments/{SANDBOX}", headers=headers)
        assert response.status_code == 404  # the empty seed has no environment
        with control(base_url.removesuffix("/api/v0")) as http:
            log = http.get("/requests").json()
        assert log == [{"method": "GET", "path": f"/environments/{SANDBOX}", "status": 404}]
