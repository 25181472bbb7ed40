"""`pulumi.runtime.set_mocks` helpers: record what a program registers, as the engine would
see it (types, names, parents, inputs, `additionalSecretOutputs`, `retainOnDelete`, the
stack's exports), with the stack config the program reads.

Under mocks no provider code runs: `new_resource` answers with the inputs as outputs (plus
made-up computed token and webhook outputs), which is enough to check what the program declares.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import mocks, rpc
from pulumi.runtime.settings import get_root_resource

TOKEN_ID = "tok-00000000"
RAW_TOKEN = "raw-token-under-mocks"
WEBHOOK_ID = "wh-00000000"
WEBHOOK_SECRET = "webhook-secret-under-mocks"


@dataclass
class Registration:
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    additional_secret_outputs: list[str]
    retain_on_delete: bool


@dataclass
class Recorder(pulumi.runtime.Mocks):
    """Answers registrations; computed token outputs get fixed values."""

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[str, Any]]:
        outputs = dict(args.inputs)
        if args.typ.endswith(":ApiTokenRotation"):
            outputs.update(token_id=TOKEN_ID, token=RAW_TOKEN, created_at="2026-01-01T00:00:00Z",
                           rotate_after="2026-04-01T00:00:00Z")
        if args.typ.endswith(":Webhook"):
            outputs.update(webhook_id=WEBHOOK_ID, secret=WEBHOOK_SECRET)
        if not args.custom:
            return None, outputs
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[Any]]:
        return {}, []


class RecordingMonitor(mocks.MockMonitor):
    """The mock monitor, keeping each RegisterResource request's interesting fields."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(recorder)
        self.registrations: list[Registration] = []
        self.exports: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:  # the gRPC method's name
        if request.type != "pulumi:pulumi:Stack":
            self.registrations.append(Registration(
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=bool(request.custom),
                inputs=rpc.deserialize_properties(request.object, keep_unknowns=True),
                additional_secret_outputs=list(request.additionalSecretOutputs),
                retain_on_delete=bool(request.retainOnDelete),
            ))
        return super().RegisterResource(request)  # type: ignore[no-untyped-call]

    def by_name(self, name: str) -> Registration:
        for registration in self.registrations:
            if registration.name == name:
                return registration
        raise KeyError(f"nothing registered as {name!r}: {[r.name for r in self.registrations]}")


def run_under_mocks(
    program: Callable[[], Any], *, project: str, stack: str,
    config: Mapping[str, str] | None = None,
) -> RecordingMonitor:
    """Run `program` (which builds resources and may export) under fresh mocks, with the
    stack config `config` (full keys: `{"dynamic-security:stage": "staging"}`); returns what
    was registered, with the stack's exports resolved in `exports`."""
    # Pulumi's runtime needs a current event loop in this thread; a test that ran
    # `asyncio.run` before leaves none. Each run gets its own.
    asyncio.set_event_loop(asyncio.new_event_loop())
    pulumi.runtime.set_all_config(dict(config or {}))
    recorder = Recorder()
    monitor = RecordingMonitor(recorder)
    pulumi.runtime.set_mocks(recorder, project=project, stack=stack, monitor=monitor)

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> Any:
        program()
        root = get_root_resource()
        assert root is not None
        outputs: dict[str, Any] = dict(getattr(root, "outputs", {}))
        names = sorted(outputs)
        return pulumi.Output.all(*[outputs[n] for n in names]).apply(
            lambda values: monitor.exports.update(zip(names, values, strict=True))
        )

    run()
    return monitor


def unwrap(value: Any) -> Any:
    return rpc.unwrap_rpc_secret(value) if rpc.is_rpc_secret(value) else value
