"""Races: someone else writes the environment while `apply` works on it.

Dynamic's settings document is replaced whole by `PUT /environments/{id}`, and neither
Dynamic nor the emulator offers a conditional PUT. So `apply` reads the document, changes
only the managed fields, and sends everything back; a write by someone else that lands after
that read and before the PUT would be overwritten. What the tool guarantees, each proved
below with the edit injected at a precise moment:

* an edit made before apply re-reads the environment (between plan and apply) is caught:
  exit 5, nothing written;
* an edit made while apply adds origins (before its PUT) is caught: apply reads the document
  again right before replacing it, exits 5 and does not write it;
* an edit that overwrites apply's change after its PUT is caught by the read-back: exit 4;
* an edit landing during the PUT's own round trip cannot be seen by any client of this API:
  it is lost (the known limit, marked xfail so that it is visible and stays true).

Then two applies run at once, many times, and every outcome is counted: the figures the
report quotes come from `test_two_applies_at_once`.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from pulumi_dynamic_security.api.client import DynamicClient
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from pulumi_dynamic_security.errors import DynsecError
from pulumi_dynamic_security.policy.stages import EffectiveStage
from pulumi_dynamic_security.service.apply import apply_plan
from pulumi_dynamic_security.service.plan import plan_stage
from tests.reliability.scenario import admin_client, environment_state, outside_security
from tests.support.cli import Cli
from tests.support.ids import LIVE
from tests.support.policies import policy_text, stage_of

DASHBOARD_NAME = "renamed in the dashboard"
DASHBOARD_ORIGIN = "https://dashboard.example.com"


def stage(body: str) -> EffectiveStage:
    return stage_of(policy_text(LIVE, body))


# JWT 30d -> 2h (a settings write), one origin added and two removed.
POLICY_A = "    jwt_lifetime: 2h\n    allowed_origins: [https://a.example.com]\n"
# localstorage -> cookie, a different origin.
POLICY_B = "    token_storage: cookie\n    allowed_origins: [https://b.example.com]\n"


def dashboard_edit(emu: EmulatorHandle, *, origin: bool = False,
                   jwt: dict[str, Any] | None = None) -> None:
    """What someone in Dynamic's dashboard does: rename the app (outside `security`), and
    optionally add an origin or set the JWT lifetime."""
    with admin_client(emu) as client:
        document = client.get_environment(LIVE).settings_copy()
        document["general"]["displayName"] = DASHBOARD_NAME
        if jwt is not None:
            document["security"]["jwtDuration"] = jwt
        client.update_settings(LIVE, document)
        if origin:
            client.add_origin(LIVE, DASHBOARD_ORIGIN)


class Injecting(httpx.BaseTransport):
    """Real HTTP; `action` runs once, just before the first request `when` matches (or, with
    `after=True`, just after its answer)."""

    def __init__(self, when: Callable[[httpx.Request], bool], action: Callable[[], None],
                 *, after: bool = False) -> None:
        self._inner = httpx.HTTPTransport()
        self._when = when
        self._action = action
        self._after = after
        self.fired = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fire = not self.fired and self._when(request)
        if fire and not self._after:
            self.fired = True
            self._action()
        response = self._inner.handle_request(request)
        if fire and self._after:
            self.fired = True
            self._action()
        return response

    def close(self) -> None:
        self._inner.close()


def apply_with(client: DynamicClient, target: EffectiveStage) -> int:
    try:
        planned = plan_stage(client, target, auth_token_checksum=None)
        apply_plan(client, planned, auth_token_checksum=None)
    except DynsecError as exc:
        return int(exc.exit_code)
    return 0


def converge(emu: EmulatorHandle, target: EffectiveStage) -> None:
    """A re-run: plan and apply again, then nothing is left to do."""
    with admin_client(emu) as client:
        assert apply_with(client, target) == 0
        assert plan_stage(client, target, auth_token_checksum=None).changes == []


def is_put(request: httpx.Request) -> bool:
    return request.method == "PUT"


def is_origin_post(request: httpx.Request) -> bool:
    return request.method == "POST" and request.url.path.endswith("/origins")


@pytest.fixture
def target(emu: EmulatorHandle) -> EffectiveStage:
    return stage(POLICY_A)


# --- between plan and apply (the saved-plan flow a pull request uses) ------------------------


def test_a_dashboard_edit_between_plan_and_apply_is_caught_and_a_rerun_converges(
    cli: Cli,
) -> None:
    cli.write(policy_text(LIVE, POLICY_A))
    planned = cli("plan", "dynamic-security.yaml", "--stage", "production", "--out", "plan.json")
    assert planned.code == 0, planned.err
    dashboard_edit(cli.emulator, origin=True)
    cli.clear()

    stale = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes",
                "--plan", "plan.json")

    assert stale.code == 5, stale.err
    assert cli.writes() == []
    assert "plan again" in stale.err.lower()
    assert "Traceback" not in stale.err
    rerun = cli("apply", "dynamic-security.yaml", "--stage", "production", "--yes")
    assert rerun.code == 0, rerun.err
    final = environment_state(cli.emulator)
    assert final["settings"]["general"]["displayName"] == DASHBOARD_NAME  # not lost
    assert final["settings"]["security"]["jwtDuration"] == {"amount": 2, "unit": "hours"}
    assert final["origins"] == ["https://a.example.com"]  # the policy owns the origin list
    again = cli("plan", "dynamic-security.yaml", "--stage", "production", "--detailed-exitcode")
    assert again.code == 0, again.out


# --- during apply, at each moment that matters -----------------------------------------------


def test_an_edit_while_origins_are_added_is_caught_before_the_put(
    emu: EmulatorHandle, target: EffectiveStage
) -> None:
    injected = Injecting(is_origin_post, lambda: dashboard_edit(emu))
    with admin_client(emu, transport=injected) as client:
        code = apply_with(client, target)

    assert injected.fired
    assert code == 5
    assert [r["method"] for r in emu.requests()].count("PUT") == 1  # the dashboard's, not ours
    assert environment_state(emu)["settings"]["general"]["displayName"] == DASHBOARD_NAME
    converge(emu, target)
    assert environment_state(emu)["settings"]["general"]["displayName"] == DASHBOARD_NAME


def test_an_edit_that_overwrites_the_change_after_the_put_is_caught_by_the_read_back(
    emu: EmulatorHandle, target: EffectiveStage
) -> None:
    # Someone who read the document before our PUT saves it after: our JWT change is gone.
    stale_document = environment_state(emu)["settings"]

    def overwrite() -> None:
        with admin_client(emu) as client:
            client.update_settings(LIVE, stale_document)

    injected = Injecting(is_put, overwrite, after=True)
    with admin_client(emu, transport=injected) as client:
        code = apply_with(client, target)

    assert injected.fired
    assert code == 4  # ChangeNotKeptError: "reading back shows changes that did not stick"
    converge(emu, target)


@pytest.mark.xfail(strict=True, reason=(
    "the known limit: an edit landing between apply's last read and its whole-document PUT "
    "is overwritten, and no client can tell (no conditional PUT in Dynamic's API)"))
def test_an_edit_during_the_put_round_trip_survives(
    emu: EmulatorHandle, target: EffectiveStage
) -> None:
    injected = Injecting(is_put, lambda: dashboard_edit(emu))
    with admin_client(emu, transport=injected) as client:
        code = apply_with(client, target)

    assert injected.fired
    assert environment_state(emu)["settings"]["general"]["displayName"] == DASHBOARD_NAME, (
        f"exit {code}")


# --- two applies at once ---------------------------------------------------------------------

TRIALS = 25


@dataclass(frozen=True)
class Trial:
    codes: tuple[int, int]
    silently_lost: tuple[str, ...]  # runs that exited 0 but whose change is not there
    outside_security_kept: bool


def race(emu: EmulatorHandle, first: EffectiveStage, second: EffectiveStage) -> Trial:
    emu.reset("demo")
    before = outside_security(environment_state(emu)["settings"])
    start = threading.Barrier(2)
    codes: dict[str, int] = {}

    def run(name: str, target: EffectiveStage) -> None:
        with admin_client(emu) as client:
            start.wait()
            codes[name] = apply_with(client, target)

    threads = [threading.Thread(target=run, args=item)
               for item in (("first", first), ("second", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    security = environment_state(emu)["settings"]["security"]
    kept = {
        "first": first.jwt_lifetime is None
        or security["jwtDuration"] == {"amount": 2, "unit": "hours"},
        "second": second.token_storage is None or security["auth"]["storage"] == ["cookie"],
    }
    lost = tuple(name for name in ("first", "second") if codes[name] == 0 and not kept[name])
    after = outside_security(environment_state(emu)["settings"])
    return Trial((codes["first"], codes["second"]), lost, after == before)


@pytest.fixture
def trials(emu: EmulatorHandle) -> Iterator[list[Trial]]:
    found: list[Trial] = []
    yield found
    counts = collections.Counter((t.codes, t.silently_lost) for t in found)
    print("\n" + "\n".join(f"exit codes {codes}, silently lost {lost or 'nothing'}: {n}"
                           for (codes, lost), n in sorted(counts.items())))


@pytest.mark.slow
@pytest.mark.parametrize("policies", ["same", "different"])
def test_two_applies_at_once(emu: EmulatorHandle, trials: list[Trial], policies: str) -> None:
    first = stage(POLICY_A)
    second = first if policies == "same" else stage(POLICY_B)
    for _ in range(TRIALS):
        trials.append(race(emu, first, second))

    for trial in trials:
        # Every failure says so (4: a write refused or not kept; 5: changed since the plan).
        assert set(trial.codes) <= {0, 4, 5}, trial
        assert trial.outside_security_kept, trial
    if policies == "same":
        # Both runs want the same: no update can be lost, at worst one run exits 4 or 5.
        assert all(trial.silently_lost == () for trial in trials)
    # A run that exits 0 while the other overwrote its change is the known limit: both read
    # the document in the same round trip, the first read back before the second's PUT
    # landed. Measured: 7 in 800 races (11 in 300 before apply re-read the document right
    # before its PUT). It must stay rare.
    silent = sum(bool(trial.silently_lost) for trial in trials)
    assert silent <= TRIALS // 5, collections.Counter(t.codes for t in trials)
    converge(emu, first)
    converge(emu, second)
