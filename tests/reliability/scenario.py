"""The fault scenarios of the reliability tests, in one place, so that the tests assert on
them and `python -m tests.reliability.scenario` prints the figures as a table.

One scenario: the demo seed's live environment, prepared so that the policy `FULL` changes
every area (JWT lifetime, token storage, MFA, two origins added and two removed, an API token
rotated and an older one revoked), with settings outside `security` that must survive. Then
`apply` runs (plan, then apply, as `dynsec apply` does) until a run succeeds, with the
emulator's faults on; a final plan with the faults off must show no changes.

While it runs, `ObservingTransport` looks at the emulator's state after every write the tool
sends (every POST, PUT and DELETE, whatever its answer), so "never an empty origin list on
the way" and "settings outside `security` never lost" are checked at every step, not only at
the end. At the end the emulator's state is searched for duplicates: an origin listed twice,
a token issued twice, a token issued and never delivered.

Retries keep the client's default number of attempts (4); only the backoff is shortened so
that a scenario takes a fraction of a second instead of many.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.api.config import RetryPolicy
from pulumi_dynamic_security.api.models import CreatedToken
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.errors import DynsecError
from pulumi_dynamic_security.policy.origins import normalize_origin
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.rules.token_notes import parse_note
from pulumi_dynamic_security.service.apply import apply_plan
from pulumi_dynamic_security.service.plan import plan_stage
from tests.support.clients import make_client, reset_budget
from tests.support.ids import LEGACY_TOKEN, LIVE
from tests.support.log import WRITE_METHODS
from tests.support.policies import FULL, FULL_ENTRY, FULL_ORIGINS, stage_of
from tests.support.tokens import plant

# On the prepared environment (`prepare`), FULL also rotates the token planted 100 days ago
# and revokes the one planted 200 days ago (its successor is past the overlap):
# 2 origin POSTs, 1 PUT, 2 origin DELETEs, 1 token POST, 1 token DELETE.
FULL_WRITES = 7

# The default number of attempts, with short waits (a 429's Retry-After is still honoured).
RETRY = RetryPolicy(max_attempts=RetryPolicy().max_attempts, backoff_base=0.01,
                    backoff_cap=0.05)


def full_stage() -> EffectiveStage:
    return stage_of(FULL)


# --- the environment before the run ------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """What the prepared environment held before any run."""

    outside_security: dict[str, Any]
    revoked_token: str  # planted 200 days ago: its successor is past the overlap
    rotated_token: str  # planted 100 days ago: due, and kept for the overlap


def outside_security(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in settings.items() if key != "security"}


def environment_state(emu: EmulatorHandle, environment_id: str = LIVE) -> dict[str, Any]:
    state = emu.state()
    [environment] = [e for e in state["environments"] if e["id"] == environment_id]
    return {
        "settings": environment["settings"],
        "origins": [o["origin"] for o in state["origins"] if o["environment_id"] == environment_id],
        "tokens": [t for t in state["tokens"] if t["environment_id"] == environment_id],
    }


def prepare(emu: EmulatorHandle, seed: str = "demo") -> Baseline:
    """Reset `emu` and set the scene: two managed tokens, settings outside `security` that a
    careless PUT would lose."""
    emu.reset(seed)
    planted = [plant(emu, FULL_ENTRY, age_days=age).id for age in (200, 100)]
    with admin_client(emu) as client:
        document = client.get_environment(LIVE).settings_copy()
        document["general"]["displayName"] = "Ünïcode app ✓"
        document["zFutureSection"] = {"nested": [1, {"b": 2, "a": 1}], "flag": None}
        document["privacy"]["collectIp"] = True
        client.update_settings(LIVE, document)
    emu.clear_requests()
    return Baseline(outside_security(environment_state(emu)["settings"]), *planted)


def admin_client(emu: EmulatorHandle, *, transport: httpx.BaseTransport | None = None,
                 retry: RetryPolicy = RETRY) -> DynamicClient:
    """The admin token, with the scenario's retries (the default attempts, short waits)."""
    return make_client(emu, transport=transport, retry=retry)


