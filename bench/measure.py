"""Measuring one process: wall time, peak memory and CPU time of exactly that process.

Peak memory needs care. Linux carries a process's RSS high-water mark across `exec`, and a
child forked (or vforked) from the benchmark starts with the benchmark's own RSS as its
high-water mark; `RUSAGE_CHILDREN` would moreover mix in every other child (the emulator).
So each command is started by a tiny launcher (a bare `python -S`, ~8 MB) that forks, execs
the command, and reads the command's own usage with `os.wait4`: what it reports is the
command's alone, with a floor of the launcher's few megabytes, below anything measured here.
"""

from __future__ import annotations

import json
import os
import platform
import selectors
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Measured:
    """One finished process."""

    argv: tuple[str, ...]
    returncode: int
    wall_s: float
    peak_rss_mb: float
    cpu_user_s: float
    cpu_system_s: float
    stdout: str
    stderr: str

    @property
    def cpu_s(self) -> float:
        return self.cpu_user_s + self.cpu_system_s


def dynsec_argv() -> list[str]:
    """How to start `dynsec`: the console script next to this interpreter, as users do."""
    script = shutil.which("dynsec", path=str(Path(sys.executable).parent))
    if script is not None:
        return [script]
    return [sys.executable, "-m", "pulumi_dynamic_security.cli.main"]


# Runs as `python -S -c _LAUNCHER RESULT_FILE ARGV...`: fork, exec ARGV, wait4, and write
# the wall time and resource usage of ARGV's process as JSON to RESULT_FILE.
_LAUNCHER = """
import json, os, sys, time
result, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(result, "w") as out:
    json.dump({"wall": wall, "status": status, "maxrss": usage.ru_maxrss,
               "utime": usage.ru_utime, "stime": usage.ru_stime}, out)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _peak_rss_mb(maxrss: int) -> float:
    # Linux reports kilobytes, macOS bytes.
    return maxrss / (1024 * 1024) if sys.platform == "darwin" else maxrss / 1024


def run_measured(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path = REPO,
    timeout: float = 900.0,
) -> Measured:
    """Run `argv` to completion through the launcher and measure it (stdout and stderr go
    through files, so a chatty child can never block on a full pipe)."""
    with tempfile.TemporaryDirectory(prefix="dynsec-measure-") as tmp:
        result = Path(tmp) / "usage.json"
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            completed = subprocess.run(
                [sys.executable, "-S", "-c", _LAUNCHER, str(result), *argv],
                stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                env=dict(env) if env is not None else None, cwd=cwd, timeout=timeout,
                check=False,
            )
        if not result.exists():
            raise RuntimeError(f"could not run {list(argv)[:3]} (exit {completed.returncode})")
        usage = json.loads(result.read_text())
        return Measured(
            argv=tuple(argv),
            returncode=completed.returncode,
            wall_s=float(usage["wall"]),
            peak_rss_mb=_peak_rss_mb(int(usage["maxrss"])),
            cpu_user_s=float(usage["utime"]),
            cpu_system_s=float(usage["stime"]),
            stdout=out_path.read_bytes().decode("utf-8", "replace"),
            stderr=err_path.read_bytes().decode("utf-8", "replace"),
        )


def median_wall(argv: Sequence[str], runs: int, *, env: Mapping[str, str] | None = None,
                warmup: int = 1) -> tuple[float, list[float], Measured]:
    """Median wall time of `runs` runs (after `warmup` unmeasured ones, which fill the OS
    file cache and write the bytecode cache as any second run of a command would find it)."""
    for _ in range(warmup):
        run_measured(argv, env=env)
    samples: list[Measured] = [run_measured(argv, env=env) for _ in range(max(1, runs))]
    walls = [m.wall_s for m in samples]
    return statistics.median(walls), walls, samples[-1]


def read_first_line(stream: IO[bytes], timeout: float) -> bytes:
    """What `stream` (a child's stdout) holds up to its first newline, read without blocking
    past `timeout` seconds: TimeoutError when no line came in time, EOFError when the stream
    ended first."""
    deadline = time.monotonic() + timeout
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise TimeoutError(f"no line within {timeout:.0f}s")
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                raise EOFError
            buffer += chunk
    return buffer


def time_to_first_line(argv: Sequence[str], *, env: Mapping[str, str] | None = None,
                       timeout: float = 60.0) -> float:
    """Seconds from spawning `argv` to its first line on stdout; the process is then ended."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        env=dict(env) if env is not None else None, cwd=REPO,
    )
    assert proc.stdout is not None
    try:
        try:
            read_first_line(proc.stdout, started + timeout - time.perf_counter())
        except TimeoutError:
            raise TimeoutError(f"no line from {argv[:3]} within {timeout:.0f}s") from None
        except EOFError:
            raise RuntimeError(f"{argv[:3]} exited (code {proc.wait()}) before a line") from None
        return time.perf_counter() - started
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def median_first_line(argv: Sequence[str], runs: int, *,
                      env: Mapping[str, str] | None = None) -> tuple[float, list[float]]:
    time_to_first_line(argv, env=env)  # warm-up, as in `median_wall`
    samples = [time_to_first_line(argv, env=env) for _ in range(max(1, runs))]
    return statistics.median(samples), samples


def process_cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) consumed so far by a running process, where /proc exists."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def _calibrate() -> float:
    """Milliseconds for a fixed pure-Python workload (best of three): how fast this machine
    was at the time, for comparing runs made on a shared or throttled machine."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        sum(i * i for i in range(1_000_000))
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
        "load_average": list(load) if load else None,
        "cpu_calibration_ms": _calibrate(),
    }
