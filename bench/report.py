"""The benchmark's one table: rows, targets, markdown rendering and the JSON document."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# docs/apply.md#reads: settings, origins, tokens and webhooks for every environment, and the
# test account too for a production stage (the fleet's live ones); `GET /eventTypes` once
# per run when a stage manages webhooks.
GETS_SANDBOX = 4
GETS_LIVE = 5
GETS_PER_RUN = 1


def expected_gets(envs: int) -> int:
    """The GETs a perfect client makes for `envs` environments of the fleet (half sandbox,
    half live, every live stage managing a webhook)."""
    return (envs // 2) * GETS_SANDBOX + (envs - envs // 2) * GETS_LIVE + GETS_PER_RUN
WINDOW_S = 60.0  # the request budget's rolling window (docs/cli.md#the-request-budget)


@dataclass(frozen=True)
class Check:
    """One target: what it promises, and whether this run kept it (None: not judged)."""

    target: str
    met: bool | None


@dataclass
class Row:
    scenario: str
    kind: str  # "drift", "apply", "startup", "probe" or "verify"
    envs: int | None = None
    concurrency: int | None = None
    budget_per_min: int | None = None
    server_rate_limit: int | None = None
    latency_ms: float | None = None
    requests: int | None = None
    gets: int | None = None
    writes: int | None = None
    rate_limited: int | None = None
    exit_code: int | None = None
    wall_s: float | None = None
    latency_bound_s: float | None = None
    budget_bound_s: float | None = None
    ratio: float | None = None
    floor_s: float | None = None
    floor_ratio: float | None = None
    peak_rss_mb: float | None = None
    client_cpu_s: float | None = None
    emulator_cpu_s: float | None = None
    samples_s: list[float] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)  # a scenario's own measurements
    checks: list[Check] = field(default_factory=list)
    note: str = ""

    @property
    def gets_per_env(self) -> float | None:
        if self.gets is None or not self.envs:
            return None
        return self.gets / self.envs

    @property
    def met(self) -> bool | None:
        judged = [c.met for c in self.checks if c.met is not None]
        if not judged:
            return None
        return all(judged)

    def set_ideal(self) -> None:
        """The ideal wall time of a perfect client making the GETs of docs/apply.md#reads
        (`expected_gets`: 4 per sandbox environment, 5 per live one, one catalogue read per
        run): the larger of `requests x latency / concurrency` (the latency
        bound) and `requests / budget per second` (the budget's steady rate); `ratio` is the
        measured wall time over it.

        The budget allows bursts (N requests at once, then one as each leaves its 60 s
        window), so the steady rate is not a floor: 2,251 requests at 1,000 a minute need
        two full windows plus the last 251 at the latency bound, not 135 s. `floor_s` is that
        burst-aware lower bound, and `floor_ratio` the wall time over it."""
        assert self.envs is not None and self.concurrency and self.budget_per_min
        assert self.latency_ms is not None and self.wall_s is not None
        requests = expected_gets(self.envs)
        per_request = self.latency_ms / 1000 / self.concurrency
        self.latency_bound_s = requests * per_request
        self.budget_bound_s = requests / (self.budget_per_min / 60)
        ideal = max(self.latency_bound_s, self.budget_bound_s)
        self.ratio = self.wall_s / ideal if ideal > 0 else None
        full_windows = (requests - 1) // self.budget_per_min
        last = requests - full_windows * self.budget_per_min
        self.floor_s = max(self.latency_bound_s, full_windows * WINDOW_S + last * per_request)
        self.floor_ratio = self.wall_s / self.floor_s if self.floor_s > 0 else None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["gets_per_env"] = self.gets_per_env
        data["met"] = self.met
        return data


COLUMNS = (
    "scenario", "envs", "conc", "budget/min", "requests", "GET/env", "writes", "429s",
    "wall s", "latency bound s", "budget bound s", "ratio", "burst floor s", "x floor",
    "peak MB", "client CPU s", "emulator CPU s", "target", "met",
)


def _num(value: float | None, digits: int = 2) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.{digits}f}"


def _cells(row: Row) -> list[str]:
    met = row.met
    return [
        row.scenario,
        _num(row.envs),
        _num(row.concurrency),
        _num(row.budget_per_min),
        _num(row.requests),
        _num(row.gets_per_env),
        _num(row.writes),
        _num(row.rate_limited),
        _num(row.wall_s, 3 if row.kind in ("startup", "probe") else 2),
        _num(row.latency_bound_s),
        _num(row.budget_bound_s),
        _num(row.ratio),
        _num(row.floor_s),
        _num(row.floor_ratio),
        _num(row.peak_rss_mb, 0),
        _num(row.client_cpu_s),
        _num(row.emulator_cpu_s),
        "; ".join(c.target for c in row.checks) + (f" ({row.note})" if row.note else ""),
        "" if met is None else ("yes" if met else "NO"),
    ]


def render_table(rows: list[Row]) -> str:
    """A markdown table (readable in a terminal, pasted as is into the README)."""
    body = [list(COLUMNS), *(_cells(row) for row in rows)]
    widths = [max(len(line[i]) for line in body) for i in range(len(COLUMNS))]
    numeric = {i for i, name in enumerate(COLUMNS) if name not in ("scenario", "target", "met")}

    def line(cells: list[str]) -> str:
        padded = [
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(
        "-" * (w + 1) + ":" if i in numeric else "-" * (w + 2) for i, w in enumerate(widths)
    ) + "|"
    return "\n".join([line(body[0]), rule, *(line(cells) for cells in body[1:])]) + "\n"


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)
