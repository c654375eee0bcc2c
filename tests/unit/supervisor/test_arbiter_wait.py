"""How long the supervisor loop may sleep: the short tick while anything is in motion, a longer one when steady,
never past the heartbeat deadline's checks or the watchdog (the loop is woken at once by signals and pipes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from turms.clock import FakeClock
from turms.settings import load_settings
from turms.supervisor.arbiter import IDLE_TICK_S, TICK_S, Arbiter
from turms.supervisor.watchdog import Watchdog
from turms.supervisor.worker_process import WorkerHandle

pytestmark = pytest.mark.timeout(10)


def steady_arbiter(tmp_path: Path, **extra: str) -> tuple[Arbiter, FakeClock]:
    flags = [
        ("server.workers", "2"),
        ("server.data_dir", str(tmp_path)),
        ("redis.url", "redis://127.0.0.1:1/0"),  # not contacted: no embedded Redis to watch
        *extra.items(),
    ]
    settings = load_settings(None, env={}, flags=flags)
    clock = FakeClock()
    arbiter = Arbiter(settings, clock=clock.monotonic, base_dir=str(tmp_path))
    for pid in (101, 102):
        arbiter.workers[pid] = WorkerHandle(
            pid=pid,
            index=pid - 101,
            generation=0,
            settings=settings,
            fd=-1,
            started_at=clock.monotonic() - 5,
            last_heartbeat=clock.monotonic(),
            ready=True,
        )
    arbiter._next_sample_at = clock.monotonic() + 60  # the process sample is not due
    return arbiter, clock


def test_a_steady_supervisor_sleeps_the_idle_tick(tmp_path: Path) -> None:
    arbiter, _ = steady_arbiter(tmp_path)
    assert arbiter._timeout() == IDLE_TICK_S > TICK_S


def test_the_heartbeat_deadline_is_checked_four_times_per_timeout(tmp_path: Path) -> None:
    arbiter, _ = steady_arbiter(tmp_path, **{"server.worker_heartbeat_timeout_s": "2"})
    assert arbiter._timeout() == 0.5


@pytest.mark.parametrize(
    "motion",
    ["booting", "draining", "abort_sent", "killed", "missing", "surplus", "stopping", "reloading"],
)
def test_anything_in_motion_brings_back_the_short_tick(tmp_path: Path, motion: str) -> None:
    arbiter, clock = steady_arbiter(tmp_path)
    h = arbiter.workers[101]
    if motion == "booting":
        h.ready = False
    elif motion == "draining":
        h.draining, h.drain_started_at = True, clock.monotonic()
    elif motion == "abort_sent":
        h.abort_sent_at = clock.monotonic()
    elif motion == "killed":
        h.killed = True
    elif motion == "missing":
        del arbiter.workers[101]
    elif motion == "surplus":
        arbiter.target = 1
    elif motion == "stopping":
        arbiter._stopping = True
    else:
        arbiter._reloading = True
    assert arbiter._timeout() == TICK_S


def test_the_wait_ends_when_the_watchdog_or_the_process_sample_is_due(tmp_path: Path) -> None:
    arbiter, clock = steady_arbiter(tmp_path)
    arbiter.watchdog = Watchdog({"WATCHDOG_USEC": "400000"})  # WATCHDOG=1 every 0.2 s
    arbiter.watchdog.tick(clock.monotonic())  # sent now (or would be, under systemd): the next is due in 0.2 s
    assert arbiter._timeout() == pytest.approx(0.2)
    clock.advance(0.15)
    assert arbiter._timeout() == pytest.approx(0.05)
    clock.advance(0.1)
    assert arbiter._timeout() == 0.0  # overdue: no wait at all
    arbiter.watchdog = Watchdog({})
    arbiter._next_sample_at = clock.monotonic() + 0.3
    assert arbiter._timeout() == pytest.approx(0.3)