# --- watching every write ----------------------------------------------------------------------


@dataclass(frozen=True)
class Observation:
    write: str  # "POST /environments/.../origins -> 201"
    origins: tuple[str, ...]
    outside_security: dict[str, Any]


class ObservingTransport(httpx.BaseTransport):
    """Real HTTP; after every write, whatever its answer, the emulator's state is recorded."""

    def __init__(self, emu: EmulatorHandle, environment_id: str = LIVE) -> None:
        self._inner = httpx.HTTPTransport()
        self._emu = emu
        self._environment_id = environment_id
        self.observations: list[Observation] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        outcome = "no answer"
        try:
            response = self._inner.handle_request(request)
            outcome = str(response.status_code)
            return response
        finally:
            if request.method in WRITE_METHODS:
                now = environment_state(self._emu, self._environment_id)
                self.observations.append(Observation(
                    f"{request.method} {request.url.path} -> {outcome}",
                    tuple(now["origins"]), outside_security(now["settings"]),
                ))

    def close(self) -> None:
        self._inner.close()


# --- one run, and runs until converged ---------------------------------------------------------


@dataclass
class Delivered:
    """What `--secrets-out` would hold: every token handed over, by run."""

    tokens: list[tuple[str, str]] = field(default_factory=list)  # (entry, token id)

    def __call__(self, name: str, created: CreatedToken) -> None:
        self.tokens.append((name, created.id))


def apply_once(client: DynamicClient, stage: EffectiveStage,
               delivered: Delivered) -> tuple[int, str | None]:
    """Plan and apply, as `dynsec apply --yes --secrets-out FILE` does: the exit code and
    the error message, if any."""
    checksum = client.config.token.checksum
    try:
        planned = plan_stage(client, stage, auth_token_checksum=checksum)
        apply_plan(client, planned, auth_token_checksum=checksum, on_secret_issued=delivered)
    except DynsecError as exc:
        return int(exc.exit_code), exc.render()
    return 0, None


@dataclass
class Outcome:
    """What happened to one scenario."""

    fault: str
    seed: int | None
    exit_codes: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    converged: bool = False
    duplicates: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    duplicate_attempts: int = 0  # origin POSTs answered 422 duplicate_exists
    revoked_by_hand: int = 0  # tokens an error told the operator to revoke (and who did)
    requests: int = 0
    writes_seen: int = 0
    seconds: float = 0.0

    @property
    def reruns(self) -> int:
        return max(len(self.exit_codes) - 1, 0)


def check_run(observer: ObservingTransport, baseline: Baseline) -> list[str]:
    """Every state seen after a write: origins never empty, nothing outside `security` lost."""
    problems = []
    for seen in observer.observations:
        if not seen.origins:
            problems.append(f"no allowed origin after {seen.write}")
        if seen.outside_security != baseline.outside_security:
            problems.append(f"settings outside security changed after {seen.write}")
    return problems


def check_final(emu: EmulatorHandle, baseline: Baseline, delivered: Delivered) -> list[str]:
    """Duplicates in the emulator's state: origins, tokens issued twice or never delivered."""
    problems = []
    now = environment_state(emu)
    normalized = [normalize_origin(origin) for origin in now["origins"]]
    for origin in sorted(set(normalized)):
        if normalized.count(origin) > 1:
            problems.append(f"origin {origin} is listed {normalized.count(origin)} times")
    if sorted(normalized) != sorted(FULL_ORIGINS):
        problems.append(f"origins are {sorted(normalized)}")
    managed = {t["id"] for t in now["tokens"]
               if (note := parse_note(t["note"])) is not None and note.name == FULL_ENTRY}
    issued = [token_id for _, token_id in delivered.tokens]
    if len(issued) != 1:
        problems.append(f"{len(issued)} tokens were delivered for {FULL_ENTRY!r}, not 1")
    undelivered = managed - set(issued) - {baseline.rotated_token}
    if undelivered:
        problems.append(f"managed tokens nobody received: {sorted(undelivered)}")
    if baseline.revoked_token in managed:
        problems.append("the token past its overlap was not revoked")
    if baseline.rotated_token not in managed:
        problems.append("the rotated token was revoked before its overlap ended")
    if LEGACY_TOKEN not in {t["id"] for t in now["tokens"]}:
        problems.append("the unmanaged token was touched")
    return problems


