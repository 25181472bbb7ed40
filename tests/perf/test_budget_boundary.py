"""The request budget at the window's boundary: the client counts a request from when its
answer is in, so the server (which counts it somewhere between send and answer) never sees
more than the limit in its own rolling window, whatever the network delays."""

from __future__ import annotations

import random
import threading

import pytest

from pulumi_dynamic_security.api.budget import Slot
from tests.support.fake_time import fake_budget

WINDOW = 60.0


def test_a_slot_counts_from_its_release_not_from_its_take() -> None:
    budget, fake = fake_budget(2, window=WINDOW)
    first = budget.take()
    budget.acquire()
    fake.now += 5  # the first answer takes five seconds to arrive
    first.release()
    # Full: the plain acquire frees at 1060, the slot answered at 1005 only at 1065.
    assert budget.take().waited == pytest.approx(55.0)
    assert fake.now == pytest.approx(1060.0)
    assert budget.take().waited == pytest.approx(5.0)


def test_requests_in_flight_hold_their_slot_until_released() -> None:
    budget, fake = fake_budget(1, window=WINDOW)
    slot = budget.take()
    fake.now += 500  # far beyond a window: still in flight, still counted
    assert budget.in_window() == 1
    slot.release()
    assert budget.in_window() == 1
    fake.now += WINDOW
    assert budget.in_window() == 0


def test_a_full_window_of_requests_in_flight_waits_for_a_release() -> None:
    budget, fake = fake_budget(1, window=WINDOW)
    slot = budget.take()
    taken = threading.Event()

    def second() -> None:
        budget.take().release()
        taken.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not taken.wait(0.2)  # nothing can free while the only slot is in flight
    slot.release()  # at 1000: the next frees at 1060
    thread.join(10)
    assert taken.is_set()
    assert fake.now == pytest.approx(1000.0 + WINDOW)


def test_releasing_twice_counts_once_and_reset_forgets_slots_in_flight() -> None:
    budget, _ = fake_budget(3, window=WINDOW)
    slot = budget.take()
    slot.release()
    slot.release()
    assert budget.in_window() == 1
    in_flight = budget.take()
    budget.reset()
    in_flight.release()  # taken before the reset: that window is gone
    assert budget.in_window() == 0


@pytest.mark.parametrize("seed", range(20))
def test_the_server_never_counts_more_than_the_limit_in_its_window(seed: int) -> None:
    """Simulate a client with a few requests in flight, each counted by the server at a
    random moment between its send and its answer (queueing, new connections, the
    network), with a budget equal to the server's limit: the server's rolling window (same
    expiry rule as the emulator: gone when at least one window old) never overflows."""
    rng = random.Random(seed)
    limit = 10
    budget, fake = fake_budget(limit, window=WINDOW)
    in_flight: list[tuple[float, Slot]] = []  # (server receive time, slot)
    received: list[float] = []
    for _ in range(400):
        if len(in_flight) >= limit - 1 or (in_flight and rng.random() < 0.5):
            # The oldest request's answer arrives after it reached the server.
            at, slot = in_flight.pop(0)
            fake.now = max(fake.now, at) + rng.uniform(0.0, 3.0)
            slot.release()
            continue
        slot = budget.take()  # may sleep (fake time) until the window has room
        sent = fake.now
        delay = rng.choice([0.001, 0.01, rng.uniform(0.0, 20.0)])
        in_flight.append((sent + delay, slot))
        received.append(sent + delay)
        fake.now += rng.uniform(0.0, 2.0)
    received.sort()
    for i, at in enumerate(received):
        window = [r for r in received[: i + 1] if r > at - WINDOW]
        assert len(window) <= limit, f"{len(window)} requests in the server's window at {at}"
