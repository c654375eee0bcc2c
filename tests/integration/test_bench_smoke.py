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
