"""`dynsec emulator` as a user starts it: a subprocess of its own, on a free port."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

LISTENING = re.compile(r"listening on (http://\S+/api/v0)")


class Served(NamedTuple):
    base_url: str
    process: subprocess.Popen[str]
    banner: str  # the first line it printed


@contextmanager
def dynsec_emulator(*args: str) -> Iterator[Served]:
    """`dynsec emulator --port 0 ARGS...`, once it has announced its address; interrupted
    (SIGINT, as Ctrl-C would) on the way out unless the test has stopped it already."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "pulumi_dynamic_security.cli.main", "emulator", "--port", "0",
         *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        match = LISTENING.search(banner)
        assert match, f"unexpected first line {banner!r}"
        yield Served(match.group(1), proc, banner)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
