"""Planning from several threads at once: `drift` plans stages in a thread pool and the
Pulumi provider host serves calls in threads.

DeepDiff builds the paths of its results with `ast.literal_eval`, and CPython keeps the AST
constructor's recursion depth per interpreter rather than per thread (gh-106905): two threads
building ASTs at once can fail with "SystemError: AST constructor recursion depth mismatch".
Two concurrent applies against the emulator hit it about once in seventy runs, as an internal
error (exit 70). `diffing.compare` now lets one thread at a time into DeepDiff.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from pulumi_dynamic_security import diffing


def test_one_thread_at_a_time_inside_deepdiff(monkeypatch: pytest.MonkeyPatch) -> None:
    import deepdiff

    real = deepdiff.DeepDiff
    inside = 0
    most = 0
    guard = threading.Lock()

    def watched(*args: Any, **kwargs: Any) -> Any:
        nonlocal inside, most
        with guard:
            inside += 1
            most = max(most, inside)
        try:
            time.sleep(0.002)  # hand the GIL over, as I/O or a finalizer would
            return real(*args, **kwargs)
        finally:
            with guard:
                inside -= 1

    monkeypatch.setattr(deepdiff, "DeepDiff", watched)

    def plan_many() -> None:
        for index in range(20):
            diffing.compare(
                "allowed_origins",
                {"https://a.example.com", f"https://{index}.example.com"},
                {"https://b.example.com"},
            )

    threads = [threading.Thread(target=plan_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert most == 1
