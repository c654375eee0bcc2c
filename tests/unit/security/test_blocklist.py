"""Blocklist domain logic on a fake clock: auto-block escalation, the local view, the service functions."""

from __future__ import annotations

import pytest

from turms.clock import FakeClock
from turms.errors import TurmsError
from turms.protocol.status import ResponseStatusCode
from turms.security.blocklist import (
    AutoBlockConfig,
    AutoBlocker,
    BlockLevel,
    BlockTarget,
    LocalBlocklist,
    Violation,
    normalize_ip,
)
from turms.security.guard import AbuseGuard
from turms.settings import load_settings

pytestmark = pytest.mark.timeout(10)

TURMS_LEVELS = (BlockLevel(600, 60_000, 1), BlockLevel(1800, 60_000, 1), BlockLevel(3600, 60_000, 0))


def blocker(levels: tuple[BlockLevel, ...] = TURMS_LEVELS, trigger_times: int = 5) -> AutoBlocker[str]:
    config = AutoBlockConfig(True, trigger_times, levels)
    return AutoBlocker(lambda: config)


def test_auto_block_escalates_600_1800_3600_and_stays_at_the_last_level() -> None:
    clock = FakeClock()
    auto = blocker()
    now = clock.now_ms
    assert [auto.trigger("1.2.3.4", now()) for _ in range(4)] == [None] * 4
    assert auto.trigger("1.2.3.4", now()) == 600  # the 5th violation
    clock.advance(600)  # the block ran out; the client misbehaves again
    assert auto.trigger("1.2.3.4", now()) == 1800
    clock.advance(1800)
    assert auto.trigger("1.2.3.4", now()) == 3600
    clock.advance(3600)
    assert auto.trigger("1.2.3.4", now()) == 3600  # the last level repeats
    assert auto.level_of("1.2.3.4") == 2
    assert auto.level_of("5.6.7.8") == -1


def test_violations_are_forgiven_over_time_and_state_is_evicted_after_good_behaviour() -> None:
    clock = FakeClock()
    auto = blocker()
    for _ in range(4):
        auto.trigger("ip", clock.now_ms())
    clock.advance(4 * 60)  # four violations forgiven, one per minute
    assert [auto.trigger("ip", clock.now_ms()) for _ in range(4)] == [None] * 4
    assert auto.trigger("ip", clock.now_ms()) == 600
    clock.advance(600)
    assert auto.evict(clock.now_ms()) == 0  # still within the quiet period after its block
    clock.advance(600)
    assert auto.evict(clock.now_ms()) == 1 and len(auto) == 0
    assert auto.trigger("ip", clock.now_ms()) is None  # starts from scratch


def test_configurable_levels_and_next_level_triggers() -> None:
    clock = FakeClock()
    auto = blocker((BlockLevel(10, 0, 2), BlockLevel(20, 0, 0)), trigger_times=1)
    assert auto.trigger("u", clock.now_ms()) == 10
    clock.advance(10)
    assert auto.trigger("u", clock.now_ms()) == 10  # one violation at level 0: re-blocked, same level
    clock.advance(10)
    assert auto.trigger("u", clock.now_ms()) == 20  # the second: next level
    assert auto.evict(clock.now_ms() + 10**9) == 0  # forgive interval 0: never forgotten


def test_a_block_fires_once_however_many_violations_arrive_while_it_runs() -> None:
    """Issue 22: every extra over-limit request of one burst re-blocked the client (147 log lines and Redis
    writes) and escalated it straight to the top level."""
    clock = FakeClock()
    auto = blocker()
    decisions = [auto.trigger("1.2.3.4", clock.now_ms()) for _ in range(200)]
    assert [d for d in decisions if d is not None] == [600]
    assert auto.level_of("1.2.3.4") == 0
    clock.advance(599)
    assert auto.trigger("1.2.3.4", clock.now_ms()) is None  # still blocked: not counted
    clock.advance(1)
    assert auto.trigger("1.2.3.4", clock.now_ms()) == 1800  # back after the block, misbehaving: next level


def test_a_client_the_cluster_blocked_already_is_not_counted_again() -> None:
    clock = FakeClock()
    settings = load_settings(None, env={}, flags=[("security.blocklist.auto_block.enabled", "true")])
    guard = AbuseGuard(settings, clock)
    from turms.security.blocklist import BlocklistService

    class NoBackend:
        async def block(self, *a: object) -> None: ...
        async def unblock(self, *a: object) -> None: ...
        async def query(self, *a: object) -> dict[str, int]:
            return {}

    guard.service = BlocklistService(settings, clock, guard.blocklist, NoBackend())
    # Another worker blocked the IP; this worker's share of the burst arrives.
    guard.blocklist.block(BlockTarget.IP, ["192.0.2.7"], clock.now_ms() + 600_000, clock.now_ms())
    guard.opened(1, "192.0.2.7:4000")
    for _ in range(50):
        guard.report(Violation.FREQUENT_REQUEST, 1, None)
    assert len(guard.service.auto[(BlockTarget.IP, Violation.FREQUENT_REQUEST)]) == 0


