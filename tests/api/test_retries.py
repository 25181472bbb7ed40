"""Retries as the emulator's faults drive them: 503s, 429s with and without Retry-After."""

from __future__ import annotations

import logging
import re
import time

import httpx
import pytest

from pulumi_dynamic_security.api import errors
from pulumi_dynamic_security.api.config import RetryPolicy
from pulumi_dynamic_security.emulator.server import EmulatorHandle
from tests.api.support import ClientFactory, Tap
from tests.support.ids import LIVE, ORGANIZATION, SANDBOX
from tests.support.log import statuses

pytestmark = pytest.mark.slow

RETRY = RetryPolicy(max_attempts=4, backoff_base=0.05, backoff_cap=0.2, retry_after_cap=2.0)
_WAIT = re.compile(r"retrying in ([0-9.]+)s")


def waits(caplog: pytest.LogCaptureFixture) -> list[float]:
    """The waits the transport announced, in seconds."""
    return [float(m.group(1)) for r in caplog.records if (m := _WAIT.search(r.getMessage()))]


def heal_after(emu: EmulatorHandle, failures: int) -> Tap:
    """A tap that turns the emulator's faults off once it has seen `failures` 503s."""
    seen = 0

    def hook(request: httpx.Request, response: httpx.Response) -> None:
        nonlocal seen
        if response.status_code == 503:
            seen += 1
            if seen == failures:
                emu.set_faults(error_rate=0, fail_writes_after=None)

    return Tap(hook)


def test_a_get_is_retried_through_503s(
    make_client: ClientFactory, emu: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pulumi_dynamic_security.api")
    emu.set_faults(error_rate=1.0)
    client = make_client(retry=RETRY, transport=heal_after(emu, 2))
    started = time.monotonic()
    env = client.get_environment(LIVE)
    elapsed = time.monotonic() - started
    assert env.id == LIVE
    assert [s for _, _, s in statuses(emu)] == [503, 503, 200]
    slept = waits(caplog)
    assert len(slept) == 2
    # Full jitter under caps of 0.05 s then 0.1 s.
    assert 0 <= slept[0] <= 0.05 and 0 <= slept[1] <= 0.1
    assert elapsed >= sum(slept) - 0.01
    assert elapsed < 1.0
    print(f"requests: {len(emu.requests())}, waited {sum(slept):.3f}s, elapsed {elapsed:.3f}s")


def test_a_put_is_retried_and_lands_once(make_client: ClientFactory, emu: EmulatorHandle) -> None:
    client = make_client(retry=RETRY)
    settings = client.get_environment(SANDBOX).settings_copy()
    settings["security"]["jwtDuration"] = {"amount": 3, "unit": "hours"}
    emu.set_faults(fail_writes_after=0)
    client = make_client(retry=RETRY, transport=heal_after(emu, 1))
    client.update_settings(SANDBOX, settings)
    assert [s for m, _, s in statuses(emu) if m == "PUT"] == [503, 200]
    duration = client.get_environment(SANDBOX).security.jwt_duration
    assert duration is not None and (duration.amount, duration.unit) == (3, "hours")


def test_a_delete_is_retried(make_client: ClientFactory, emu: EmulatorHandle) -> None:
    client = make_client(retry=RETRY, transport=heal_after(emu, 2))
    [origin, *_] = client.list_origins(LIVE)
    emu.set_faults(fail_writes_after=0)
    client.delete_origin(origin.id)
    assert [s for _, _, s in statuses(emu, "DELETE")] == [503, 503, 204]


def test_a_post_is_not_retried_blindly(make_client: ClientFactory, emu: EmulatorHandle) -> None:
    emu.set_faults(fail_writes_after=0)
    client = make_client(retry=RETRY)
    with pytest.raises(errors.ServerError) as caught:
        client.create_project(ORGANIZATION, "flaky")
    assert caught.value.outcome_unknown
    assert "may or may not have been applied" in str(caught.value)
    assert statuses(emu) == [("POST", f"/organizations/{ORGANIZATION}/projects", 503)]


def test_session_revocation_is_repeatable_so_it_is_retried(
    make_client: ClientFactory, emu: EmulatorHandle
) -> None:
    emu.set_faults(fail_writes_after=0)
    client = make_client(retry=RETRY, transport=heal_after(emu, 1))
    client.revoke_user_sessions(LIVE, "11111111-1111-4111-8111-111111111111")
    assert [s for _, _, s in statuses(emu)] == [503, 204]


def test_429_honours_retry_after(make_client: ClientFactory, emu: EmulatorHandle) -> None:
    emu.set_faults(rate_limit=2, rate_window_seconds=1)
    client = make_client(retry=RETRY)
    client.get_environment(LIVE)
    client.get_environment(LIVE)
    started = time.monotonic()
    client.get_environment(LIVE)  # 429, Retry-After: 1, then admitted
    elapsed = time.monotonic() - started
    assert [s for _, _, s in statuses(emu)] == [200, 200, 429, 200]
    assert 0.9 <= elapsed < 1.8  # the second the server asked for, not a 0.05 s backoff


def test_a_post_is_retried_after_429(make_client: ClientFactory, emu: EmulatorHandle) -> None:
    # 429 means Dynamic refused before doing anything: repeating a POST is safe.
    emu.set_faults(rate_limit=1, rate_window_seconds=1)
    client = make_client(retry=RETRY)
    client.list_origins(LIVE)
    client.add_origin(LIVE, "https://after-429.example.com")
    assert [s for m, _, s in statuses(emu) if m == "POST"] == [429, 201]


def test_429_without_retry_after_backs_off(
    make_client: ClientFactory, emu: EmulatorHandle, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pulumi_dynamic_security.api")

    def strip_retry_after(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "retry-after"]
        return httpx.Response(response.status_code, headers=headers, content=response.content)

    emu.set_faults(rate_limit=1, rate_window_seconds=0.3)
    retry = RetryPolicy(max_attempts=10, backoff_base=0.1, backoff_cap=0.2)
    client = make_client(retry=retry, transport=Tap(strip_retry_after))
    client.get_environment(LIVE)
    started = time.monotonic()
    client.get_environment(LIVE)
    elapsed = time.monotonic() - started
    log = [s for _, _, s in statuses(emu)]
    assert log[0] == 200 and log[-1] == 200 and 429 in log
    # Without the header the backoff decides: well under the 1 s the header would have said.
    assert 0.25 <= elapsed < 0.95
    assert all(w <= 0.2 for w in waits(caplog))
