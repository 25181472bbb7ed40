"""An engine-equivalent driver of the Python dynamic provider host, for tests.

It does what the Pulumi engine does with the `pulumi-resource-pulumi-python` plugin:

* launches `python -u -m pulumi.dynamic <engine address>` with `PULUMI_PROJECT`,
  `PULUMI_CONFIG="{}"` and the program directory as cwd (plus `PYTHONPATH`, so the provider
  modules import the way a program's virtualenv would find them), and reads the one
  `"<port>\\n"` line from stdout with a timeout (the host never flushes it: `-u` matters);
* calls `Configure` first, with the whole stack config under namespaced keys and secret
  values wrapped, and reads back `acceptSecrets` (the host says False);
* from then on strips secret wrappers from every request (the engine marshals with
  `KeepSecrets=false` for such a provider) and re-applies the engine's
  `annotateSecrets(outs, ins)` to every result: an output is marked secret again when the
  input of the same name held a secret, objects recursively;
* keeps, like the engine, the program-side view of the inputs, in which `__provider` is a
  secret (the SDK registers it so), and decodes results with secrets kept (`token`).

Each call's wall time is recorded in `calls`; the host's stderr (what the engine shows as
diagnostics) is drained continuously into `stderr_text()`. A call the host fails raises
`grpc.RpcError`; `details()` is what the CLI prints as the error.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from tests.providers.wire import annotate_secrets, decode, strip_secrets, struct

REPO_ROOT = Path(__file__).resolve().parents[2]
PROGRAM_DIR = REPO_ROOT / "examples"
PROJECT = "dynamic-security-example"
START_TIMEOUT_SECONDS = 30.0

_R = TypeVar("_R")


def urn(type_token: str, name: str, stack: str = "dev") -> str:
    return f"urn:pulumi:{stack}::{PROJECT}::{type_token}::{name}"


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    milliseconds: float


@dataclass(frozen=True)
class Checked:
    inputs: dict[str, Any]  # engine side: secrets re-marked
    failures: list[tuple[str, str]]  # (property, reason)


@dataclass(frozen=True)
class Diffed:
    changes: str  # "DIFF_UNKNOWN" | "DIFF_NONE" | "DIFF_SOME"
    replaces: list[str]
    delete_before_replace: bool


@dataclass(frozen=True)
class Created:
    id: str
    outputs: dict[str, Any]  # engine side: secrets re-marked
    raw: dict[str, Any]  # exactly what the host answered, decoded


@dataclass(frozen=True)
class ReadBack:
    id: str
    outputs: dict[str, Any]
    inputs: dict[str, Any] | None


# -- the host ---------------------------------------------------------------------------------


@dataclass
class ProviderHost:
    """One `python -m pulumi.dynamic` process, driven as the engine drives it."""

    project: str = PROJECT
    cwd: Path = PROGRAM_DIR
    extra_env: Mapping[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    accept_secrets: bool = True  # until Configure says otherwise
    _process: subprocess.Popen[bytes] | None = None
    _channel: Any = None
    _stub: Any = None
    _stderr: list[bytes] = field(default_factory=list)
    _stdout_rest: list[bytes] = field(default_factory=list)

    def start(self) -> ProviderHost:
        started = time.perf_counter()
        env = {k: v for k, v in os.environ.items()
               if k not in ("DYNAMIC_API_TOKEN", "DYNAMIC_API_URL", "PYTHONUNBUFFERED")}
        env.update({
            "PULUMI_PROJECT": self.project,
            "PULUMI_CONFIG": "{}",  # host.go passes only the `pulumi-python:` namespace
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
            **self.extra_env,
        })
        # The engine passes its own gRPC address as the only argument; the host ignores it.
        self._process = subprocess.Popen(
            [sys.executable, "-u", "-m", "pulumi.dynamic", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=self.cwd,
        )
        port = self._read_port()
        self._drain(self._process.stderr, self._stderr)
        self._drain(self._process.stdout, self._stdout_rest)
        self._channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self._channel).result(timeout=START_TIMEOUT_SECONDS)
        self._stub = provider_pb2_grpc.ResourceProviderStub(self._channel)
        self.calls.append(Call("start", (time.perf_counter() - started) * 1000))
        return self

    def _read_port(self) -> int:
        assert self._process is not None and self._process.stdout is not None
        fd = self._process.stdout.fileno()
        selector = selectors.DefaultSelector()
        selector.register(fd, selectors.EVENT_READ)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        line = b""
        try:
            while not line.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(timeout=remaining):
                    raise TimeoutError("the provider host printed no port line")
                chunk = os.read(fd, 1)  # the engine reads it byte by byte, too
                if not chunk:
                    stderr = self._process.stderr.read() if self._process.stderr else b""
                    raise RuntimeError(f"the provider host exited: {stderr.decode()[-2000:]}")
                line += chunk
        finally:
            selector.close()
        return int(line.strip())

    @staticmethod
    def _drain(stream: Any, sink: list[bytes]) -> None:
        def run() -> None:
            for chunk in iter(lambda: stream.read1(4096), b""):
                sink.append(chunk)

        threading.Thread(target=run, daemon=True).start()

    def stderr_text(self) -> str:
        return b"".join(self._stderr).decode("utf-8", "replace")

    def stderr_with(self, needle: str, timeout: float = 5.0) -> str:
        """The stderr text once it holds `needle`, or as it is after `timeout` seconds (it
        is drained by a thread, so a line printed just before a call returned may still be
        on its way)."""
        deadline = time.monotonic() + timeout
        while needle not in (text := self.stderr_text()) and time.monotonic() < deadline:
            time.sleep(0.02)
        return text

    def stop(self) -> None:
        # The engine just kills the plugin: there is no shutdown RPC.
        if self._channel is not None:
            self._channel.close()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)

    # -- calls ----------------------------------------------------------------------------------

    def _timed(self, method: str, send: Callable[[], _R]) -> _R:
        started = time.perf_counter()
        try:
            return send()
        finally:
            self.calls.append(Call(method, (time.perf_counter() - started) * 1000))

    def _wire(self, values: Mapping[str, Any]) -> struct_pb2.Struct:
        return struct(values if self.accept_secrets else strip_secrets(dict(values)))

    def configure(self, config: Mapping[str, Any]) -> Any:
        """Configure with the stack config (`{"<namespace>:<key>": value}`, secrets wrapped)."""
        response = self._timed("Configure", lambda: self._stub.Configure(
            provider_pb2.ConfigureRequest(
                args=struct(config), acceptSecrets=True, acceptResources=True,
                sends_old_inputs=True, sends_old_inputs_to_delete=True,
                type="pulumi:providers:pulumi-python", name="default",
                urn=urn("pulumi:providers:pulumi-python", "default"),
            )
        ))
        self.accept_secrets = bool(response.acceptSecrets)
        return response

    def check(self, resource_urn: str, olds: Mapping[str, Any],
              news: Mapping[str, Any]) -> Checked:
        response = self._timed("Check", lambda: self._stub.Check(provider_pb2.CheckRequest(
            urn=resource_urn, olds=self._wire(olds), news=self._wire(news), randomSeed=b"0" * 32,
        )))
        inputs = annotate_secrets(decode(response.inputs), news)
        return Checked(inputs, [(f.property, f.reason) for f in response.failures])

    def diff(self, resource_id: str, resource_urn: str, olds: Mapping[str, Any],
             old_inputs: Mapping[str, Any], news: Mapping[str, Any]) -> Diffed:
        response = self._timed("Diff", lambda: self._stub.Diff(provider_pb2.DiffRequest(
            id=resource_id, urn=resource_urn, olds=self._wire(olds),
            old_inputs=self._wire(old_inputs), news=self._wire(news),
        )))
        return Diffed(
            provider_pb2.DiffResponse.DiffChanges.Name(response.changes),
            list(response.replaces), bool(response.deleteBeforeReplace),
        )

    def create(self, resource_urn: str, properties: Mapping[str, Any]) -> Created:
        response = self._timed("Create", lambda: self._stub.Create(provider_pb2.CreateRequest(
            urn=resource_urn, properties=self._wire(properties), timeout=60, preview=False,
        )))
        raw = decode(response.properties)
        outputs = annotate_secrets(decode(response.properties), properties)
        return Created(response.id, outputs, raw)

    def read(self, resource_id: str, resource_urn: str, properties: Mapping[str, Any],
             inputs: Mapping[str, Any]) -> ReadBack:
        response = self._timed("Read", lambda: self._stub.Read(provider_pb2.ReadRequest(
            id=resource_id, urn=resource_urn, properties=self._wire(properties),
            inputs=self._wire(inputs),
        )))
        outputs = annotate_secrets(decode(response.properties), properties)
        new_inputs = (
            annotate_secrets(decode(response.inputs), inputs)
            if response.HasField("inputs") else None
        )
        return ReadBack(response.id, outputs, new_inputs)

    def update(self, resource_id: str, resource_urn: str, olds: Mapping[str, Any],
               old_inputs: Mapping[str, Any], news: Mapping[str, Any]) -> Created:
        response = self._timed("Update", lambda: self._stub.Update(provider_pb2.UpdateRequest(
            id=resource_id, urn=resource_urn, olds=self._wire(olds),
            old_inputs=self._wire(old_inputs), news=self._wire(news), timeout=60, preview=False,
        )))
        raw = decode(response.properties)
        return Created(resource_id, annotate_secrets(decode(response.properties), news), raw)

    def delete(self, resource_id: str, resource_urn: str, properties: Mapping[str, Any],
               old_inputs: Mapping[str, Any]) -> None:
        self._timed("Delete", lambda: self._stub.Delete(provider_pb2.DeleteRequest(
            id=resource_id, urn=resource_urn, properties=self._wire(properties),
            old_inputs=self._wire(old_inputs), timeout=60,
        )))