def test_disabled_auto_block_counts_nothing() -> None:
    config = AutoBlockConfig(False, 1, TURMS_LEVELS)
    auto: AutoBlocker[str] = AutoBlocker(lambda: config)
    assert auto.trigger("x", 0) is None and len(auto) == 0


def test_guard_reports_lead_to_local_blocks_through_the_service_levels() -> None:
    """Without a backend (no event loop), an auto-block applies to the local view; the levels come from the
    settings, with Turms's defaults."""
    clock = FakeClock()
    settings = load_settings(None, env={}, flags=[("security.blocklist.auto_block.enabled", "true")])
    guard = AbuseGuard(settings, clock)
    from turms.security.blocklist import BlocklistService

    class NoBackend:
        async def block(self, *a: object) -> None: ...
        async def unblock(self, *a: object) -> None: ...
        async def query(self, *a: object) -> dict[str, int]:
            return {}

    guard.service = BlocklistService(settings, clock, guard.blocklist, NoBackend())
    guard.opened(1, "192.0.2.9:4000")
    for _ in range(4):
        guard.report(Violation.CORRUPTED_FRAME, 1, 77)
    assert guard.admit("192.0.2.9") and not guard.user_blocked(77)
    guard.report(Violation.CORRUPTED_FRAME, 1, 77)
    assert not guard.admit("192.0.2.9") and guard.user_blocked(77)
    clock.advance(600)
    assert guard.admit("192.0.2.9") and not guard.user_blocked(77)
    guard.report(Violation.CORRUPTED_FRAME, 1, 77)  # back and misbehaving: the next level, 30 minutes
    clock.advance(1799)
    assert not guard.admit("192.0.2.9")
    clock.advance(1)
    assert guard.admit("192.0.2.9")
    # Another kind of violation is counted separately: four rate-limit violations block nothing.
    for _ in range(4):
        guard.report(Violation.FREQUENT_REQUEST, 1, None)
    assert guard.admit("192.0.2.9")


def test_local_view_expiry_listeners_and_full_replacement() -> None:
    local = LocalBlocklist()
    heard: list[object] = []
    local.on_ip_blocked.append(heard.append)
    local.on_user_blocked.append(heard.append)
    local.block(BlockTarget.IP, ["10.0.0.1"], 2000, 1000)
    local.block(BlockTarget.IP, ["10.0.0.1"], 5000, 1000)  # an extension is not a new block
    local.block(BlockTarget.USER, [5], 2000, 1000)
    assert heard == ["10.0.0.1", 5]
    assert local.is_ip_blocked("10.0.0.1", 4999) and not local.is_ip_blocked("10.0.0.1", 5000)
    local.unblock(BlockTarget.USER, [5])
    assert not local.is_user_blocked(5, 1000)
    local.replace({"10.0.0.1": 9000, "10.0.0.2": 9000}, {6: 9000}, 1000)
    assert heard == ["10.0.0.1", 5, "10.0.0.2", 6]
    assert local.evict_expired(9000) == 3


def test_ip_normalization() -> None:
    assert normalize_ip("::ffff:127.0.0.1") == "127.0.0.1"
    assert normalize_ip("[2001:DB8::1]") == "2001:db8::1"
    with pytest.raises(ValueError):
        normalize_ip("999.1.1.1")


async def test_service_validates_input_and_reports_disabled_blocklists() -> None:
    from turms.security.blocklist import BlocklistService

    clock = FakeClock()
    settings = load_settings(None, env={}, flags=[("security.blocklist.user_id.enabled", "false")])

    class Memory:
        def __init__(self) -> None:
            self.blocked: dict[str, int] = {}

        async def block(self, target: BlockTarget, ids: list[str] | list[int], expiry_ms: int) -> None:
            self.blocked.update({str(i): expiry_ms for i in ids})

        async def unblock(self, target: BlockTarget, ids: list[str] | list[int] | None) -> None:
            for i in ids or list(self.blocked):
                self.blocked.pop(str(i), None)

        async def query(self, target: BlockTarget, ids: object, now_ms: int) -> dict[str, int]:
            return {k: v for k, v in self.blocked.items() if v > now_ms}

    local = LocalBlocklist()
    service = BlocklistService(settings, clock, local, Memory())
    assert await service.block_ips(["::ffff:10.0.0.1", "10.0.0.1", "10.0.0.2"], 60) == ["10.0.0.1", "10.0.0.2"]
    assert local.is_ip_blocked("10.0.0.1", clock.now_ms())
    assert [b.id for b in await service.query_blocked_ips()] == ["10.0.0.1", "10.0.0.2"]
    with pytest.raises(TurmsError) as bad:
        await service.block_ips(["not-an-ip"], 60)
    assert bad.value.code is ResponseStatusCode.ILLEGAL_ARGUMENT
    with pytest.raises(TurmsError) as zero:
        await service.block_ips(["10.0.0.3"], 0)
    assert zero.value.code is ResponseStatusCode.ILLEGAL_ARGUMENT
    with pytest.raises(TurmsError) as disabled:
        await service.block_user_ids([1], 60)
    assert disabled.value.code is ResponseStatusCode.USER_ID_BLOCKLIST_IS_DISABLED