def run_scenario(
    emu: EmulatorHandle,
    *,
    fault: str,
    faults: Mapping[str, Any],
    seed: int | None = None,
    max_runs: int = 4,
    faults_off_after_first: bool = False,
    retry: RetryPolicy = RETRY,
) -> Outcome:
    """Prepare, set `faults`, apply until a run exits 0 (at most `max_runs`), then plan with
    the faults off and check the state. `faults_off_after_first`: the faults apply to the
    first run only (as for `fail_writes_after`: the next run is the one that must converge)."""
    started = time.monotonic()
    reset_budget()  # each scenario is a fresh process's worth of requests
    outcome = Outcome(fault, seed)
    baseline = prepare(emu)
    stage = full_stage()
    delivered = Delivered()
    observer = ObservingTransport(emu)
    emu.set_faults(**faults, **({"seed": seed} if seed is not None else {}))
    with admin_client(emu, transport=observer, retry=retry) as client:
        for run in range(max_runs):
            if run == 1 and faults_off_after_first:
                emu.set_faults(**faults_off())
            code, error = apply_once(client, stage, delivered)
            outcome.exit_codes.append(code)
            if error is not None:
                outcome.errors.append(error)
                outcome.revoked_by_hand += follow_revoke_advice(emu, error, faults)
            if code == 0:
                break
    emu.set_faults(**faults_off())
    log = emu.requests()
    outcome.requests = len(log)
    outcome.duplicate_attempts = sum(
        1 for r in log if r["method"] == "POST" and r["path"].endswith("/origins")
        and r["status"] == 422
    )
    outcome.writes_seen = len(observer.observations)
    outcome.violations = check_run(observer, baseline)
    with admin_client(emu) as client:
        final = plan_stage(client, stage, auth_token_checksum=client.config.token.checksum)
    outcome.converged = outcome.exit_codes[-1:] == [0] and final.changes == []
    outcome.duplicates = check_final(emu, baseline, delivered)
    outcome.seconds = time.monotonic() - started
    return outcome


_REVOKE_ADVICE = re.compile(r"revoke the token with the note '(dynsec:[^']+)'")


def follow_revoke_advice(emu: EmulatorHandle, error: str, faults: Mapping[str, Any]) -> int:
    """Do what an error says when a token may have been issued and delivered to nobody (its
    POST's answer lost, and listing the tokens failed too): revoke it, as an operator would in
    the dashboard (so without the API's random faults), before running again. Returns how
    many tokens that revoked."""
    match = _REVOKE_ADVICE.search(error)
    if match is None:
        return 0
    found = [t["id"] for t in environment_state(emu)["tokens"] if t["note"] == match.group(1)]
    random = {key: faults[key] for key in ("error_rate", "lost_response_rate") if key in faults}
    emu.set_faults(**dict.fromkeys(random, 0))
    with admin_client(emu) as client:
        for token_id in found:
            client.delete_token(LIVE, token_id)
    emu.set_faults(**random)
    return len(found)


def faults_off() -> dict[str, Any]:
    return {"error_rate": 0, "rate_limit": 0, "lost_response_rate": 0,
            "fail_writes_after": None, "latency_ms": 0}


# --- the scenarios the issue asks for ----------------------------------------------------------

