"""The 1:1 scenario's loss count: a push still on its way when the drain ends is late, not lost."""

import asyncio

from turms.bench.loadgen import Stats
from turms.bench.scenarios import late_deliveries


async def test_a_push_arriving_after_the_drain_is_late_and_one_never_arriving_is_lost() -> None:
    stats = Stats()
    stats.acked_keys = {(1, 10), (1, 20), (3, 30)}
    stats.delivered_counts = {(1, 10): 1}
    asyncio.get_running_loop().call_later(0.1, stats.delivered_counts.__setitem__, (1, 20), 1)
    missing, late = await late_deliveries(stats, within_s=0.5)
    assert missing == {(3, 30)}
    assert late == 1


async def test_nothing_missing_returns_at_once() -> None:
    stats = Stats()
    stats.acked_keys = {(1, 10)}
    stats.delivered_counts = {(1, 10): 1}
    missing, late = await asyncio.wait_for(late_deliveries(stats, within_s=30.0), timeout=1.0)
    assert missing == set() and late == 0
