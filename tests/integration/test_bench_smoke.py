"""Short runs of every benchmark scenario, so the harness cannot rot. They assert counts, never timing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from turms.bench import scenarios
from turms.bench.server import BenchServer, run_async

pytestmark = pytest.mark.slow


@pytest.fixture
def bench_server() -> Iterator[BenchServer]:
    server = BenchServer(workers=2)
    run_async(server.create_users(range(1, 401)))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_idle_capacity_smoke(bench_server: BenchServer) -> None:
    r = scenarios.idle_capacity(
        bench_server, sessions=300, login_rate=600, processes=2, hold_s=0.5, heartbeat_interval_s=0.2
    )
    assert r["sessions_logged_in"] == 300
    assert r["online_at_end"] == 300
    assert r["logins_failed"] == {} and r["connect_errors"] == 0
    assert r["server_rss_per_session_bytes"] is not None


def test_one_to_one_with_churn_smoke(bench_server: BenchServer) -> None:
    r = scenarios.one_to_one(
        bench_server, pairs=20, rate=200, duration_s=1.0, processes=2, churn_rate=20, login_rate=400
    )
    assert r["sent"] == r["acked"] == r["delivered"] > 0
    assert r["lost"] == 0 and r["ack_failed"] == {}
    assert r["churned_sessions"] > 0


def test_fanout_smoke(bench_server: BenchServer) -> None:
    r = scenarios.fanout(bench_server, members=50, rate=20, duration_s=1.0, processes=2, group_id=1, login_rate=400)
    assert r["online"] == 50 and r["acked"] == r["sent"] > 0
    assert r["delivered"] == r["expected"] == r["acked"] * 49
    assert r["lost"] == r["duplicated"] == r["unacked_delivered"] == 0


def test_fanout_over_several_groups_messages_each_in_turn(bench_server: BenchServer) -> None:
    r = scenarios.fanout(
        bench_server, members=20, rate=30, duration_s=1.0, processes=2, group_id=10, groups=3, login_rate=400
    )
    assert r["groups"] == 3 and r["online"] == 20 and r["acked"] == r["sent"] >= 3
    # Every group has the same members, so each message reaches all of them but the sender, whichever group.
    assert r["delivered"] == r["expected"] == r["acked"] * 19
    assert r["lost"] == r["duplicated"] == 0
    per_group = run_async(_group_messages(bench_server, [10, 11, 12]))
    assert sum(per_group) == r["acked"] and max(per_group) - min(per_group) <= 1, per_group


async def _group_messages(server: BenchServer, group_ids: list[int]) -> list[int]:
    async with server.store() as store:
        return [await store.count("message", {"tid": g, "gm": True}) for g in group_ids]


def test_fanout_accounting_is_per_message() -> None:
    """A delivery of a message whose ack was still on its way is not a negative loss; a duplicate is not hidden
    by a loss elsewhere."""
    acked = {"acked_keys": [[1, 10], [1, 20]], "delivered_counts": [[1, 10, 2], [1, 30, 1]]}
    other = {"acked_keys": [], "delivered_counts": [[1, 10, 1], [1, 20, 1]]}
    assert scenarios.fanout_accounting([acked, other], recipients=2) == {
        "lost": 1,  # message 20 reached one of two recipients
        "duplicated": 1,  # message 10 reached three sessions
        "unacked_delivered": 1,  # message 30: delivered, its ack not yet back
    }


def test_reconnect_storm_smoke(bench_server: BenchServer) -> None:
    r = scenarios.reconnect_storm(bench_server, pairs=20, history=3, fetch=20, processes=2, login_rate=400)
    assert r["reconnected"] == r["synced"] == 40


def test_background_sessions_smoke(bench_server: BenchServer) -> None:
    background = scenarios.hold_idle(bench_server, first_id=300, count=60, processes=2)
    assert background.release() == 60
