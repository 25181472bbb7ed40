"""The benchmark: `python -m bench [--quick] [--sizes 10,100,500] [--latency-ms 50] ...`.

Scenarios, each `dynsec` command run as a subprocess of its own (wall time, peak RSS and
CPU time of that process alone; the request log of the emulator, cleared before each):

* start-up: `dynsec --help`, `dynsec validate examples/dynamic-security.yaml` (medians),
  and the Pulumi provider host's cold start: `python -u -m pulumi.dynamic` until it prints
  its port, bare and with this package's providers imported first;
* the emulator's real round trip: one GET at a time at the injected latency (a probe);
* `drift` over N projects (2N environments) for each size, with the defaults a user gets
  (concurrency 8, a budget of 1000 requests a minute) at the injected latency;
* latency-bound: 200 environments, concurrency 16, the budget raised out of the way
  (the median of five runs);
* budget-bound: 500 environments against an emulator limited to Dynamic's 1,500 requests a
  minute, with the default budget: no request may be answered 429;
* peak memory for 1,000 environments (the largest drift row, or a run of its own);
* a no-op `apply` on a converged stage: no write;
* the JWT verifier with a warm cache against PyJWT's `jwt.decode` (`bench.verify`).

Each drift row shows the ideal for the GETs of docs/apply.md#reads next to the measurement,
and the burst-aware floor (`report.Row.set_ideal`). The run prints one table and writes it,
with the machine it ran on (the numbers are only as quiet as the machine), as JSON
(bench/results/latest.json by default).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.emulator import ADMIN_TOKEN, EmulatorProcess
from bench.fleet import Fleet, write_policy
from bench.measure import (
    REPO,
    dynsec_argv,
    machine,
    median_first_line,
    median_wall,
    run_measured,
)
from bench.report import (
    GETS_LIVE,
    GETS_PER_RUN,
    GETS_SANDBOX,
    Check,
    Row,
    render_table,
    write_json,
)
from bench.verify import verify_row

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
EXAMPLE_POLICY = "examples/dynamic-security.yaml"
DEFAULT_BUDGET = 1000  # docs/cli.md#the-request-budget
DYNAMIC_RATE_LIMIT = 1500  # Dynamic's admin requests per minute per IP
RAISED_BUDGET = 1_000_000


@dataclass(frozen=True)
class Settings:
    sizes: tuple[int, ...] = (10, 100, 500)
    latency_ms: float = 50.0
    concurrency: int = 8  # `dynsec drift`'s default
    budget: int = DEFAULT_BUDGET
    latency_bound_envs: int = 200
    latency_bound_concurrency: int = 16
    budget_bound_envs: int = 500
    server_rate_limit: int = DYNAMIC_RATE_LIMIT
    memory_envs: int = 1000
    startup_runs: int = 7
    repeats: int = 5  # latency-bound runs (median reported)
    probe_requests: int = 50
    quick: bool = False

    @classmethod
    def quick_settings(cls) -> Settings:
        return cls(
            sizes=(1, 2), latency_ms=0.0, latency_bound_envs=4, budget_bound_envs=4,
            memory_envs=4, startup_runs=1, repeats=1, probe_requests=5, quick=True,
        )

    def projects_needed(self) -> int:
        envs = [2 * n for n in self.sizes]
        envs += [self.latency_bound_envs, self.budget_bound_envs, self.memory_envs]
        return max((e + 1) // 2 for e in envs)


def _client_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DYNSEC_", "DYNAMIC_"))}
    env["DYNAMIC_API_TOKEN"] = ADMIN_TOKEN
    return env


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Bench:
    def __init__(self, settings: Settings, emulator: EmulatorProcess, fleet: Fleet,
                 workdir: Path) -> None:
        self.settings = settings
        self.emulator = emulator
        self.fleet = fleet
        self.workdir = workdir
        self.dynsec = dynsec_argv()

    def policy_for(self, envs: int) -> Path:
        projects = self.fleet.projects[: (envs + 1) // 2]
        return write_policy(self.workdir / f"policy-{envs}.yaml", projects)

    # -- drift ---------------------------------------------------------------------------------

    def drift(self, scenario: str, envs: int, *, concurrency: int, budget: int,
              rate_limit: int = 0, repeats: int = 1) -> Row:
        """Measure `dynsec drift`; with `repeats`, the run with the median wall time."""
        rows = [self._drift_once(scenario, envs, concurrency=concurrency, budget=budget,
                                 rate_limit=rate_limit) for _ in range(max(1, repeats))]
        rows.sort(key=lambda r: r.wall_s or 0.0)
        row = rows[len(rows) // 2]
        if len(rows) > 1:
            row.samples_s = [r.wall_s or 0.0 for r in rows]
            row.note = f"median of {len(rows)} runs"
        return row

    def _drift_once(self, scenario: str, envs: int, *, concurrency: int, budget: int,
                    rate_limit: int) -> Row:
        s = self.settings
        policy = self.policy_for(envs)
        envs = 2 * ((envs + 1) // 2)
        _log(f"{scenario}: dynsec drift over {envs} environments ...")
        self.emulator.set_faults(latency_ms=s.latency_ms, rate_limit=rate_limit)
        self.emulator.clear_requests()
        cpu_before = self.emulator.cpu_seconds()
        measured = run_measured(
            [*self.dynsec, "drift", str(policy), "--format", "json",
             "--concurrency", str(concurrency), "--max-requests-per-minute", str(budget),
             "--api-url", self.emulator.base_url],
            env=_client_env(),
        )
        cpu_after = self.emulator.cpu_seconds()
        log = self.emulator.requests()
        self.emulator.set_faults(rate_limit=0)
        row = Row(
            scenario=scenario, kind="drift", envs=envs, concurrency=concurrency,
            budget_per_min=budget, server_rate_limit=rate_limit or None,
            latency_ms=s.latency_ms, requests=log.total, gets=log.gets, writes=log.writes,
            rate_limited=log.rate_limited, exit_code=measured.returncode,
            wall_s=measured.wall_s, peak_rss_mb=measured.peak_rss_mb,
            client_cpu_s=measured.cpu_s,
            emulator_cpu_s=(cpu_after - cpu_before
                            if cpu_after is not None and cpu_before is not None else None),
        )
        row.set_ideal()
        projects = self.fleet.projects[: (envs + 1) // 2]
        sandbox = log.most_gets([p.sandbox for p in projects])
        live = log.most_gets([p.live for p in projects])
        row.figures.update(max_gets_sandbox=sandbox, max_gets_live=live,
                           event_type_reads=log.paths("/eventTypes"))
        row.checks.append(Check(
            f"<= {GETS_SANDBOX} GET/sandbox env, <= {GETS_LIVE}/live, {GETS_PER_RUN} "
            "GET /eventTypes, no write, exit 0",
            measured.returncode == 0 and log.writes == 0 and sandbox <= GETS_SANDBOX
            and live <= GETS_LIVE and log.paths("/eventTypes") == GETS_PER_RUN
            and _planned_all(measured.stdout, envs),
        ))
        if measured.returncode != 0:
            row.note = f"exit {measured.returncode}: {measured.stderr.strip()[-300:]}"
        return row

    def size_rows(self) -> list[Row]:
        s = self.settings
        return [
            self.drift(f"drift N={n}", 2 * n, concurrency=s.concurrency, budget=s.budget)
            for n in s.sizes
        ]

    def latency_bound(self) -> Row:
        s = self.settings
        row = self.drift("latency-bound", s.latency_bound_envs,
                         concurrency=s.latency_bound_concurrency, budget=RAISED_BUDGET,
                         repeats=s.repeats)
        row.checks.append(Check("within 1.4x of ideal", self._timed(row, 1.4)))
        return row

    def budget_bound(self) -> Row:
        s = self.settings
        row = self.drift("budget-bound", s.budget_bound_envs, concurrency=s.concurrency,
                         budget=s.budget, rate_limit=s.server_rate_limit)
        row.checks.append(Check(
            "within 1.05x of the burst floor",
            None if s.quick else row.floor_ratio is not None and row.floor_ratio <= 1.05,
        ))
        row.checks.append(Check("no 429", row.rate_limited == 0))
        return row

    def memory(self, rows: list[Row]) -> None:
        """Peak memory for `memory_envs` environments: judged on the largest drift row that
        covers them, or on a run of its own."""
        s = self.settings
        covering = [r for r in rows if r.kind == "drift" and (r.envs or 0) >= s.memory_envs]
        if not covering:
            row = self.drift("memory", s.memory_envs, concurrency=s.concurrency,
                             budget=RAISED_BUDGET)
            rows.append(row)
            covering = [row]
        row = min(covering, key=lambda r: r.envs or 0)
        ok = row.peak_rss_mb is not None and row.peak_rss_mb < 150
        row.checks.append(Check(f"< 150 MB peak for {s.memory_envs} envs",
                                None if s.quick else ok))

    def round_trip(self) -> Row:
        """One GET at a time with a bare HTTP client: what a request really costs against
        this emulator at the injected latency (its own processing, timer rounding, the
        loopback network), for reading the drift rows' ratios."""
        s = self.settings
        _log("emulator round trip ...")
        self.emulator.set_faults(latency_ms=s.latency_ms, rate_limit=0)
        path = f"/environments/{self.fleet.projects[0].sandbox}"
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        walls = []
        with httpx.Client(base_url=self.emulator.base_url, headers=headers) as client:
            for i in range(5 + s.probe_requests):
                started = time.perf_counter()
                client.get(path).raise_for_status()
                if i >= 5:  # after a few to open the connection and warm up
                    walls.append(time.perf_counter() - started)
        row = Row(scenario="emulator round trip (one GET)", kind="probe",
                  latency_ms=s.latency_ms, wall_s=statistics.median(walls), samples_s=walls,
                  note=f"median of {len(walls)}, injected latency {s.latency_ms:g} ms")
        row.checks.append(Check("reported (no target)", None))
        return row

    def _timed(self, row: Row, limit: float) -> bool | None:
        if self.settings.quick:
            return None  # no latency in a smoke run: ratios mean nothing
        return row.ratio is not None and row.ratio <= limit

    # -- apply -------------------------------------------------------------------------------

    def noop_apply(self) -> Row:
        policy = self.policy_for(2)
        stage = f"{self.fleet.projects[0].name}-live"
        _log(f"no-op apply: dynsec apply --stage {stage} ...")
        self.emulator.set_faults(latency_ms=self.settings.latency_ms, rate_limit=0)
        self.emulator.clear_requests()
        measured = run_measured(
            [*self.dynsec, "apply", str(policy), "--stage", stage, "--yes",
             "--api-url", self.emulator.base_url],
            env=_client_env(),
        )
        log = self.emulator.requests()
        row = Row(
            scenario="no-op apply", kind="apply", envs=1, concurrency=1,
            latency_ms=self.settings.latency_ms, requests=log.total, gets=log.gets,
            writes=log.writes, rate_limited=log.rate_limited, exit_code=measured.returncode,
            wall_s=measured.wall_s, peak_rss_mb=measured.peak_rss_mb,
            client_cpu_s=measured.cpu_s,
        )
        row.checks.append(Check("0 writes, exit 0", log.writes == 0 and measured.returncode == 0))
        return row

    # -- start-up ----------------------------------------------------------------------------

    def startup_rows(self) -> list[Row]:
        runs = self.settings.startup_runs
        rows = []
        for scenario, args, limit in (
            ("dynsec --help", ["--help"], 0.3),
            ("dynsec validate (example)", ["validate", EXAMPLE_POLICY], 0.5),
        ):
            _log(f"start-up: {scenario} x{runs} ...")
            median, walls, last = median_wall([*self.dynsec, *args], runs, env=_client_env())
            row = Row(scenario=scenario, kind="startup", wall_s=median, samples_s=walls,
                      peak_rss_mb=last.peak_rss_mb, client_cpu_s=last.cpu_s,
                      exit_code=last.returncode)
            row.checks.append(Check(
                f"< {limit} s median",
                None if self.settings.quick else (median < limit and last.returncode == 0),
            ))
            rows.append(row)
        rows.extend(self.provider_host_rows())
        return rows

    def provider_host_rows(self) -> list[Row]:
        runs = max(1, min(5, self.settings.startup_runs))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
        bare = [sys.executable, "-u", "-m", "pulumi.dynamic"]
        with_providers = [
            sys.executable, "-u", "-c",
            "import pulumi_dynamic_security.providers, runpy; "
            "runpy.run_module('pulumi.dynamic', run_name='__main__', alter_sys=True)",
        ]
        rows = []
        for scenario, argv in (("provider host: port line", bare),
                               ("provider host + providers", with_providers)):
            _log(f"start-up: {scenario} x{runs} ...")
            row = Row(scenario=scenario, kind="startup")
            try:
                row.wall_s, row.samples_s = median_first_line(argv, runs, env=env)
            except (RuntimeError, TimeoutError) as exc:
                row.note = f"failed: {exc}"[:300]
            row.checks.append(Check("reported (no target)", None))
            rows.append(row)
        return rows