RANDOM_FAULTS = {"error_rate": 0.3, "lost_response_rate": 0.2}
# 60 a minute, as 1 a second: the same rate in a 1-second window (the emulator's default
# window is 60 s, which would make a test wait a minute once 60 requests are spent).
RATE_LIMIT = {"rate_limit": 1, "rate_window_seconds": 1.0}
ALL_FAULTS = {**RANDOM_FAULTS, **RATE_LIMIT}


def random_faults(emu: EmulatorHandle, seed: int, **options: Any) -> Outcome:
    return run_scenario(emu, fault="error_rate 0.3 + lost_response_rate 0.2",
                        faults=RANDOM_FAULTS, seed=seed, **options)


def all_faults(emu: EmulatorHandle, seed: int, **options: Any) -> Outcome:
    return run_scenario(emu, fault="error_rate 0.3 + lost_response_rate 0.2 + 60/min",
                        faults=ALL_FAULTS, seed=seed, **options)


def failing_writes(emu: EmulatorHandle, allowed: int) -> Outcome:
    return run_scenario(emu, fault=f"fail_writes_after {allowed}",
                        faults={"fail_writes_after": allowed}, faults_off_after_first=True)


# --- the table ----------------------------------------------------------------------------------


def table(rows: list[tuple[str, list[Outcome]]]) -> str:
    lines = ["| fault | scenarios | converged | re-runs needed (re-runs: scenarios) | "
             "duplicates found | invariant violations |", "|---|---|---|---|---|---|"]
    for fault, outcomes in rows:
        reruns: dict[int, int] = {}
        for outcome in outcomes:
            reruns[outcome.reruns] = reruns.get(outcome.reruns, 0) + 1
        spread = ", ".join(f"{n}: {count}" for n, count in sorted(reruns.items()))
        lines.append(
            f"| {fault} | {len(outcomes)} | {sum(o.converged for o in outcomes)} | {spread} | "
            f"{sum(len(o.duplicates) + o.duplicate_attempts for o in outcomes)} | "
            f"{sum(len(o.violations) for o in outcomes)} |"
        )
    return "\n".join(lines)


def main(seeds: int = 20, rate_limited_seeds: int = 3,
         progress: Callable[[str], None] = print) -> None:  # pragma: no cover - a report
    import concurrent.futures

    from pulumi_dynamic_security.emulator.server import running_emulator

    rows: list[tuple[str, list[Outcome]]] = []
    with running_emulator() as emu:
        rows.append((f"fail_writes_after k, k = 0..{FULL_WRITES}",
                     [failing_writes(emu, k) for k in range(FULL_WRITES + 1)]))
        rows.append(("error_rate 0.3 + lost_response_rate 0.2",
                     [random_faults(emu, seed) for seed in range(seeds)]))

    def rate_limited(seed: int) -> Outcome:
        with running_emulator() as own:
            return all_faults(own, seed)

    with concurrent.futures.ThreadPoolExecutor(rate_limited_seeds) as pool:
        outcomes = list(pool.map(rate_limited, range(rate_limited_seeds)))
    rows.append(("error_rate 0.3 + lost_response_rate 0.2 + rate_limit 60/min", outcomes))
    for fault, found in rows:
        for outcome in found:
            progress(json.dumps({"fault": fault, "seed": outcome.seed,
                                 "exit_codes": outcome.exit_codes,
                                 "revoked_by_hand": outcome.revoked_by_hand,
                                 "errors": outcome.errors,
                                 "requests": outcome.requests,
                                 "seconds": round(outcome.seconds, 1),
                                 "problems": outcome.duplicates + outcome.violations}))
    progress(table(rows))


if __name__ == "__main__":  # pragma: no cover
    import sys

    counts = [int(arg) for arg in sys.argv[1:3]] + [20, 3][len(sys.argv[1:3]):]
    main(seeds=counts[0], rate_limited_seeds=counts[1])
