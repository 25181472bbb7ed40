"""The benchmark cannot rot: `python -m bench --quick` runs every scenario end to end (tiny
sizes, no latency) and writes its table as JSON. Nothing here judges a time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = [
    "dynsec --help",
    "dynsec validate (example)",
    "provider host: port line",
    "provider host + providers",
    "emulator round trip (one GET)",
    "drift N=1",
    "drift N=2",
    "latency-bound",
    "budget-bound",
    "no-op apply",
    "verify (warm cache) vs jwt.decode",
]


def test_the_quick_benchmark_runs_every_scenario(tmp_path: Path) -> None:
    output = tmp_path / "latest.json"
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(output)],
        cwd=REPO, capture_output=True, text=True, timeout=600, check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    document = json.loads(output.read_text())
    rows = {row["scenario"]: row for row in document["rows"]}
    assert list(rows) == SCENARIOS
    assert document["quick"] is True
    assert document["table"] in completed.stdout  # the one table, printed as written

    for name in ("drift N=1", "drift N=2", "latency-bound", "budget-bound"):
        row = rows[name]
        assert row["exit_code"] == 0, row["note"]
        assert row["gets_per_env"] == (4 * (row["envs"] // 2) + 5 * (row["envs"] // 2) + 1) / (
            row["envs"])  # 4 per sandbox, 5 per live environment, the catalogue once
        assert row["figures"]["max_gets_sandbox"] == 4
        assert row["figures"]["max_gets_live"] == 5
        assert row["figures"]["event_type_reads"] == 1
        assert row["writes"] == 0
        assert row["rate_limited"] == 0
        assert row["met"] is True
        assert row["peak_rss_mb"] > 0
        for key in ("wall_s", "latency_bound_s", "budget_bound_s", "ratio", "floor_s"):
            assert row[key] is not None
    assert rows["no-op apply"]["writes"] == 0
    assert rows["no-op apply"]["met"] is True
    verify = rows["verify (warm cache) vs jwt.decode"]
    assert verify["requests"] == 0 and verify["met"] is True  # a warm cache: no request
    assert verify["ratio"] > 0 and verify["figures"]["tokens_per_second_per_core"] > 0
    assert "tokens/s per core" in verify["note"]
    for name in SCENARIOS[:2]:
        assert rows[name]["exit_code"] == 0
        assert rows[name]["wall_s"] > 0
    assert rows["provider host: port line"]["wall_s"] is not None, (
        rows["provider host: port line"]["note"]
    )