def _planned_all(stdout: str, envs: int) -> bool:
    """Every stage came back planned, none in error (the drift JSON of
    docs/cli.md#output-formats)."""
    try:
        report = json.loads(stdout)
    except ValueError:
        return False
    return len(report.get("stages", ())) == envs and not report.get("errors")


def parse_args(argv: Sequence[str] | None) -> tuple[Settings, Path]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: tiny sizes, no latency, timing targets not judged")
    parser.add_argument("--sizes", default=None,
                        help="comma-separated project counts N (2N environments each)")
    parser.add_argument("--latency-ms", type=float, default=None,
                        help="latency the emulator adds to every API request (default 50)")
    parser.add_argument("--startup-runs", type=int, default=None,
                        help="runs per start-up measurement (median reported)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(argv)
    settings = Settings.quick_settings() if args.quick else Settings()
    changes: dict[str, Any] = {}
    if args.sizes:
        changes["sizes"] = tuple(int(part) for part in args.sizes.split(",") if part.strip())
    if args.latency_ms is not None:
        changes["latency_ms"] = args.latency_ms
    if args.startup_runs is not None:
        changes["startup_runs"] = args.startup_runs
    if changes:
        settings = Settings(**{**settings.__dict__, **changes})
    return settings, args.output


def main(argv: Sequence[str] | None = None) -> int:
    settings, output = parse_args(argv)
    command = "python -m bench" + (" " + " ".join(argv if argv is not None else sys.argv[1:]))
    started = time.monotonic()
    machine_before = machine()
    _log(f"machine: {machine_before['cpus']} CPUs, load average {machine_before['load_average']}, "
         f"calibration {machine_before['cpu_calibration_ms']} ms")
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="dynsec-bench-") as tmp, \
            EmulatorProcess() as emulator:
        fleet = Fleet(emulator)
        try:
            count = settings.projects_needed()
            _log(f"set-up: {count} projects ({2 * count} environments) ...")
            setup_started = time.monotonic()
            fleet.grow_to(count)
            full_policy = write_policy(Path(tmp) / "policy-all.yaml", fleet.projects)
            fleet.converge(full_policy, fleet.projects)
            setup_s = time.monotonic() - setup_started
            _log(f"set-up: done in {setup_s:.1f}s")
            bench = Bench(settings, emulator, fleet, Path(tmp))
            rows.extend(bench.startup_rows())
            rows.append(bench.round_trip())
            drift_rows = bench.size_rows()
            rows.extend(drift_rows)
            rows.append(bench.latency_bound())
            rows.append(bench.budget_bound())
            bench.memory(rows)
            rows.append(bench.noop_apply())
            rows.append(verify_row(emulator, fleet.projects[0].live, quick=settings.quick))
        finally:
            fleet.close()
    table = render_table(rows)
    print(table, end="")
    judged = [row.met for row in rows if row.met is not None]
    document = {
        "command": command.strip(),
        "quick": settings.quick,
        "settings": settings.__dict__,
        "machine": {**machine_before, "after": machine()},
        "setup_s": round(setup_s, 2),
        "total_s": round(time.monotonic() - started, 2),
        "targets_met": all(judged) if judged else None,
        "rows": [row.to_json() for row in rows],
        "table": table,
    }
    write_json(output, document)
    try:
        shown = output.resolve().relative_to(REPO)
    except ValueError:
        shown = output
    _log(f"wrote {shown}")
    return 0
