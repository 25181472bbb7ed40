"""The emulator as a separate process (`dynsec emulator`), driven through its control routes
with the package's own `EmulatorHandle`.

A separate process keeps the emulator's CPU off the measured client, and lets the benchmark
read how much CPU the emulator itself used (to show it is not the bottleneck).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass
from types import TracebackType
from typing import IO, Any

import httpx

from bench.measure import REPO, dynsec_argv, process_cpu_seconds, read_first_line
from pulumi_dynamic_security.emulator.context import DEFAULT_ADMIN_TOKEN
from pulumi_dynamic_security.emulator.server import EmulatorHandle

ADMIN_TOKEN = DEFAULT_ADMIN_TOKEN  # the emulator's documented admin token (docs/emulator.md)
_LISTENING = re.compile(r"listening on (\S+/api/v0)")
WRITE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})


@dataclass(frozen=True)
class RequestLog:
    """What the emulator answered since the log was last cleared."""

    entries: list[dict[str, Any]]

    @property
    def total(self) -> int:
        return len(self.entries)

    @property
    def gets(self) -> int:
        return sum(1 for e in self.entries if e["method"] == "GET")

    @property
    def writes(self) -> int:
        return sum(1 for e in self.entries if e["method"] in WRITE_METHODS)

    @property
    def rate_limited(self) -> int:
        return sum(1 for e in self.entries if e["status"] == 429)

    def most_gets(self, environment_ids: list[str]) -> int:
        """The most GETs any one of `environment_ids` cost (paths under its
        `/environments/{id}`)."""
        counts = Counter(
            e["path"].split("/")[2] for e in self.entries
            if e["method"] == "GET" and e["path"].startswith("/environments/")
        )
        return max((counts.get(i, 0) for i in environment_ids), default=0)

    def paths(self, path: str) -> int:
        """How many requests were made to `path`."""
        return sum(1 for e in self.entries if e["path"] == path)

    def statuses(self) -> dict[int, int]:
        return dict(Counter(int(e["status"]) for e in self.entries))


class EmulatorProcess:
    """`dynsec emulator --port 0 --seed empty` in a child process."""

    def __init__(self, *, seed: str = "empty", start_timeout: float = 30.0) -> None:
        # Closed in close(): the file lives as long as the process writing to it.
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self._proc = subprocess.Popen(
            [*dynsec_argv(), "emulator", "--port", "0", "--seed", seed],
            stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL,
            env=env, cwd=REPO,
        )
        try:
            self.base_url = self._read_url(start_timeout)
        except BaseException:
            self.close()
            raise
        self.root_url = self.base_url.removesuffix("/api/v0")
        self._control = httpx.Client(base_url=self.root_url, timeout=60.0)
        self._handle = EmulatorHandle(root_url=self.root_url, token=ADMIN_TOKEN,
                                      _client=self._control)

    @property
    def pid(self) -> int:
        return self._proc.pid

    def _read_url(self, timeout: float) -> str:
        stdout = self._proc.stdout
        assert stdout is not None
        try:
            text = read_first_line(stdout, timeout).decode("utf-8", "replace")
        except TimeoutError:
            raise RuntimeError("the emulator did not announce its address in time") from None
        except EOFError:
            self._stderr.seek(0)
            detail = self._stderr.read().decode("utf-8", "replace")[-2000:]
            raise RuntimeError(f"the emulator exited before listening: {detail}") from None
        match = _LISTENING.search(text)
        if match is None:
            raise RuntimeError(f"unexpected emulator announcement: {text.strip()!r}")
        return match.group(1)

    def cpu_seconds(self) -> float | None:
        return process_cpu_seconds(self._proc.pid)

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        return self._handle.set_faults(**faults)

    def clear_requests(self) -> None:
        self._handle.clear_requests()

    def requests(self) -> RequestLog:
        return RequestLog(self._handle.requests())

    def set_hostname_status(self, environment_id: str, hostname_id: str, status: str) -> None:
        self._handle.set_hostname_status(environment_id, hostname_id, status)

    def mint_jwt(self, environment_id: str, **request: Any) -> dict[str, Any]:
        return self._handle.mint_jwt(environment_id, **request)

    def close(self) -> None:
        control = getattr(self, "_control", None)
        if control is not None:
            control.close()
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._stderr.close()

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
