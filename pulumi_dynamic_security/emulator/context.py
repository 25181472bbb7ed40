"""`Emulator`: everything a request handler may touch, in one object.

One instance per app, used from the server's event loop only. Handlers change `state` with no
`await` between reading and writing, so concurrent requests never interleave inside a change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pulumi_dynamic_security.emulator import seeds
from pulumi_dynamic_security.emulator.faults import FaultInjector, FaultSettings
from pulumi_dynamic_security.emulator.persistence import StateStore
from pulumi_dynamic_security.emulator.state import State

DEFAULT_ADMIN_TOKEN = "dyn_emulator"  # a fixed test fixture, not a credential


@dataclass
class RequestRecord:
    method: str
    path: str
    status: int

    def to_json(self) -> dict[str, object]:
        return {"method": self.method, "path": self.path, "status": self.status}


@dataclass
class Emulator:
    """The state, its store, the admin token, the faults and the request log."""

    state: State
    admin_token: str = DEFAULT_ADMIN_TOKEN
    store: StateStore | None = None
    faults: FaultInjector = field(default_factory=FaultInjector)
    requests: list[RequestRecord] = field(default_factory=list)

    def commit(self) -> None:
        """Persist the state after a change (a no-op without `--state`)."""
        if self.store is not None:
            self.store.save(self.state)

    def reset(self, seed: str) -> None:
        """Start over from a seed: fresh state, empty request log, every fault off."""
        self.state = seeds.build(seed)
        self.requests.clear()
        self.faults.apply(FaultSettings())
        self.commit()
